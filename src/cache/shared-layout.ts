/**
 * The cache's published layout, for the commit-log invalidator (src/invalidator/) and anything else that must
 * delete what the cache stores without going through it: how a logical key maps to its value and lease keys, the
 * reserved internal prefix, the consistency and sync-invalidation markers, and how a Lua script is run. This is a
 * contract — the invalidator imports this module (and index.ts), never the cache's internals (internal-keys.ts,
 * key-space.ts, scripts.ts), and a change here is a change of both (test/unit/invalidator/boundaries.test.ts).
 */
import { createHash } from 'node:crypto';

export {
  consistencyKey,
  INTERNAL_PREFIX,
  SYNC_INVALIDATION_TTL_SECONDS,
  syncInvalidationKey,
} from './internal-keys.ts';
export { leaseKeyOf } from './key-space.ts';
export { type LuaScript, runScript } from './scripts.ts';

import type { LuaScript } from './scripts.ts';

/** The Redis key of a logical key's value: `<namespace>:<key>` (its lease: `leaseKeyOf`, same hash slot). */
export function valueKeyOf(namespace: string, key: string): string {
  return `${namespace}:${key}`;
}

/** A Lua script with its SHA1, run by `runScript` (EVALSHA, EVAL on NOSCRIPT). */
export function luaScript(name: string, source: string): LuaScript {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}
