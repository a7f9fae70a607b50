/**
 * Observing the target's cache through Redis itself, under the target's key profile (acceptance/target/profile.ts):
 * which key holds an entry, its value and PTTL, a user's keys, and emptying entries to force misses.
 */
import { type KeyProfile, profileFor } from '../target/profile.ts';
import type { Client } from './http.ts';
import { deleteKeys, type RedisClient, scanKeys } from './redis.ts';
import { target } from './target.ts';

export function keyProfile(): KeyProfile {
  return profileFor(target().profile);
}

/** The user id of a logged-in session (GET /auth/me). */
export async function uidOf(client: Client): Promise<number> {
  const me = await client.get<{ id?: number }>('/auth/me');
  if (me.status !== 200 || typeof me.body?.id !== 'number') throw new Error(`/auth/me answered ${me.status}`);
  return me.body.id;
}

/** The first of `candidates` that exists in Redis, with its value and PTTL; undefined when none does. */
export async function findEntry(
  redis: RedisClient,
  candidates: string[],
): Promise<{ key: string; value: string; pttl: number } | undefined> {
  for (const key of candidates) {
    const [value, pttl] = await Promise.all([redis.get(key), redis.pttl(key)]);
    if (value !== null) return { key, value, pttl };
  }
  return undefined;
}

/** Every key of one user under the profile (SCAN, never KEYS). */
export async function userKeys(redis: RedisClient, uid: number): Promise<Set<string>> {
  const found = new Set<string>();
  for (const glob of keyProfile().userGlobs(uid)) for (const k of await scanKeys(redis, glob, 10_000)) found.add(k);
  return found;
}

/** Deletes every key matching the globs (the harness forcing misses); returns the count. */
export async function deleteGlobs(redis: RedisClient, globs: string[]): Promise<number> {
  let n = 0;
  for (const glob of globs) {
    n += await deleteKeys(redis, await scanKeys(redis, glob, 1_000_000));
  }
  return n;
}

/** Empties every cache entry of the target (statistics and leases stay). */
export function emptyEntries(redis: RedisClient): Promise<number> {
  return deleteGlobs(redis, keyProfile().entryGlobs);
}
