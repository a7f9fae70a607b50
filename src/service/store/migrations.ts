import type { Queryable } from '../db.ts';

/** One-row-per-character section tables of the structured profile, with their TEXT columns (FastNPC's layout). */
export const SECTION_TABLES = {
  character_basic_info: [
    'name',
    'age',
    'gender',
    'occupation',
    'identity_background',
    'appearance',
    'titles',
    'brief_intro',
  ],
  character_knowledge: ['knowledge_domain', 'skills', 'limitations'],
  character_personality: [
    'traits',
    'values',
    'emotion_style',
    'speaking_style',
    'preferences',
    'dislikes',
    'motivation_goals',
  ],
  character_dialogue_rules: ['tone', 'language_style', 'behavior_constraints', 'interaction_pattern'],
  character_tasks: ['task_goal', 'dialogue_intent', 'interaction_limits', 'trigger_conditions'],
  character_worldview: ['worldview', 'timeline', 'social_rules', 'external_resources'],
  character_background: ['origin', 'current_situation', 'secrets'],
  character_system_params: ['consistency_control', 'preference_control', 'safety_limits', 'deduction_range'],
  character_source_info: ['unique_id', 'source_url'],
} as const;
export type SectionTable = keyof typeof SECTION_TABLES;

/**
 * Every table of the schema, once, by what the cache makes of its rows — the commit-log invalidator's profile is
 * derived from this (src/invalidator/profiles.ts), and a test checks that every table MIGRATIONS creates is listed
 * here (test/unit/invalidator/mapping.test.ts): a new table is either part of what the cache holds or declared
 * uncached, never forgotten.
 */
export const SCHEMA_TABLES = {
  /** A user's row (`id`): settings and list entries. */
  users: 'users',
  /** A user's settings (`user_id`). */
  userSettings: 'user_settings',
  /** A character (`user_id`, `name`): its id, profile and list entries. */
  characters: 'characters',
  /** Rows of a character (`character_id`) in its profile only. */
  characterProfileOnly: ['character_memories'],
  /** Rows of a character (`character_id`) in its profile and in its user's list: the structured profile. */
  characterProfileAndList: [
    ...(Object.keys(SECTION_TABLES) as SectionTable[]),
    'character_experiences',
    'character_relationships',
  ],
  /** Not cached, not watched (chat history, creation tasks). */
  uncached: ['messages', 'tasks'],
} as const;

function sectionDdl(table: string, columns: readonly string[]): string {
  const extra = table === 'character_source_info' ? ', source_info_size INT' : '';
  const cols = columns.map((c) => `"${c}" TEXT`).join(', ');
  return `CREATE TABLE IF NOT EXISTS ${table} (id SERIAL PRIMARY KEY, character_id INT UNIQUE NOT NULL REFERENCES characters(id) ON DELETE CASCADE, ${cols}${extra})`;
}

/**
 * The statements of the schema, in order. Each is idempotent (IF NOT EXISTS), and every table exists before anything
 * refers to it — FastNPC's set-up fails on an empty database because an ALTER runs first.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS users (id SERIAL PRIMARY KEY, username TEXT UNIQUE NOT NULL, password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL, is_admin INT NOT NULL DEFAULT 0, avatar_url TEXT)`,
  `CREATE TABLE IF NOT EXISTS user_settings (user_id INT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    default_model TEXT, updated_at BIGINT NOT NULL, ctx_max_chat INT, ctx_max_stm INT, ctx_max_ltm INT, profile TEXT,
    max_group_reply_rounds INT DEFAULT 3)`,
  `CREATE TABLE IF NOT EXISTS characters (id SERIAL PRIMARY KEY, user_id INT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL, model TEXT, source TEXT, structured_json TEXT, baike_content TEXT, avatar_url TEXT,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, is_test_case INT DEFAULT 0, UNIQUE(user_id, name))`,
  `CREATE TABLE IF NOT EXISTS character_memories (id SERIAL PRIMARY KEY,
    character_id INT NOT NULL REFERENCES characters(id) ON DELETE CASCADE, memory_type TEXT NOT NULL
    CHECK (memory_type IN ('short_term', 'long_term')), content TEXT NOT NULL, created_at BIGINT NOT NULL)`,
  'CREATE INDEX IF NOT EXISTS idx_char_memories ON character_memories(character_id, memory_type, created_at)',
  `CREATE TABLE IF NOT EXISTS messages (id SERIAL PRIMARY KEY, user_id INT REFERENCES users(id) ON DELETE CASCADE,
    character_id INT REFERENCES characters(id) ON DELETE CASCADE, role TEXT, content TEXT, created_at BIGINT,
    compressed INT DEFAULT 0, system_prompt_snapshot TEXT)`,
  'CREATE INDEX IF NOT EXISTS idx_messages_user_char ON messages(user_id, character_id, id)',
  ...Object.entries(SECTION_TABLES).map(([table, columns]) => sectionDdl(table, columns)),
  `CREATE TABLE IF NOT EXISTS character_experiences (id SERIAL PRIMARY KEY,
    character_id INT NOT NULL REFERENCES characters(id) ON DELETE CASCADE, experience_text TEXT,
    sequence_order INT, created_at BIGINT)`,
  'CREATE INDEX IF NOT EXISTS idx_char_experiences ON character_experiences(character_id, sequence_order)',
  `CREATE TABLE IF NOT EXISTS character_relationships (id SERIAL PRIMARY KEY,
    character_id INT NOT NULL REFERENCES characters(id) ON DELETE CASCADE, relationship_text TEXT, created_at BIGINT)`,
  'CREATE INDEX IF NOT EXISTS idx_char_relationships ON character_relationships(character_id)',
  // Character creation tasks live in the database, so every worker answers GET /api/tasks/:id the same way.
  `CREATE TABLE IF NOT EXISTS tasks (id TEXT PRIMARY KEY, user_id INT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL, source TEXT, status TEXT NOT NULL, error TEXT, character_id INT,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)`,
];

/** Any constant; serialises concurrent migrations (two processes starting at once). */
const MIGRATION_LOCK = 4_242_001;

/** Applies the schema; safe to run again and from several processes at once. */
export async function migrate(db: { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> }): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    for (const statement of MIGRATIONS) await tx.query(statement);
  });
}
