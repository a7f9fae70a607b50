/**
 * Target profiles: where a target keeps its cache entries in Redis, so a row can observe the entry itself (its
 * existence, value, PTTL) instead of trusting the app's own headers. Two are built in:
 * - `plan`      — FastNPC's real keys: `user_settings:{uid}`, `char_id:{uid}:{name}`, `char_profile:{uid}:{role}`,
 *                 `char_list:{uid}`, no namespace, names as the app stores them (it normalises `*`/`:` to `_`, so
 *                 rows use the name the app lists, never the one they sent). No shared counters in Redis.
 * - `reference` — this project's service: the same entries under the namespace `fastnpc:`, every user-chosen part
 *                 encoded (src/cache/keys.ts); system-wide counters in the hash `fastnpc:__cache__:{stats}:system`.
 * Selected with `--profile` / ACCEPTANCE_PROFILE; default `plan` for an external target, `reference` otherwise.
 */
import { INTERNAL_PREFIX, keys } from '../../src/cache/index.ts';

export type ProfileName = 'plan' | 'reference';
export const PROFILE_NAMES: readonly ProfileName[] = ['plan', 'reference'];

export interface KeyProfile {
  name: ProfileName;
  description: string;
  settings(uid: number): string;
  /** Candidate keys of a character's id entry (the first that exists is the entry). */
  characterId(uid: number, name: string): string[];
  /** Candidate keys of a character's profile entry. */
  profile(uid: number, role: string): string[];
  list(uid: number): string;
  /** Globs of every entry of one user (for SCAN), not matching another user's. */
  userGlobs(uid: number): string[];
  /** Globs of every cache entry of the app (emptying them forces misses; statistics and leases excluded). */
  entryGlobs: string[];
  /** Redis hash of system-wide hit/miss counters, where the target keeps one. */
  statsHash?: string;
}

const REFERENCE_NS = 'fastnpc:';
const globEscape = (s: string): string => s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

const reference: KeyProfile = {
  name: 'reference',
  description: 'this project’s service: fastnpc:<entry>:<encoded ids>, counters in fastnpc:__cache__:{stats}:system',
  settings: (uid) => REFERENCE_NS + keys.userSettings(uid),
  // The encoded key, then the raw concatenation (what a target that builds keys from raw names would use).
  characterId: (uid, name) => [REFERENCE_NS + keys.characterId(uid, name), `${REFERENCE_NS}char_id:${uid}:${name}`],
  profile: (uid, role) => [
    REFERENCE_NS + keys.characterProfile(uid, role),
    `${REFERENCE_NS}char_profile:${uid}:${role}`,
  ],
  list: (uid) => REFERENCE_NS + keys.characterList(uid),
  userGlobs: (uid) => [
    globEscape(REFERENCE_NS + keys.userSettings(uid)),
    globEscape(REFERENCE_NS + keys.characterList(uid)),
    `${REFERENCE_NS}char_id:${uid}:*`,
    `${REFERENCE_NS}char_profile:${uid}:*`,
  ],
  entryGlobs: ['user_settings:*', 'char_id:*', 'char_profile:*', 'char_list:*'].map((g) => REFERENCE_NS + g),
  statsHash: `${REFERENCE_NS}${INTERNAL_PREFIX}{stats}:system`,
};

const plan: KeyProfile = {
  name: 'plan',
  description: 'FastNPC’s keys: user_settings:{uid}, char_id:{uid}:{name}, char_profile:{uid}:{role}, char_list:{uid}',
  settings: (uid) => `user_settings:${uid}`,
  characterId: (uid, name) => [`char_id:${uid}:${name}`],
  profile: (uid, role) => [`char_profile:${uid}:${role}`],
  list: (uid) => `char_list:${uid}`,
  userGlobs: (uid) => [`user_settings:${uid}`, `char_list:${uid}`, `char_id:${uid}:*`, `char_profile:${uid}:*`],
  entryGlobs: ['user_settings:*', 'char_id:*', 'char_profile:*', 'char_list:*', 'prompt:*'],
};

const PROFILES: Record<ProfileName, KeyProfile> = { plan, reference };

export function profileFor(name: ProfileName): KeyProfile {
  return PROFILES[name];
}

/** Parses a profile name (flag or ACCEPTANCE_PROFILE); undefined for empty. Throws on an unknown name. */
export function parseProfileName(raw: string | undefined): ProfileName | undefined {
  const value = (raw ?? '').trim().toLowerCase();
  if (!value) return undefined;
  if (!(PROFILE_NAMES as readonly string[]).includes(value)) {
    throw new Error(`profile must be one of ${PROFILE_NAMES.join(', ')}, got "${value}"`);
  }
  return value as ProfileName;
}
