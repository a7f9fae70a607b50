import { keys } from '../cache/index.ts';
import { SCHEMA_TABLES } from '../service/store/migrations.ts';

/** The cache entries a row change can affect (the plan's key names). */
export type Entry = 'settings' | 'char_id' | 'profile' | 'list';

/**
 * How one table's rows map to cache entries: the row's user (`user` column), or its character (`character` column,
 * looked up as user + name), the character's name (`name`), and the entries to delete. Old and new row both count
 * (an UPDATE that renames deletes the entries of the old and the new name), so the tables need REPLICA IDENTITY FULL.
 */
export interface TableRule {
  user?: string;
  name?: string;
  character?: string;
  entries: readonly Entry[];
}

/** table → rule. Tables not listed are not watched (messages, tasks). */
export type Profile = Readonly<Record<string, TableRule>>;

/** What profileFor derives a profile from: the schema's tables by what the cache makes of their rows. */
export interface SchemaTables {
  users: string;
  userSettings: string;
  characters: string;
  /** Rows with a `character_id` that are part of the character's profile only. */
  characterProfileOnly: readonly string[];
  /** Rows with a `character_id` that are part of the character's profile and its user's list. */
  characterProfileAndList: readonly string[];
}

/** The profile of a schema with the plan's key names (the tables of `uncached` are not watched). */
export function profileFor(schema: SchemaTables): Profile {
  return {
    [schema.users]: { user: 'id', entries: ['settings', 'list'] },
    [schema.userSettings]: { user: 'user_id', entries: ['settings'] },
    [schema.characters]: { user: 'user_id', name: 'name', entries: ['char_id', 'profile', 'list'] },
    ...Object.fromEntries(
      schema.characterProfileOnly.map((table) => [table, { character: 'character_id', entries: ['profile'] }]),
    ),
    ...Object.fromEntries(
      schema.characterProfileAndList.map((table) => [
        table,
        { character: 'character_id', entries: ['profile', 'list'] },
      ]),
    ),
  };
}

/**
 * FastNPC's schema with the plan's key names: `user_settings:{uid}`, `char_id:{uid}:{name}`,
 * `char_profile:{uid}:{role}`, `char_list:{uid}`. Covers the write paths FastNPC forgets (structured update).
 * Derived from the reference schema's declaration (SCHEMA_TABLES in src/service/store/migrations.ts: FastNPC's
 * tables), so a table added there is invalidated from the commit log without another list to keep.
 */
export const PLAN_PROFILE: Profile = profileFor(SCHEMA_TABLES);

/** The reference service of this repository (src/service): FastNPC's tables and the plan's keys, so the same map. */
export const REFERENCE_PROFILE: Profile = PLAN_PROFILE;

export const PROFILES: Readonly<Record<string, Profile>> = { plan: PLAN_PROFILE, reference: REFERENCE_PROFILE };

/** The logical cache keys of one (user, character name) pair for the given entries. */
export function keysFor(entries: readonly Entry[], userId: number, name: string | undefined): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    if (entry === 'settings') out.push(keys.userSettings(userId));
    else if (entry === 'list') out.push(keys.characterList(userId));
    else if (name !== undefined)
      out.push(entry === 'char_id' ? keys.characterId(userId, name) : keys.characterProfile(userId, name));
  }
  return out;
}
