import type { Queryable } from '../db.ts';

export interface UserRow {
  id: number;
  username: string;
  password_hash: string;
  is_admin: number;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Inserts a user; undefined when the username is taken. */
export async function createUser(
  db: Queryable,
  username: string,
  passwordHash: string,
  isAdmin: boolean,
): Promise<UserRow | undefined> {
  const result = await db.query<UserRow>(
    `INSERT INTO users(username, password_hash, created_at, is_admin) VALUES ($1, $2, $3, $4)
     ON CONFLICT (username) DO NOTHING RETURNING id, username, password_hash, is_admin`,
    [username, passwordHash, nowSeconds(), isAdmin ? 1 : 0],
  );
  return result.rows[0];
}

export async function findUserByName(db: Queryable, username: string): Promise<UserRow | undefined> {
  const result = await db.query<UserRow>(
    'SELECT id, username, password_hash, is_admin FROM users WHERE username = $1',
    [username],
  );
  return result.rows[0];
}

export async function findUserById(db: Queryable, id: number): Promise<UserRow | undefined> {
  const result = await db.query<UserRow>('SELECT id, username, password_hash, is_admin FROM users WHERE id = $1', [id]);
  return result.rows[0];
}

/** Deletes the account (settings, characters, memories, messages cascade); returns its character names. */
export async function deleteUser(tx: Queryable, id: number): Promise<string[] | undefined> {
  const names = await tx.query<{ name: string }>('SELECT name FROM characters WHERE user_id = $1', [id]);
  const deleted = await tx.query('DELETE FROM users WHERE id = $1', [id]);
  if (deleted.rowCount === 0) return undefined;
  return names.rows.map((r) => r.name);
}
