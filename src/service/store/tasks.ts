import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db.ts';
import { nowSeconds } from './users.ts';

export interface TaskRow {
  id: string;
  role: string;
  source: string | null;
  status: string;
  error: string | null;
  character_id: number | null;
  created_at: number;
  updated_at: number;
}

/** Records a creation task (in the database, so every worker sees it — FastNPC kept tasks in worker memory). */
export async function recordTask(
  tx: Queryable,
  userId: number,
  role: string,
  source: string,
  status: 'done' | 'error',
  characterId: number | null,
  error: string | null,
): Promise<string> {
  const id = randomUUID().replaceAll('-', '');
  const now = nowSeconds();
  await tx.query(
    `INSERT INTO tasks(id, user_id, role, source, status, error, character_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
    [id, userId, role, source, status, error, characterId, now],
  );
  return id;
}

export async function findTask(db: Queryable, userId: number, id: string): Promise<TaskRow | undefined> {
  const result = await db.query<TaskRow>(
    'SELECT id, role, source, status, error, character_id, created_at, updated_at FROM tasks WHERE id = $1 AND user_id = $2',
    [id, userId],
  );
  const row = result.rows[0];
  return row ? { ...row, created_at: Number(row.created_at), updated_at: Number(row.updated_at) } : undefined;
}
