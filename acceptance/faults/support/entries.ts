/**
 * After each fault row: every cached entry of the namespace compared with what PostgreSQL holds now (the service's
 * own loaders, so the comparison is of the same JSON the cache stores). Entries whose key was hashed (names over
 * 200 bytes) cannot be mapped back and are counted as unchecked.
 */
import { Cluster, Redis } from 'ioredis';
import { CORRUPT, decode } from '../../../src/cache/index.ts';
import type { RedisClient } from '../../../src/redis/connect.ts';
import { createDatabase } from '../../../src/service/db.ts';
import { findCharacterId, listCharacters } from '../../../src/service/store/characters.ts';
import { loadProfile } from '../../../src/service/store/profile.ts';
import { loadSettings } from '../../../src/service/store/settings.ts';

export interface EntryComparison {
  compared: number;
  mismatches: number;
  unchecked: number;
  examples: string[];
}

const canonical = (value: unknown): string => JSON.stringify(value === undefined ? null : value);

/**
 * `redis`: a URL (a client is opened with `password` and closed afterwards) or a client of any topology (kept open;
 * a Cluster is scanned on every primary).
 */
export async function compareEntries(
  redisUrl: string | RedisClient,
  databaseUrl: string,
  password?: string,
  namespace = 'fastnpc',
): Promise<EntryComparison> {
  const own = typeof redisUrl === 'string';
  const redis: RedisClient =
    typeof redisUrl === 'string'
      ? new Redis(redisUrl, { maxRetriesPerRequest: 1, ...(password ? { password } : {}) })
      : redisUrl;
  const db = createDatabase({ connectionString: databaseUrl, max: 2 });
  const result: EntryComparison = { compared: 0, mismatches: 0, unchecked: 0, examples: [] };
  try {
    if (redis instanceof Cluster && redis.status !== 'ready') {
      await new Promise<void>((resolve, reject) => {
        redis.once('ready', resolve);
        setTimeout(() => reject(new Error('the Cluster client was not ready within 10 s')), 10_000).unref();
      });
    }
    for (const server of redis instanceof Cluster ? redis.nodes('master') : [redis]) {
      let cursor = '0';
      do {
        const [next, found] = await server.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1_000);
        cursor = next;
        for (const key of found) {
          const logical = key.slice(namespace.length + 1);
          if (logical.startsWith('__cache__:')) continue;
          const raw = await redis.get(key);
          if (raw === null) continue; // expired or deleted meanwhile
          const [kind, uidText, encoded] = logical.split(':');
          const uid = Number(uidText);
          let expected: unknown;
          if (kind === 'user_settings') expected = (await loadSettings(db, uid)) ?? null;
          else if (kind === 'char_list') expected = await listCharacters(db, uid);
          else if (
            (kind === 'char_id' || kind === 'char_profile') &&
            encoded !== undefined &&
            !encoded.startsWith('%H')
          ) {
            const name = decodeURIComponent(encoded);
            const id = await findCharacterId(db, uid, name);
            if (kind === 'char_id') expected = id;
            else expected = id === null ? null : ((await db.withConnection((conn) => loadProfile(conn, id))) ?? null);
          } else {
            result.unchecked += 1;
            continue;
          }
          // the value may have been replaced between GET and the load: compare again with a fresh GET
          const again = await redis.get(key);
          if (again === null || again !== raw) continue;
          result.compared += 1;
          // decoded as the cache decodes it (any value format it reads); an entry it cannot read is a mismatch
          const stored = decode(raw);
          if (stored === CORRUPT || canonical(stored) !== canonical(JSON.parse(JSON.stringify(expected ?? null)))) {
            result.mismatches += 1;
            if (result.examples.length < 5) result.examples.push(logical);
          }
        }
      } while (cursor !== '0');
    }
  } finally {
    if (own) redis.disconnect();
    await db.close();
  }
  return result;
}
