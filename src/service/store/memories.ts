import type { Queryable } from '../db.ts';
import { nowSeconds } from './users.ts';

export interface MemoriesUpdate {
  short_term?: string[];
  long_term?: string[];
}

/** Replaces the memories of the kinds given (a kind left out keeps its rows). */
export async function saveMemories(tx: Queryable, characterId: number, update: MemoriesUpdate): Promise<void> {
  const now = nowSeconds();
  for (const type of ['short_term', 'long_term'] as const) {
    const list = update[type];
    if (!list) continue;
    await tx.query('DELETE FROM character_memories WHERE character_id = $1 AND memory_type = $2', [characterId, type]);
    if (list.length === 0) continue;
    await tx.query(
      `INSERT INTO character_memories(character_id, memory_type, content, created_at)
       SELECT $1, $2, c, $4 FROM unnest($3::text[]) WITH ORDINALITY AS x(c, o) ORDER BY o`,
      [characterId, type, list, now],
    );
  }
}
