import type { Queryable } from '../db.ts';
import type { SectionTable } from './migrations.ts';
import { nowSeconds } from './users.ts';

/** A section of the structured profile: its Chinese title, its table and Chinese field → column. */
interface Section {
  title: string;
  table: SectionTable;
  fields: Record<string, string>;
}

/** FastNPC's structured-profile layout (Chinese keys as the real app returns them). */
export const SECTIONS: readonly Section[] = [
  {
    title: '基础身份信息',
    table: 'character_basic_info',
    fields: {
      姓名: 'name',
      年龄: 'age',
      性别: 'gender',
      职业: 'occupation',
      身份背景: 'identity_background',
      外貌特征: 'appearance',
      '称谓/头衔': 'titles',
      人物简介: 'brief_intro',
    },
  },
  {
    title: '知识与能力',
    table: 'character_knowledge',
    fields: { 知识领域: 'knowledge_domain', 技能: 'skills', 限制: 'limitations' },
  },
  {
    title: '个性与行为设定',
    table: 'character_personality',
    fields: {
      性格特质: 'traits',
      价值观: 'values',
      情绪风格: 'emotion_style',
      说话方式: 'speaking_style',
      偏好: 'preferences',
      厌恶: 'dislikes',
      动机与目标: 'motivation_goals',
    },
  },
  {
    title: '对话与交互规范',
    table: 'character_dialogue_rules',
    fields: {
      语气: 'tone',
      语言风格: 'language_style',
      行为约束: 'behavior_constraints',
      互动模式: 'interaction_pattern',
    },
  },
  {
    title: '任务/功能性信息',
    table: 'character_tasks',
    fields: {
      任务目标: 'task_goal',
      对话意图: 'dialogue_intent',
      交互限制: 'interaction_limits',
      触发条件: 'trigger_conditions',
    },
  },
  {
    title: '环境与世界观',
    table: 'character_worldview',
    fields: { 世界观: 'worldview', 时间线: 'timeline', 社会规则: 'social_rules', 外部资源: 'external_resources' },
  },
  {
    title: '背景故事',
    table: 'character_background',
    fields: { 出身: 'origin', 当前处境: 'current_situation', 秘密: 'secrets' },
  },
  {
    title: '系统与控制参数',
    table: 'character_system_params',
    fields: {
      一致性控制: 'consistency_control',
      偏好控制: 'preference_control',
      安全限制: 'safety_limits',
      演绎范围: 'deduction_range',
    },
  },
  { title: '来源', table: 'character_source_info', fields: { 唯一标识: 'unique_id', 链接: 'source_url' } },
];

export const BACKGROUND_TITLE = '背景故事';
export const EXPERIENCES_KEY = '经历';
export const RELATIONSHIPS_KEY = '关系网络';

export type Structured = Record<string, Record<string, unknown>>;

/** The cached character profile: structured data plus short- and long-term memories. */
export interface CharacterProfile {
  characterId: number;
  name: string;
  source: string | null;
  updatedAt: number;
  structured: Structured;
  shortTerm: string[];
  longTerm: string[];
}

function text(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/**
 * Loads one profile the way FastNPC does: the main row, one SELECT per section table, the two list tables and the
 * two memory queries — 14 statements on one connection (15 with the id lookup before it). undefined when gone.
 */
export async function loadProfile(conn: Queryable, characterId: number): Promise<CharacterProfile | undefined> {
  const main = await conn.query<{ id: number; name: string; source: string | null; updated_at: string }>(
    'SELECT id, user_id, name, model, source, baike_content, created_at, updated_at FROM characters WHERE id = $1',
    [characterId],
  );
  const row = main.rows[0];
  if (!row) return undefined;
  const structured: Structured = {};
  for (const section of SECTIONS) {
    const result = await conn.query(`SELECT * FROM ${section.table} WHERE character_id = $1`, [characterId]);
    const sectionRow = result.rows[0];
    if (!sectionRow) continue;
    const out: Record<string, unknown> = {};
    for (const [key, column] of Object.entries(section.fields)) out[key] = sectionRow[column] ?? null;
    structured[section.title] = out;
  }
  const experiences = await conn.query<{ experience_text: string }>(
    'SELECT experience_text FROM character_experiences WHERE character_id = $1 ORDER BY sequence_order, id',
    [characterId],
  );
  const relationships = await conn.query<{ relationship_text: string }>(
    'SELECT relationship_text FROM character_relationships WHERE character_id = $1 ORDER BY id',
    [characterId],
  );
  if (experiences.rows.length > 0 || relationships.rows.length > 0) {
    const background = structured[BACKGROUND_TITLE] ?? {};
    if (experiences.rows.length > 0) background[EXPERIENCES_KEY] = experiences.rows.map((r) => r.experience_text);
    if (relationships.rows.length > 0)
      background[RELATIONSHIPS_KEY] = relationships.rows.map((r) => r.relationship_text);
    structured[BACKGROUND_TITLE] = background;
  }
  const memories = async (type: string): Promise<string[]> => {
    const result = await conn.query<{ content: string }>(
      'SELECT content FROM character_memories WHERE character_id = $1 AND memory_type = $2 ORDER BY created_at, id',
      [characterId, type],
    );
    return result.rows.map((r) => r.content);
  };
  const shortTerm = await memories('short_term');
  const longTerm = await memories('long_term');
  return {
    characterId: row.id,
    name: row.name,
    source: row.source,
    updatedAt: Number(row.updated_at),
    structured,
    shortTerm,
    longTerm,
  };
}

/** Writes the sections present in `data` (replace per section, as FastNPC does) and bumps updated_at. */
export async function saveStructured(tx: Queryable, characterId: number, data: Structured): Promise<void> {
  const now = nowSeconds();
  for (const section of SECTIONS) {
    const body = data[section.title];
    if (!body || typeof body !== 'object') continue;
    const columns = Object.values(section.fields);
    const values = Object.keys(section.fields).map((key) => text(body[key]));
    await tx.query(`DELETE FROM ${section.table} WHERE character_id = $1`, [characterId]);
    const names = ['character_id', ...columns].map((c) => `"${c}"`).join(', ');
    const placeholders = [characterId, ...values].map((_, i) => `$${i + 1}`).join(', ');
    await tx.query(`INSERT INTO ${section.table}(${names}) VALUES (${placeholders})`, [characterId, ...values]);
  }
  const background = data[BACKGROUND_TITLE];
  if (background && typeof background === 'object') {
    const experiences = background[EXPERIENCES_KEY];
    if (Array.isArray(experiences)) {
      await tx.query('DELETE FROM character_experiences WHERE character_id = $1', [characterId]);
      if (experiences.length > 0) {
        await tx.query(
          `INSERT INTO character_experiences(character_id, experience_text, sequence_order, created_at)
           SELECT $1, t, o::int - 1, $3 FROM unnest($2::text[]) WITH ORDINALITY AS x(t, o)`,
          [characterId, experiences.map((e) => text(e) ?? ''), now],
        );
      }
    }
    const relationships = background[RELATIONSHIPS_KEY];
    if (Array.isArray(relationships)) {
      await tx.query('DELETE FROM character_relationships WHERE character_id = $1', [characterId]);
      if (relationships.length > 0) {
        await tx.query(
          `INSERT INTO character_relationships(character_id, relationship_text, created_at)
           SELECT $1, t, $3 FROM unnest($2::text[]) AS x(t)`,
          [characterId, relationships.map((r) => text(r) ?? ''), now],
        );
      }
    }
  }
  await tx.query('UPDATE characters SET structured_json = $2, updated_at = $3 WHERE id = $1', [
    characterId,
    JSON.stringify(data),
    now,
  ]);
}

/** Copies every section row, list row and memory of one character to another (same user, new name). */
export async function copyProfileRows(tx: Queryable, fromId: number, toId: number): Promise<void> {
  for (const section of SECTIONS) {
    const columns = [
      ...Object.values(section.fields),
      ...(section.table === 'character_source_info' ? ['source_info_size'] : []),
    ]
      .map((c) => `"${c}"`)
      .join(', ');
    await tx.query(
      `INSERT INTO ${section.table}(character_id, ${columns}) SELECT $2, ${columns} FROM ${section.table} WHERE character_id = $1`,
      [fromId, toId],
    );
  }
  await tx.query(
    `INSERT INTO character_experiences(character_id, experience_text, sequence_order, created_at)
     SELECT $2, experience_text, sequence_order, created_at FROM character_experiences WHERE character_id = $1`,
    [fromId, toId],
  );
  await tx.query(
    `INSERT INTO character_relationships(character_id, relationship_text, created_at)
     SELECT $2, relationship_text, created_at FROM character_relationships WHERE character_id = $1`,
    [fromId, toId],
  );
  await tx.query(
    `INSERT INTO character_memories(character_id, memory_type, content, created_at)
     SELECT $2, memory_type, content, created_at FROM character_memories WHERE character_id = $1 ORDER BY id`,
    [fromId, toId],
  );
}
