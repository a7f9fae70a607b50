import { createHash } from 'node:crypto';

/**
 * Key scheme of the FastNPC cache. Builders return *logical* keys (without the namespace); the cache prefixes
 * `<namespace>:` itself. Every user-chosen part goes through `encodeKeySegment`, so a name can never add a
 * separator, a glob character or a collision with another user's key.
 */

/** Encoded parts longer than this (in UTF-8 bytes) are replaced by a hash, so a 10 KB name makes a short key. */
export const MAX_SEGMENT_BYTES = 200;

// '%' (the escape itself), ':' (our separator), glob metacharacters of Redis MATCH ('*', '?', '[', ']', '\'),
// the braces of a Redis Cluster hash tag ('{', '}': a key's lease carries the key inside one, see key-space.ts),
// whitespace and control characters. Everything else (letters of any script, digits, '-', '_', '.') stays readable.
const UNSAFE = /[%:*?[\]\\{}\s\p{Cc}]/gu;

function percentEncode(char: string): string {
  return Array.from(Buffer.from(char, 'utf8'), (byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(
    '',
  );
}

/**
 * Encodes one user-chosen key part (a character name, a role, a user id given as a string). Deterministic and
 * injective: distinct inputs give distinct segments. The result never contains ':' or a glob character.
 * Long results become `%H<sha256 base64url>` — a form percent-encoding never produces ('H' is not a hex digit).
 */
export function encodeKeySegment(part: string | number): string {
  const text = String(part);
  const known = segments.get(text);
  if (known !== undefined) return known;
  const encoded = encodeSegment(text);
  if (text.length <= MAX_REMEMBERED_SEGMENT) {
    if (segments.size >= MAX_REMEMBERED_SEGMENTS) segments.delete(segments.keys().next().value as string);
    segments.set(text, encoded);
  }
  return encoded;
}

function encodeSegment(text: string): string {
  const encoded = text.replace(UNSAFE, percentEncode);
  if (Buffer.byteLength(encoded, 'utf8') <= MAX_SEGMENT_BYTES) return encoded;
  return `%H${createHash('sha256').update(text, 'utf8').digest('base64url')}`;
}

/**
 * The segments encoded last (the same user and character names come back with every request: a role of CJK text
 * with a space costs a regex scan and a percent-encoding each time). Deterministic, so a remembered segment is the
 * one `encodeSegment` gives; bounded in count and in the length of what is remembered; the oldest goes first.
 */
const segments = new Map<string, string>();
const MAX_REMEMBERED_SEGMENTS = 10_000;
const MAX_REMEMBERED_SEGMENT = 256;

/** Escapes a literal so it matches only itself inside a Redis MATCH glob. */
export function escapeGlob(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** Logical keys of the plan's four entries (`user_settings:{uid}`, `char_id:{uid}:{name}`, …). */
export const keys = {
  /** `user_settings:{uid}` — no TTL, deleted on settings update. */
  userSettings: (uid: string | number): string => `user_settings:${encodeKeySegment(uid)}`,
  /** `char_id:{uid}:{name}` — no TTL, deleted on create, rename, delete. */
  characterId: (uid: string | number, name: string): string =>
    `char_id:${encodeKeySegment(uid)}:${encodeKeySegment(name)}`,
  /** `char_profile:{uid}:{role}` — TTL 300 s, deleted on any profile or memory write. */
  characterProfile: (uid: string | number, role: string): string =>
    `char_profile:${encodeKeySegment(uid)}:${encodeKeySegment(role)}`,
  /** `char_list:{uid}` — TTL 60 s, deleted on create, rename, delete. */
  characterList: (uid: string | number): string => `char_list:${encodeKeySegment(uid)}`,
} as const;

/** Patterns for `deletePattern()` (logical, without namespace); they match exactly what their name says. */
export const patterns = {
  /** Every cached character id of one user: `char_id:{uid}:*`. */
  characterIds: (uid: string | number): string => `char_id:${escapeGlob(encodeKeySegment(uid))}:*`,
  /** Every cached character profile of one user: `char_profile:{uid}:*`. */
  characterProfiles: (uid: string | number): string => `char_profile:${escapeGlob(encodeKeySegment(uid))}:*`,
  /**
   * Every entry of one user, as the list of patterns to pass to `deletePattern()` one by one (a single glob
   * over all kinds, like `*:42*`, would also match user 420 or a character named "42").
   */
  userEntries: (uid: string | number): string[] => [
    escapeGlob(keys.userSettings(uid)),
    patterns.characterIds(uid),
    patterns.characterProfiles(uid),
    escapeGlob(keys.characterList(uid)),
  ],
} as const;
