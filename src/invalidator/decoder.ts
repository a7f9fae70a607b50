import type pg from 'pg';
import type { Pgoutput } from 'pg-logical-replication';
import type { CommittedTransaction, ReturnedTick } from './apply-batch.ts';
import { parseLsn } from './lsn.ts';
import { DEFAULT_INVALIDATOR_OPTIONS, TICK_PREFIX } from './options.ts';
import { keysFor, type Profile } from './profiles.ts';

/** What the decoder hands the applier: a committed transaction's entries, or this session's tick come back. */
export type Decoded =
  | { kind: 'tx'; tx: CommittedTransaction; truncated: boolean }
  | { kind: 'tick'; tick: ReturnedTick; lsn: bigint | undefined };

export interface Decoder {
  /** One pgoutput message; a commit or a returned tick yields what to apply, anything else undefined. */
  decode(msg: Pgoutput.Message): Promise<Decoded | undefined>;
}

/**
 * pgoutput → the cache entries each committed transaction affects (through the profile: a row's user, or its
 * character looked up as user + name, remembered across transactions), for one session. `redisLsn`: every commit up
 * to it is in this Redis already (its marker's `lsn`), so a replayed commit before it is decoded and skipped.
 */
export function createDecoder(options: {
  profile: Profile;
  pool: pg.Pool;
  sessionId: string;
  redisLsn: bigint;
  /** A replayed commit skipped: this Redis held it already. */
  onSkip: () => void;
}): Decoder {
  const { profile, pool, sessionId, redisLsn, onSkip } = options;
  let txKeys = new Set<string>();
  /** The transaction's id as Begin carries it (unsigned 32 bits): names its sync-invalidation marker. */
  let txXid: string | undefined;
  let truncated = false;
  /** The transaction committed at or before the position this Redis already holds: decoded, not applied. */
  let txApplied = false;
  const owners = new Map<number, { user: number; name: string } | null>();

  const ownerOf = async (characterId: number): Promise<{ user: number; name: string } | null> => {
    if (!owners.has(characterId)) {
      // kept across transactions (a backlog of one character's writes asks once); a row of `characters` in the
      // stream (create, rename, delete) drops it, and the cache is bounded
      if (owners.size >= DEFAULT_INVALIDATOR_OPTIONS.ownerCacheMax) owners.clear();
      const { rows } = await pool.query<{ user_id: number; name: string }>(
        'SELECT user_id, name FROM characters WHERE id = $1',
        [characterId],
      );
      owners.set(characterId, rows[0] ? { user: rows[0].user_id, name: rows[0].name } : null);
    }
    return owners.get(characterId) ?? null;
  };

  const collect = async (relation: Pgoutput.MessageRelation, row: Record<string, unknown> | null): Promise<void> => {
    if (txApplied || !row) return;
    if (relation.name === 'characters' && row.id != null) owners.delete(Number(row.id));
    const rule = profile[relation.name];
    if (!rule) return;
    let user: number | undefined;
    let name: string | undefined;
    if (rule.user && row[rule.user] != null) user = Number(row[rule.user]);
    if (rule.name && row[rule.name] != null) name = String(row[rule.name]);
    if (rule.character && row[rule.character] != null) {
      const owner = await ownerOf(Number(row[rule.character]));
      if (owner) {
        user = owner.user;
        name = owner.name;
      }
    }
    if (user === undefined || !Number.isFinite(user)) return;
    for (const key of keysFor(rule.entries, user, name)) txKeys.add(key);
  };

  return {
    async decode(msg) {
      switch (msg.tag) {
        case 'begin':
          txKeys = new Set();
          // the parser reads it as a signed int32
          txXid = Number.isFinite(msg.xid) ? String(msg.xid >>> 0) : undefined;
          truncated = false;
          // this Redis holds every commit up to its marker's `lsn` (raised with the deletions, in one step): a
          // commit record that starts before it ends at or before it — replayed from the slot, not re-applied
          txApplied = msg.commitLsn !== null && parseLsn(msg.commitLsn) < redisLsn;
          return undefined;
        case 'insert':
          await collect(msg.relation, msg.new);
          return undefined;
        case 'update':
          await collect(msg.relation, msg.old ?? msg.key);
          await collect(msg.relation, msg.new);
          return undefined;
        case 'delete':
          await collect(msg.relation, msg.old ?? msg.key);
          return undefined;
        case 'truncate':
          truncated = truncated || msg.relations.some((r) => profile[r.name] !== undefined);
          return undefined;
        case 'commit': {
          const lsn = parseLsn(msg.commitEndLsn ?? '0/0');
          if (txApplied && lsn <= redisLsn) {
            onSkip();
            return undefined;
          }
          const keys = [...txKeys];
          txKeys = new Set();
          // pgoutput always sends the xid; without one no marker is consulted and every entry is deleted
          return { kind: 'tx', tx: { lsn, keys, xid: txXid }, truncated };
        }
        case 'message': {
          if (msg.prefix !== TICK_PREFIX) return undefined;
          const [tickSession, seq] = Buffer.from(msg.content).toString('utf8').split(':');
          if (tickSession !== sessionId) return undefined;
          const tickLsn = msg.messageLsn ? parseLsn(msg.messageLsn) : undefined;
          return { kind: 'tick', tick: { seq: Number(seq), lsn: tickLsn }, lsn: tickLsn };
        }
        default:
          return undefined;
      }
    },
  };
}
