import type { Queryable } from '../db.ts';
import { nowSeconds } from './users.ts';

export interface MessageRow {
  id: number;
  role: string;
  content: string;
  created_at: number;
}

export async function addMessage(
  db: Queryable,
  userId: number,
  characterId: number,
  role: 'user' | 'assistant',
  content: string,
): Promise<number> {
  const result = await db.query<{ id: number }>(
    'INSERT INTO messages(user_id, character_id, role, content, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [userId, characterId, role, content, nowSeconds()],
  );
  return result.rows[0]!.id;
}

/** The newest `limit` uncompressed messages after `afterId`, oldest first (what the chat prompt is built from). */
export async function listMessages(
  db: Queryable,
  userId: number,
  characterId: number,
  limit: number,
  afterId = 0,
): Promise<MessageRow[]> {
  const result = await db.query<MessageRow>(
    `SELECT id, role, content, created_at FROM (
       SELECT id, role, content, created_at FROM messages
        WHERE user_id = $1 AND character_id = $2 AND id > $3 AND compressed = 0
        ORDER BY id DESC LIMIT $4) recent ORDER BY id`,
    [userId, characterId, afterId, limit],
  );
  return result.rows.map((r) => ({ ...r, created_at: Number(r.created_at) }));
}
