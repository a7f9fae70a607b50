import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../../src/service/db.ts';
import { newRequestContext, runWithContext } from '../../../src/service/request-context.ts';
import { findCharacterId } from '../../../src/service/store/characters.ts';
import { migrate } from '../../../src/service/store/migrations.ts';
import { loadProfile } from '../../../src/service/store/profile.ts';
import { SEED_ROLE_NAMES, seed } from '../../../src/service/store/seed.ts';
import { type StartedLocalStack, startLocalStack } from '../../../src/stack/index.ts';

// The PostgreSQL store on a private, initially empty database.
let stack: StartedLocalStack;
let db: Database;

beforeAll(async () => {
  stack = await startLocalStack({ redis: false });
  db = createDatabase({ connectionString: stack.databaseUrl, max: 2 });
});
afterAll(async () => {
  await db?.close();
  await stack?.stop();
});

describe('store', () => {
  it('migrations run on an empty database and again without change (idempotent, concurrent-safe)', async () => {
    await Promise.all([migrate(db), migrate(db)]);
    await migrate(db);
    const tables = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining([
        'users',
        'user_settings',
        'characters',
        'character_memories',
        'messages',
        'character_basic_info',
        'character_knowledge',
        'character_personality',
        'character_dialogue_rules',
        'character_tasks',
        'character_worldview',
        'character_background',
        'character_system_params',
        'character_source_info',
        'character_experiences',
        'character_relationships',
        'tasks',
      ]),
    );
  });

  it('the seed is deterministic and idempotent, with Chinese and hostile names', async () => {
    const counts = { users: 4, characters: 30, memories: 5 };
    const first = await seed(stack.databaseUrl, counts);
    const second = await seed(stack.databaseUrl, counts);
    expect(second).toEqual(first);
    expect(first.users.map((u) => u.username)).toEqual(['user001', 'user002', 'user003', 'user004']);
    expect(first.admin.username).toBe('admin');
    const names = first.users.flatMap((u) => u.characters);
    expect(names).toEqual(expect.arrayContaining(['*', 'user_settings:1', '李白', '福尔摩斯: 侦探']));
    expect(new Set(first.users[0]!.characters).size).toBe(30); // more characters than pool names: suffixed, unique
    const rows = await db.query<{ characters: string; memories: string; users: string }>(
      `SELECT (SELECT count(*) FROM characters) AS characters, (SELECT count(*) FROM character_memories) AS memories,
              (SELECT count(*) FROM users) AS users`,
    );
    expect(rows.rows[0]).toEqual({ characters: '120', memories: '600', users: '5' });
    expect(SEED_ROLE_NAMES.length).toBeGreaterThan(20);
  });

  it('loading a profile reads the section tables as FastNPC does: 14 statements (15 with the id lookup)', async () => {
    const result = await seed(stack.databaseUrl, { users: 1, characters: 2, memories: 8 });
    const user = result.users[0]!;
    const context = newRequestContext();
    const profile = await runWithContext(context, async () => {
      const id = await findCharacterId(db, user.id, user.characters[0]!);
      return db.withConnection((conn) => loadProfile(conn, id!));
    });
    expect(context.dbQueries).toBe(15);
    expect(profile!.name).toBe(user.characters[0]);
    expect(Object.keys(profile!.structured)).toEqual([
      '基础身份信息',
      '知识与能力',
      '个性与行为设定',
      '对话与交互规范',
      '任务/功能性信息',
      '环境与世界观',
      '背景故事',
      '系统与控制参数',
      '来源',
    ]);
    expect(profile!.structured.背景故事!.经历).toHaveLength(2);
    expect(profile!.shortTerm.length + profile!.longTerm.length).toBeGreaterThanOrEqual(5); // seed 4 users had 5 each
  });
});
