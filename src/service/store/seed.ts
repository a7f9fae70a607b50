import { createDatabase, type Queryable } from '../db.ts';
import { hashPassword } from '../password.ts';
import { generateStructured } from '../responder.ts';
import { migrate, SECTION_TABLES } from './migrations.ts';
import { SECTIONS } from './profile.ts';

export interface SeedCounts {
  users: number;
  characters: number;
  memories: number;
}

export interface SeedOptions {
  /** Password of every seeded user. @default 'seed-password' (the CLIs pass SEED_PASSWORD) */
  password?: string;
  /** @default 'admin' (the CLIs pass FASTNPC_ADMIN_USER) */
  adminUser?: string;
  /** @default the seed password (the CLIs pass FASTNPC_ADMIN_PASSWORD) */
  adminPassword?: string;
}

export interface SeededUser {
  id: number;
  username: string;
  password: string;
  characters: string[];
}

export interface SeedResult {
  users: SeededUser[];
  admin: { id: number; username: string; password: string };
}

export const DEFAULT_SEED: SeedCounts = { users: 100, characters: 10, memories: 20 };

/**
 * Character names as real users write them: Chinese, with punctuation, and a few hostile ones that break naive
 * key building (`:`, `*`, `?`, `[`, spaces, `%`, a slash, emoji).
 */
export const SEED_ROLE_NAMES: readonly string[] = [
  '李白',
  '杜甫·诗圣',
  '孙悟空（齐天大圣）',
  '林黛玉',
  '诸葛亮「卧龙」',
  '哈利·波特',
  '福尔摩斯: 侦探',
  '*',
  'user_settings:1',
  '带 空格 的名字',
  '问号？还是?',
  '[方括号]',
  '100%纯度',
  'a/b 斜杠',
  '苏轼，字子瞻',
  '王熙凤！',
  '貂蝉~',
  '🐉 龙王',
  '嫦娥—月宫',
  'O\'Neil "引号"',
  '曹操',
  '关羽',
  '花木兰',
  '武则天',
  '白居易',
];

/** Deterministic PRNG (mulberry32) so two seeds of the same counts produce the same data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const MEMORY_PHRASES = [
  '今天和用户聊了诗歌',
  '用户喜欢喝茶，说：“好茶！”',
  '我们谈到了长安的月亮',
  '用户问：你害怕什么？',
  '约定明天继续讲故事',
];

export function seedUsername(i: number): string {
  return `user${String(i).padStart(3, '0')}`;
}

/** The role names of seeded user `i` (1-based): a deterministic, duplicate-free pick of the pool. */
export function seedRoleNames(i: number, count: number): string[] {
  const names: string[] = [];
  for (let j = 0; j < count; j += 1) {
    const base = SEED_ROLE_NAMES[(i * 7 + j) % SEED_ROLE_NAMES.length]!;
    const round = Math.floor(j / SEED_ROLE_NAMES.length);
    names.push(round === 0 ? base : `${base}·${round + 1}`);
  }
  return names;
}

const BASE_TIME = 1_700_000_000;

async function seedCharacters(
  tx: Queryable,
  userId: number,
  names: string[],
  memories: number,
  random: () => number,
  userIndex: number,
): Promise<void> {
  if (names.length === 0) return;
  const structured = names.map((n) => generateStructured(n, 'baike'));
  const times = names.map((_, j) => BASE_TIME + userIndex * 1000 + j);
  const inserted = await tx.query<{ id: number; name: string }>(
    `INSERT INTO characters(user_id, name, model, source, structured_json, created_at, updated_at)
     SELECT $1, n, '', 'baike', s, t, t FROM unnest($2::text[], $3::text[], $4::bigint[]) AS x(n, s, t)
     ON CONFLICT (user_id, name) DO NOTHING RETURNING id, name`,
    [userId, names, structured.map((s) => JSON.stringify(s)), times],
  );
  if (inserted.rows.length === 0) return;
  const byName = new Map(names.map((n, j) => [n, structured[j]!]));
  const ids = inserted.rows.map((r) => r.id);
  for (const section of SECTIONS) {
    const columns = SECTION_TABLES[section.table];
    const keys = Object.keys(section.fields);
    const arrays = keys.map((key) =>
      inserted.rows.map((r) => String(byName.get(r.name)?.[section.title]?.[key] ?? '')),
    );
    const cols = columns.map((c) => `"${c}"`).join(', ');
    const unnest = columns.map((_, k) => `$${k + 2}::text[]`).join(', ');
    const aliases = columns.map((_, k) => `c${k}`).join(', ');
    await tx.query(
      `INSERT INTO ${section.table}(character_id, ${cols}) SELECT * FROM unnest($1::int[], ${unnest}) AS x(id, ${aliases})`,
      [ids, ...arrays],
    );
  }
  const expIds: number[] = [];
  const expTexts: string[] = [];
  const expOrder: number[] = [];
  for (const row of inserted.rows) {
    const list = (byName.get(row.name)?.背景故事?.经历 as string[]) ?? [];
    list.forEach((text, k) => {
      expIds.push(row.id);
      expTexts.push(text);
      expOrder.push(k);
    });
  }
  await tx.query(
    `INSERT INTO character_experiences(character_id, experience_text, sequence_order, created_at)
     SELECT id, t, o, $4 FROM unnest($1::int[], $2::text[], $3::int[]) AS x(id, t, o)`,
    [expIds, expTexts, expOrder, BASE_TIME],
  );
  await tx.query(
    `INSERT INTO character_relationships(character_id, relationship_text, created_at)
     SELECT id, '友人：杜甫', $2 FROM unnest($1::int[]) AS x(id)`,
    [ids, BASE_TIME],
  );
  if (memories > 0) {
    const memIds: number[] = [];
    const memTypes: string[] = [];
    const memTexts: string[] = [];
    const memTimes: number[] = [];
    for (const row of inserted.rows) {
      for (let m = 0; m < memories; m += 1) {
        memIds.push(row.id);
        memTypes.push(m % 4 === 3 ? 'long_term' : 'short_term');
        memTexts.push(`${MEMORY_PHRASES[Math.floor(random() * MEMORY_PHRASES.length)]}（${row.name}，第${m + 1}条）`);
        memTimes.push(BASE_TIME + m);
      }
    }
    await tx.query(
      `INSERT INTO character_memories(character_id, memory_type, content, created_at)
       SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::bigint[])`,
      [memIds, memTypes, memTexts, memTimes],
    );
  }
}

/**
 * Migrates and fills the database: users `user001…` (password SEED_PASSWORD), each with `characters` characters of
 * `memories` memories, plus the admin. Deterministic and idempotent (users that exist are left as they are).
 */
export async function seed(
  databaseUrl: string,
  counts: SeedCounts = DEFAULT_SEED,
  options: SeedOptions = {},
): Promise<SeedResult> {
  const password = options.password ?? 'seed-password';
  const adminUser = options.adminUser || 'admin';
  const adminPassword = options.adminPassword ?? password;
  const db = createDatabase({ connectionString: databaseUrl, max: 2 });
  try {
    await migrate(db);
    // Test data only: one scrypt hash shared by every seeded user keeps a 100-user seed under a second.
    const sharedHash = await hashPassword(password);
    const random = prng(counts.users * 1_000_003 + counts.characters * 101 + counts.memories);
    const users: SeededUser[] = [];
    for (let i = 1; i <= counts.users; i += 1) {
      const username = seedUsername(i);
      const names = seedRoleNames(i, counts.characters);
      const id = await db.transaction(async (tx) => {
        const created = await tx.query<{ id: number }>(
          `INSERT INTO users(username, password_hash, created_at, is_admin) VALUES ($1, $2, $3, 0)
           ON CONFLICT (username) DO NOTHING RETURNING id`,
          [username, sharedHash, BASE_TIME + i],
        );
        const newId = created.rows[0]?.id;
        if (newId === undefined) {
          const existing = await tx.query<{ id: number }>('SELECT id FROM users WHERE username = $1', [username]);
          return existing.rows[0]!.id;
        }
        await seedCharacters(tx, newId, names, counts.memories, random, i);
        return newId;
      });
      users.push({ id, username, password, characters: names });
    }
    const adminHash = await hashPassword(adminPassword);
    const admin = await db.query<{ id: number }>(
      `INSERT INTO users(username, password_hash, created_at, is_admin) VALUES ($1, $2, $3, 1)
       ON CONFLICT (username) DO UPDATE SET is_admin = 1 RETURNING id`,
      [adminUser, adminHash, BASE_TIME],
    );
    return { users, admin: { id: admin.rows[0]!.id, username: adminUser, password: adminPassword } };
  } finally {
    await db.close();
  }
}
