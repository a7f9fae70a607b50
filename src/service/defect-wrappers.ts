/**
 * The emulated defects that wrap the service's reads, its database and its routes (the cache- and invalidator-level
 * ones are in defects.ts). Each wrapper is applied once, where the worker composes the service (worker.ts); the
 * routes and `CachedReads` know nothing of them. With no defect on, every function here returns its input unchanged.
 */

import type { onRouteHookHandler, RouteHandlerMethod } from 'fastify';
import { CachedEntry } from '../cache/index.ts';
import { type Database, withQuery } from './db.ts';
import type { Defect } from './defects.ts';
import type { ServiceReads } from './deps.ts';
import { forbidden, HttpError } from './errors.ts';
import { type CacheOutcome, recordCacheOutcome } from './request-context.ts';
import { requireSession } from './session.ts';
import { type CharacterProfile, loadProfile } from './store/profile.ts';

/** Pool connections FastNPC's worker has for the list-miss leak (its pool max is 50). */
export const LEAK_POOL_SIZE = 50;
/** How long a list read waits for a connection once the pool is drained (FastNPC's ≈5 s). */
export const LEAK_WAIT_MS = 5_000;

/** list-miss-leak: counts leaked connections per worker; once drained, lists stall and answer [] and writes fail. */
export class ListMissLeak {
  #leaked = 0;
  readonly enabled: boolean;

  constructor(defects: ReadonlySet<Defect>) {
    this.enabled = defects.has('list-miss-leak');
  }

  get drained(): boolean {
    return this.enabled && this.#leaked >= LEAK_POOL_SIZE;
  }

  /** Called on every list cache miss: leaks one connection. */
  onListMiss(): void {
    if (this.enabled) this.#leaked += 1;
  }

  /**
   * For `CachedReadsOptions.onOutcome`: a list read that was not a hit ran the loader (a miss, or a bypass — the
   * cache-off stand-in and a fenced cache load every time), so it took a pool connection and leaked it.
   */
  onOutcome(entry: string, outcome: CacheOutcome): void {
    if (entry === 'list' && outcome !== 'hit') this.onListMiss();
  }

  /** A list read once drained: waits for a connection that never comes, then answers an empty list (as FastNPC). */
  async stalledList<T>(): Promise<T[]> {
    await new Promise((resolve) => setTimeout(resolve, LEAK_WAIT_MS));
    return [];
  }
}

/** per-worker-tasks: the ids of tasks created by this worker (FastNPC kept task status in worker memory). */
export class WorkerTasks {
  readonly #mine = new Set<string>();
  readonly enabled: boolean;

  constructor(defects: ReadonlySet<Defect>) {
    this.enabled = defects.has('per-worker-tasks');
  }

  created(id: string): void {
    if (this.enabled) this.#mine.add(id);
  }

  /** false when the defect hides a task another worker created. */
  visible(id: string): boolean {
    return !this.enabled || this.#mine.has(id);
  }
}

/**
 * The cached reads as the routes see them: no-profile-cache loads every profile from PostgreSQL (the character id
 * still through the cache; the read reported `bypass`), list-miss-leak stalls every list once the pool is drained.
 */
export function withReadDefects(
  reads: ServiceReads,
  defects: ReadonlySet<Defect>,
  db: Database,
  leak: ListMissLeak,
): ServiceReads {
  if (!defects.has('no-profile-cache') && !leak.enabled) return reads;
  const wrapped: ServiceReads = {
    settings: (userId) => reads.settings(userId),
    settingsEntry: (userId) => reads.settingsEntry(userId),
    characterId: (userId, name) => reads.characterId(userId, name),
    profile: (userId, role) => reads.profile(userId, role),
    profileEntry: (userId, role) => reads.profileEntry(userId, role),
    list: (userId) => reads.list(userId),
  };
  if (defects.has('no-profile-cache')) {
    wrapped.profile = async (userId, role) => {
      const id = await reads.characterId(userId, role);
      if (id === null) return null;
      recordCacheOutcome('profile', 'bypass');
      return (await db.withConnection((conn) => loadProfile(conn, id))) ?? null;
    };
    wrapped.profileEntry = async (userId, role) => {
      const profile = await wrapped.profile(userId, role);
      return profile === null ? null : CachedEntry.of<CharacterProfile | null>(profile);
    };
  }
  if (leak.enabled) {
    wrapped.list = (userId) => (leak.drained ? leak.stalledList() : reads.list(userId));
  }
  return wrapped;
}

/** list-miss-leak: once the pool is drained, the settings upsert fails as FastNPC's did (500 internal_error). */
export function withDrainedPool<D extends Pick<Database, 'query'>>(db: D, leak: ListMissLeak): D {
  if (!leak.enabled) return db;
  const query = db.query.bind(db) as Database['query'];
  const failing: Database['query'] = (text, params) => {
    if (leak.drained && /^\s*INSERT INTO user_settings\b/.test(text)) {
      return Promise.reject(new HttpError(500, 'internal_error'));
    }
    return query(text, params);
  };
  return withQuery(db, failing);
}

/**
 * The route-level defects, as an `onRoute` hook for `buildApp`: admin-403 answers every /admin/cache/* route 403
 * once a session is shown (FastNPC's guard read a field the session never carries: defect 4); per-worker-tasks
 * remembers the tasks this worker created and answers `not_found` for the others' (FastNPC kept task status in the
 * creating worker's memory). undefined when neither is on.
 */
export function defectRoutes(
  defects: ReadonlySet<Defect>,
  sessionMaxAgeSeconds: number,
  tasks: WorkerTasks,
): onRouteHookHandler | undefined {
  if (!defects.has('admin-403') && !tasks.enabled) return undefined;
  return (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const inner = route.handler as RouteHandlerMethod;
    if (defects.has('admin-403') && route.url.startsWith('/admin/cache/')) {
      route.handler = async (request) => {
        requireSession(request, sessionMaxAgeSeconds); // no session: 401, as the real guard
        throw forbidden();
      };
    } else if (tasks.enabled && route.url === '/api/characters' && methods.includes('POST')) {
      route.handler = async function (this: unknown, request, reply) {
        const created = (await inner.call(this as never, request, reply)) as { task_id: string };
        tasks.created(created.task_id);
        return created;
      };
    } else if (tasks.enabled && route.url === '/api/tasks/:id' && methods.includes('GET')) {
      route.handler = async function (this: unknown, request, reply) {
        const task = (await inner.call(this as never, request, reply)) as { task_id: string };
        return tasks.visible(task.task_id) ? task : { task_id: task.task_id, status: 'not_found' };
      };
    }
  };
}
