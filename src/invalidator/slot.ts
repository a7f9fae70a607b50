import pg from 'pg';
import { InvalidatorError } from './errors.ts';
import type { Profile } from './profiles.ts';

/** The replication slot (and publication) of a cache namespace: `<namespace>_invalidator`, lower-case, [a-z0-9_]. */
export function slotName(namespace: string): string {
  return `${namespace.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_invalidator`;
}

/** What the database says about the invalidator's slot. */
export interface SlotState {
  exists: boolean;
  /** WAL the slot holds back (bytes), null when unknown. */
  retainedBytes: number | null;
  /** 'reserved' | 'extended' | 'unreserved' | 'lost' (PG ≥ 13). */
  walStatus: string | null;
  confirmedFlushLsn: string | null;
  active: boolean;
}

export async function readSlot(db: pg.Pool | pg.Client, slot: string): Promise<SlotState> {
  const { rows } = await db.query<{
    confirmed_flush_lsn: string | null;
    wal_status: string | null;
    retained: string | null;
    active: boolean;
  }>(
    `SELECT confirmed_flush_lsn::text, wal_status, active,
       pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint::text AS retained
     FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  const row = rows[0];
  if (!row) return { exists: false, retainedBytes: null, walStatus: null, confirmedFlushLsn: null, active: false };
  return {
    exists: true,
    retainedBytes: row.retained === null ? null : Number(row.retained),
    walStatus: row.wal_status,
    confirmedFlushLsn: row.confirmed_flush_lsn,
    active: row.active,
  };
}

/**
 * Makes sure the publication covers the profile's tables (those that exist), that their UPDATE/DELETE carry the
 * old row (REPLICA IDENTITY FULL: a rename must delete the old name's entries), and that the slot exists. A slot
 * whose WAL was removed (`wal_status = lost`: the invalidator was stopped longer than max_slot_wal_keep_size
 * allows) is dropped and created again; the caller then finds Redis behind the slot and empties the namespace.
 * Returns whether the slot was (re)created.
 */
export async function ensureSlot(db: pg.Pool, slot: string, publication: string, profile: Profile): Promise<boolean> {
  const wanted = Object.keys(profile);
  const { rows } = await db.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname = ANY($1)`,
    [wanted],
  );
  const tables = rows.map((r) => r.relname).sort();
  if (tables.length === 0) throw new Error(`none of the profile's tables exist (${wanted.join(', ')})`);
  const list = tables.map((t) => pg.escapeIdentifier(t)).join(', ');
  for (const table of tables) await db.query(`ALTER TABLE ${pg.escapeIdentifier(table)} REPLICA IDENTITY FULL`);
  const existing = await db.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication]);
  if (existing.rowCount === 0)
    await db.query(`CREATE PUBLICATION ${pg.escapeIdentifier(publication)} FOR TABLE ${list}`);
  else await db.query(`ALTER PUBLICATION ${pg.escapeIdentifier(publication)} SET TABLE ${list}`);
  const state = await readSlot(db, slot);
  if (state.exists && state.walStatus !== 'lost') return false;
  if (state.exists) await db.query('SELECT pg_drop_replication_slot($1)', [slot]);
  // its own statement, outside any transaction that wrote (field notes)
  await db.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
  return true;
}

/**
 * Moves the slot to the current end of the WAL without decoding anything for the caller: the commits in between
 * are never delivered. Returns the slot's new confirmed position. Only the replay-off control uses it (a naive
 * invalidator resuming from the live stream).
 */
export async function advanceSlotToNow(db: pg.Pool, slot: string): Promise<string> {
  const { rows } = await db.query<{ end_lsn: string }>(
    'SELECT end_lsn::text FROM pg_replication_slot_advance($1, pg_current_wal_lsn())',
    [slot],
  );
  return rows[0]?.end_lsn ?? '0/0';
}

/** What `max_slot_wal_keep_size` allows the slot to hold back: bytes, or null when unlimited (-1, or PG < 13). */
export async function slotWalLimit(db: pg.Pool | pg.Client): Promise<{ bytes: number | null; setting: string }> {
  const { rows } = await db.query<{ setting: string; unit: string | null }>(
    "SELECT setting, unit FROM pg_settings WHERE name = 'max_slot_wal_keep_size'",
  );
  const row = rows[0];
  if (!row) return { bytes: null, setting: 'absent (PostgreSQL < 13: no limit)' };
  const value = Number(row.setting);
  if (value < 0) return { bytes: null, setting: '-1 (unlimited)' };
  // reported in MB
  return { bytes: value * 1024 * 1024, setting: `${value}MB` };
}

/** The invalidator refuses to run on an unlimited slot (code SLOT_WAL_UNLIMITED) unless waived. */
export class SlotWalUnlimitedError extends InvalidatorError {
  constructor(message: string) {
    super('SLOT_WAL_UNLIMITED', message);
  }
}

/**
 * A logical slot whose consumer is gone keeps WAL until the disk is full: with `max_slot_wal_keep_size = -1` (the
 * default) a stopped invalidator would take the database down. Throws SlotWalUnlimitedError on an unlimited
 * setting unless `waiver` (why it is acceptable here, e.g. "disk alarm + on-call drops the slot") is given; returns
 * the limit otherwise.
 */
export async function checkSlotWalLimit(
  db: pg.Pool | pg.Client,
  waiver: string | undefined,
): Promise<{ bytes: number | null; setting: string; waived: boolean }> {
  const limit = await slotWalLimit(db);
  if (limit.bytes !== null) return { ...limit, waived: false };
  if (waiver !== undefined && waiver.trim() !== '') return { ...limit, waived: true };
  throw new SlotWalUnlimitedError(
    `max_slot_wal_keep_size is ${limit.setting}: a stopped invalidator's slot would keep WAL until the disk is full. ` +
      "Set a cap (e.g. ALTER SYSTEM SET max_slot_wal_keep_size = '1GB'; SELECT pg_reload_conf();) or waive it with " +
      'FASTNPC_INVALIDATOR_WAL_WAIVER="<why it is acceptable here>" (docs/invalidation.md)',
  );
}
