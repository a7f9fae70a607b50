import { CURRENT_XID_SQL, type Queryable, wireXid } from '../db.ts';
import { ValidationError } from '../validation.ts';
import { copyProfileRows } from './profile.ts';
import { nowSeconds } from './users.ts';

/** One entry of the cached character list (newest first). */
export interface CharacterListItem {
  id: number;
  role: string;
  source: string | null;
  updated_at: number;
  preview: string;
  avatar_url: string;
  is_test_case: boolean;
}

/** Longest role name accepted (bytes of UTF-8 are not limited separately). */
export const MAX_ROLE_LENGTH = 100;

export async function findCharacterId(db: Queryable, userId: number, name: string): Promise<number | null> {
  const result = await db.query<{ id: number }>('SELECT id FROM characters WHERE user_id = $1 AND name = $2', [
    userId,
    name,
  ]);
  return result.rows[0]?.id ?? null;
}

export async function listCharacters(db: Queryable, userId: number): Promise<CharacterListItem[]> {
  const result = await db.query<{
    id: number;
    name: string;
    source: string | null;
    updated_at: string;
    preview: string | null;
    avatar_url: string | null;
    is_test_case: number | null;
  }>(
    `SELECT c.id, c.name, c.source, c.updated_at, c.avatar_url, c.is_test_case, b.brief_intro AS preview
       FROM characters c LEFT JOIN character_basic_info b ON b.character_id = c.id
      WHERE c.user_id = $1 ORDER BY c.updated_at DESC, c.id DESC`,
    [userId],
  );
  return result.rows.map((r) => ({
    id: r.id,
    role: r.name,
    source: r.source,
    updated_at: Number(r.updated_at),
    preview: (r.preview ?? '').slice(0, 100),
    avatar_url: r.avatar_url ?? '',
    is_test_case: Boolean(r.is_test_case),
  }));
}

/** Inserts the main row; undefined when the user already has a character of that name. */
export async function insertCharacter(
  tx: Queryable,
  userId: number,
  name: string,
  source: string,
  structuredJson: string,
  model = '',
): Promise<number | undefined> {
  const now = nowSeconds();
  const result = await tx.query<{ id: number }>(
    `INSERT INTO characters(user_id, name, model, source, structured_json, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (user_id, name) DO NOTHING RETURNING id`,
    [userId, name, model, source, structuredJson, now],
  );
  return result.rows[0]?.id;
}

export type RenameResult = 'ok' | 'not_found' | 'exists';

export async function renameCharacter(
  tx: Queryable,
  userId: number,
  oldName: string,
  newName: string,
): Promise<RenameResult> {
  try {
    const result = await tx.query('UPDATE characters SET name = $3, updated_at = $4 WHERE user_id = $1 AND name = $2', [
      userId,
      oldName,
      newName,
      nowSeconds(),
    ]);
    return result.rowCount === 0 ? 'not_found' : 'ok';
  } catch (error) {
    if ((error as { code?: string }).code === '23505') return 'exists';
    throw error;
  }
}

/** `name-副本`, `name-副本2`, … — FastNPC's naming of copies. */
export function copyName(name: string, n: number): string {
  return n > 1 ? `${name}-副本${n}` : `${name}-副本`;
}

/** Copies a character with all its rows under the first free copy name; undefined when the source is missing. */
export async function copyCharacter(
  tx: Queryable,
  userId: number,
  name: string,
): Promise<{ id: number; name: string } | undefined> {
  const source = await tx.query<{
    id: number;
    model: string;
    source: string;
    structured_json: string;
    baike_content: string;
  }>('SELECT id, model, source, structured_json, baike_content FROM characters WHERE user_id = $1 AND name = $2', [
    userId,
    name,
  ]);
  const from = source.rows[0];
  if (!from) return undefined;
  const taken = await tx.query<{ name: string }>(
    "SELECT name FROM characters WHERE user_id = $1 AND starts_with(name, $2 || '-副本')",
    [userId, name],
  );
  const names = new Set(taken.rows.map((r) => r.name));
  let n = 1;
  while (names.has(copyName(name, n))) n += 1;
  const newName = copyName(name, n);
  if ([...newName].length > MAX_ROLE_LENGTH) {
    // a name that can be created must stay reachable: never make one longer than a name may be
    throw new ValidationError(
      'name',
      `is too long to copy: the copy would be named with ${[...newName].length} characters (at most ${MAX_ROLE_LENGTH})`,
    );
  }
  const now = nowSeconds();
  const inserted = await tx.query<{ id: number }>(
    `INSERT INTO characters(user_id, name, model, source, structured_json, baike_content, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
    [userId, newName, from.model, from.source, from.structured_json, from.baike_content, now],
  );
  const id = inserted.rows[0]!.id;
  await copyProfileRows(tx, from.id, id);
  return { id, name: newName };
}

/** Deletes the character (its rows cascade); returns its transaction's id, undefined when there was none. */
export async function deleteCharacter(
  db: Queryable,
  userId: number,
  name: string,
): Promise<{ xid: string } | undefined> {
  const result = await db.query<{ xid: string }>(
    `DELETE FROM characters WHERE user_id = $1 AND name = $2 RETURNING ${CURRENT_XID_SQL} AS xid`,
    [userId, name],
  );
  const row = result.rows[0];
  return row ? { xid: wireXid(row.xid) } : undefined;
}
