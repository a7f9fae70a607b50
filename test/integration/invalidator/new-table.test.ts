import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../src/cache/index.ts';
import { type RunningInvalidator, startInvalidator } from '../../../src/invalidator/invalidator.ts';
import { PLAN_PROFILE, type Profile, profileFor } from '../../../src/invalidator/profiles.ts';
import { createDatabase } from '../../../src/service/db.ts';
import { migrate, SCHEMA_TABLES } from '../../../src/service/store/migrations.ts';
import { type StartedLocalStack, startLocalStack } from '../../../src/stack/index.ts';

// The invalidator's profile is derived from the schema's one declaration (SCHEMA_TABLES, issue 24): a table added to
// it — here `character_hobbies`, rows of a character's profile — is invalidated from the commit log with no other
// list to keep. The control is the profile as it was before the table was declared: the entry stays stale.
let stack: StartedLocalStack;
let db: pg.Pool;
let redis: Redis;
let running: RunningInvalidator | undefined;
let characterId: number;
const user = { id: 0, name: '新表角色' };

beforeAll(async () => {
  stack = await startLocalStack();
  const setup = createDatabase({ connectionString: stack.databaseUrl, max: 1 });
  try {
    await migrate(setup);
  } finally {
    await setup.close();
  }
  db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
  // an idle connection the server ends (57P01 while PostgreSQL stops or the invalidator restarts) is not this
  // test's subject, and unheard it kills the test process; the queries' own errors still reject
  db.on('error', () => {});
  const u = await db.query<{ id: number }>(
    "INSERT INTO users (username, password_hash, created_at) VALUES ('hobbies', 'x', 0) RETURNING id",
  );
  user.id = u.rows[0]!.id;
  const c = await db.query<{ id: number }>(
    'INSERT INTO characters (user_id, name, created_at, updated_at) VALUES ($1, $2, 0, 0) RETURNING id',
    [user.id, user.name],
  );
  characterId = c.rows[0]!.id;
  await db.query(
    `CREATE TABLE character_hobbies (id SERIAL PRIMARY KEY,
      character_id INT NOT NULL REFERENCES characters(id) ON DELETE CASCADE, hobby TEXT)`,
  );
  redis = new Redis(stack.redisUrl);
});
afterAll(async () => {
  await running?.stop();
  redis?.disconnect();
  await db?.end();
  await stack?.stop();
});

/** Runs the invalidator with `profile`, caches the character's profile entry, writes a hobby: is the entry gone? */
async function invalidatedWith(profile: Profile, slot: string): Promise<boolean> {
  running = startInvalidator({ databaseUrl: stack.databaseUrl, redisUrl: stack.redisUrl, profile, slot });
  try {
    const deadline = Date.now() + 30_000;
    while (running.status().sessions === 0) {
      if (Date.now() > deadline) throw new Error('the invalidator did not start a session');
      await sleep(50);
    }
    const entry = `fastnpc:${keys.characterProfile(user.id, user.name)}`;
    await redis.set(entry, '{"cached":"before the hobby"}');
    const before = running.status().transactions;
    // one transaction with a row of a table every profile watches: it reaches the invalidator either way
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO character_hobbies (character_id, hobby) VALUES ($1, $2)', [characterId, '围棋']);
      await client.query('UPDATE users SET avatar_url = $2 WHERE id = $1', [user.id, slot]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    while (running.status().transactions < before + 1) {
      if (Date.now() > deadline) throw new Error('the commit was not applied');
      await sleep(50);
    }
    return (await redis.exists(entry)) === 0;
  } finally {
    await running.stop();
    running = undefined;
  }
}

describe('invalidator: the profile derived from the schema declaration', () => {
  it('a table added to SCHEMA_TABLES is invalidated from the commit log', async () => {
    const schema = {
      ...SCHEMA_TABLES,
      characterProfileAndList: [...SCHEMA_TABLES.characterProfileAndList, 'character_hobbies'],
    };
    expect(await invalidatedWith(profileFor(schema), 'hobbies_derived')).toBe(true);
  }, 60_000);

  it('control: the profile without it leaves the entry stale', async () => {
    expect(PLAN_PROFILE.character_hobbies).toBeUndefined();
    expect(await invalidatedWith(PLAN_PROFILE, 'hobbies_control')).toBe(false);
  }, 60_000);
});
