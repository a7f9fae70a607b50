import { CURRENT_XID_SQL, type Queryable, wireXid } from '../db.ts';
import { nowSeconds } from './users.ts';

/** The body of GET /api/me/settings → settings (FastNPC's fields and defaults). */
export interface UserSettings {
  default_model: string | null;
  ctx_max_chat: number | null;
  ctx_max_stm: number | null;
  ctx_max_ltm: number | null;
  profile: string | null;
  max_group_reply_rounds: number;
  updated_at: number;
}

export const SETTINGS_FIELDS = [
  'default_model',
  'ctx_max_chat',
  'ctx_max_stm',
  'ctx_max_ltm',
  'profile',
  'max_group_reply_rounds',
] as const;
export type SettingsField = (typeof SETTINGS_FIELDS)[number];
export type SettingsUpdate = Partial<Pick<UserSettings, SettingsField>>;

export const DEFAULT_SETTINGS: UserSettings = {
  default_model: null,
  ctx_max_chat: null,
  ctx_max_stm: null,
  ctx_max_ltm: null,
  profile: null,
  max_group_reply_rounds: 3,
  updated_at: 0,
};

/**
 * One statement: the user's settings, defaults when they have none, undefined when the account no longer exists
 * (so a session of a deleted account reads nothing).
 */
export async function loadSettings(db: Queryable, userId: number): Promise<UserSettings | undefined> {
  const result = await db.query<Record<string, unknown>>(
    `SELECT s.user_id, s.default_model, s.ctx_max_chat, s.ctx_max_stm, s.ctx_max_ltm, s.profile,
            s.max_group_reply_rounds, s.updated_at
       FROM users u LEFT JOIN user_settings s ON s.user_id = u.id WHERE u.id = $1`,
    [userId],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  if (row.user_id === null) return { ...DEFAULT_SETTINGS };
  return {
    default_model: (row.default_model as string | null) ?? null,
    ctx_max_chat: (row.ctx_max_chat as number | null) ?? null,
    ctx_max_stm: (row.ctx_max_stm as number | null) ?? null,
    ctx_max_ltm: (row.ctx_max_ltm as number | null) ?? null,
    profile: (row.profile as string | null) ?? null,
    max_group_reply_rounds: (row.max_group_reply_rounds as number | null) ?? 3,
    updated_at: Number(row.updated_at ?? 0),
  };
}

/**
 * Upserts only the fields given, in one statement that also returns its transaction's id (pgoutput's 32 bits);
 * undefined when the user does not exist.
 */
export async function updateSettings(
  db: Queryable,
  userId: number,
  update: SettingsUpdate,
): Promise<{ xid: string } | undefined> {
  const fields = SETTINGS_FIELDS.filter((f) => f in update);
  const values: unknown[] = [userId, nowSeconds(), ...fields.map((f) => update[f] ?? null)];
  const columns = ['user_id', 'updated_at', ...fields].join(', ');
  const placeholders = values.map((_, i) => `$${i + 1}`).join(', ');
  const assignments = ['updated_at = EXCLUDED.updated_at', ...fields.map((f) => `${f} = EXCLUDED.${f}`)].join(', ');
  try {
    const result = await db.query<{ xid: string }>(
      `INSERT INTO user_settings(${columns}) VALUES (${placeholders}) ON CONFLICT (user_id) DO UPDATE SET ${assignments}
       RETURNING ${CURRENT_XID_SQL} AS xid`,
      values,
    );
    return { xid: wireXid(result.rows[0]!.xid) };
  } catch (error) {
    if ((error as { code?: string }).code === '23503') return undefined; // foreign key: the account is gone
    throw error;
  }
}
