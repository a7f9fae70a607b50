/**
 * The target switch: which system the acceptance suites and the gate prove. `local` starts a private redis-server
 * (the repository's redis.conf, password + app ACL user), a private PostgreSQL and the two-worker reference service;
 * `containers` does the same with testcontainers when a Docker engine answers; `external` takes URLs of a deployment.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';
import { appAclRules } from '../../provisioning/lib/acl.ts';
import { startService } from '../service/cluster.ts';
import { type StartedPostgres, type StartedRedisServer, startPostgres, startRedisServer } from '../stack/index.ts';

export type TargetKind = 'local' | 'containers' | 'external' | 'auto';
export const TARGET_KINDS: readonly TargetKind[] = ['local', 'containers', 'external', 'auto'];

/** List TTL the local target runs with, so criterion 5 can watch an entry expire (the plan's 60 s is kept for external). */
export const SHORT_LIST_TTL_SECONDS = 2;

/** Seed size of the local target: the plan's 100 users online. */
export const SEED = { users: 100, characters: 3, memories: 10 } as const;

export interface TargetRequest {
  kind: TargetKind;
  /** true when the kind came from a flag or ACCEPTANCE_TARGET rather than the default. */
  explicit: boolean;
  baseUrl?: string;
  workerUrls?: string[];
  redisUrl?: string;
  databaseUrl?: string;
}

export interface TargetUser {
  username: string;
  password: string;
  characters: string[];
}

/** What the suites receive (serialisable: it crosses into the test workers through vitest's provide/inject). */
export interface TargetInfo {
  kind: 'local' | 'containers' | 'external';
  baseUrl: string;
  /** Per-worker URLs ([] when the deployment exposes none). */
  workerUrls: string[];
  /** Admin connection to Redis (no password inside; see redisPassword). */
  redisUrl: string;
  redisPassword?: string;
  /** The app's own Redis user when the target runs with an ACL user (local: `app`). */
  appRedisUser?: string;
  databaseUrl?: string;
  /** Whether PostgreSQL counts statements itself (pg_stat_statements present in the app database). */
  statStatements: boolean;
  /** Seeded users with characters (empty on an external target unless ACCEPTANCE_USERS_FILE names them). */
  users: TargetUser[];
  admin?: { username: string; password: string };
  listTtlSeconds: number;
  profileTtlSeconds: number;
  /**
   * Expectations of the config audit that differ from the repository's redis.conf on this target (containers: the
   * server must listen on the container network, so bind and protected mode are opened there on purpose).
   */
  auditExpected?: { bind?: string; protectedMode?: 'yes' | 'no'; loopbackOnly?: boolean };
  /** Stack control (local only): POST /redis/kill, /redis/restart. */
  controlUrl?: string;
  /** Environment the service of this target was started with (so a cache-off twin can be started alike). */
  serviceEnv?: Record<string, string>;
  notes: string[];
}

export interface StartedTarget {
  info: TargetInfo;
  stop(): Promise<void>;
}

export class TargetError extends Error {
  readonly code: 'E_TARGET_CONFIG' | 'E_NO_CONTAINER_RUNTIME';
  constructor(code: TargetError['code'], message: string) {
    super(message);
    this.name = 'TargetError';
    this.code = code;
  }
}

/** Reads the target from ACCEPTANCE_TARGET and friends (flags of the gate are turned into the same variables). */
export function targetFromEnv(env: NodeJS.ProcessEnv = process.env): TargetRequest {
  const raw = (env.ACCEPTANCE_TARGET ?? '').trim().toLowerCase();
  if (raw && !(TARGET_KINDS as readonly string[]).includes(raw)) {
    throw new TargetError(
      'E_TARGET_CONFIG',
      `ACCEPTANCE_TARGET must be one of ${TARGET_KINDS.join(', ')}, got "${raw}"`,
    );
  }
  const workerUrls = [env.WORKER1_URL, env.WORKER2_URL].filter((u): u is string => Boolean(u));
  return {
    kind: (raw || 'local') as TargetKind,
    explicit: Boolean(raw),
    baseUrl: env.BASE_URL || undefined,
    workerUrls,
    redisUrl: env.REDIS_URL || undefined,
    databaseUrl: env.DATABASE_URL || undefined,
  };
}

/** Asks testcontainers once whether a container runtime answers. */
export async function probeContainerRuntime(): Promise<{ ok: boolean; reason: string }> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const client = await getContainerRuntimeClient();
    return { ok: true, reason: `${client.info.containerRuntime.host}` };
  } catch (error) {
    return { ok: false, reason: (error as Error).message.split('\n')[0] ?? 'unknown' };
  }
}

export async function startTarget(
  request: TargetRequest,
  log: (line: string) => void = () => {},
): Promise<StartedTarget> {
  let kind = request.kind;
  if (kind === 'auto' || kind === 'containers') {
    const probe = await probeContainerRuntime();
    if (!probe.ok) {
      if (kind === 'containers') {
        throw new TargetError(
          'E_NO_CONTAINER_RUNTIME',
          `ACCEPTANCE_TARGET=containers but no container runtime answers (${probe.reason}); use local or external`,
        );
      }
      log(`no container runtime (${probe.reason}): using the local stack`);
      kind = 'local';
    } else {
      kind = 'containers';
    }
  }
  if (kind === 'external') return externalTarget(request);
  return await embeddedTarget(kind);
}

function externalTarget(request: TargetRequest): StartedTarget {
  if (!request.baseUrl) throw new TargetError('E_TARGET_CONFIG', 'an external target needs BASE_URL (--base-url)');
  if (!request.redisUrl) throw new TargetError('E_TARGET_CONFIG', 'an external target needs REDIS_URL (--redis-url)');
  const notes: string[] = [];
  let users: TargetUser[] = [];
  const usersFile = process.env.ACCEPTANCE_USERS_FILE;
  if (usersFile) {
    users = JSON.parse(readFileSync(usersFile, 'utf8')) as TargetUser[];
  } else {
    notes.push('no ACCEPTANCE_USERS_FILE: checks that need users with characters register their own or are skipped');
  }
  const adminUser = process.env.FASTNPC_ADMIN_USER;
  const adminPassword = process.env.FASTNPC_ADMIN_PASSWORD;
  return {
    info: {
      kind: 'external',
      baseUrl: stripSlash(request.baseUrl),
      workerUrls: (request.workerUrls ?? []).map(stripSlash),
      redisUrl: request.redisUrl,
      redisPassword: process.env.REDIS_PASSWORD || undefined,
      databaseUrl: request.databaseUrl,
      statStatements: false,
      users,
      admin: adminUser && adminPassword ? { username: adminUser, password: adminPassword } : undefined,
      listTtlSeconds: Number(process.env.CACHE_TTL_LIST_SECONDS ?? 60),
      profileTtlSeconds: Number(process.env.CACHE_TTL_PROFILE_SECONDS ?? 300),
      notes,
    },
    stop: async () => {},
  };
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Gives a private Redis an admin password and the app's ACL user over a connection (never through argv). */
async function applyRedisAuth(url: string, adminPassword: string, appPassword: string): Promise<void> {
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await admin.connect();
    await admin.call('ACL', 'SETUSER', 'app', 'reset', 'on', `>${appPassword}`, ...appAclRules());
    await admin.config('SET', 'requirepass', adminPassword);
  } finally {
    admin.disconnect();
  }
}

async function ensureStatStatements(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await client.query('SELECT count(*) FROM pg_stat_statements');
    return true;
  } catch {
    return false;
  } finally {
    await client.end();
  }
}

async function startContainers(): Promise<{
  redisUrl: string;
  databaseUrl: string;
  stop(): Promise<void>;
}> {
  const { RedisContainer } = await import('@testcontainers/redis');
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { REPOSITORY_REDIS_CONF } = await import('../stack/index.ts');
  const redis = await new RedisContainer('redis:7.0')
    .withCopyFilesToContainer([{ source: REPOSITORY_REDIS_CONF, target: '/usr/local/etc/redis/redis.conf' }])
    // The container's network is not loopback: bind all inside it, keep everything else from our file.
    .withCommand([
      'redis-server',
      '/usr/local/etc/redis/redis.conf',
      '--bind',
      '0.0.0.0',
      '--protected-mode',
      'no',
      '--dir',
      '/data',
    ])
    .start();
  const postgres = await new PostgreSqlContainer('postgres:16')
    .withCommand([
      'postgres',
      '-c',
      'shared_preload_libraries=pg_stat_statements',
      '-c',
      'pg_stat_statements.track=all',
    ])
    .start();
  return {
    redisUrl: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
    databaseUrl: postgres.getConnectionUri(),
    stop: async () => {
      await Promise.allSettled([redis.stop(), postgres.stop()]);
    },
  };
}

/** Local or containers: Redis + PostgreSQL + the seeded two-worker service, plus a small stack-control server. */
async function embeddedTarget(kind: 'local' | 'containers'): Promise<StartedTarget> {
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    cleanups.length = 0;
  };
  const adminPassword = randomBytes(18).toString('base64url');
  const appPassword = randomBytes(18).toString('base64url');
  const notes: string[] = [];
  try {
    let redisHostUrl: string;
    let databaseUrl: string;
    let redisServer: StartedRedisServer | undefined;
    let postgres: StartedPostgres | undefined;
    if (kind === 'local') {
      [redisServer, postgres] = await Promise.all([startRedisServer(), startPostgres()]);
      const r = redisServer;
      const p = postgres;
      cleanups.push(
        () => r.stop(),
        () => p.stop(),
      );
      redisHostUrl = redisServer.url;
      databaseUrl = postgres.url;
    } else {
      const started = await startContainers();
      cleanups.push(() => started.stop());
      redisHostUrl = started.redisUrl;
      databaseUrl = started.databaseUrl;
    }
    await applyRedisAuth(redisHostUrl, adminPassword, appPassword);
    const statStatements = postgres?.statStatements ?? (await ensureStatStatements(databaseUrl));
    if (!statStatements) notes.push('pg_stat_statements unavailable: statements counted from pg_stat_database');

    const host = new URL(redisHostUrl);
    // The app's ACL user and its password in the URL: ioredis lets an empty URL password ("redis://app@…") win over
    // the `password` option, so REDIS_URL=redis://app@… + REDIS_PASSWORD fails with WRONGPASS (reported to the cache).
    const appRedisUrl = `redis://app:${encodeURIComponent(appPassword)}@${host.host}`;
    const serviceEnv: Record<string, string> = {
      REDIS_PASSWORD: appPassword,
      CACHE_TTL_LIST_SECONDS: String(SHORT_LIST_TTL_SECONDS),
      FASTNPC_SECRET: randomBytes(24).toString('hex'),
      FASTNPC_ADMIN_USER: 'admin',
      FASTNPC_ADMIN_PASSWORD: randomBytes(12).toString('base64url'),
      SEED_PASSWORD: randomBytes(12).toString('base64url'),
    };
    const svc = await startService({
      port: 0,
      workers: 2,
      redisUrl: appRedisUrl,
      databaseUrl,
      cacheMode: 'on',
      env: serviceEnv,
      seed: { ...SEED },
    });
    cleanups.push(() => svc.stop());
    const seeded = svc.seed;
    if (!seeded) throw new Error('startService did not report its seed');

    let control: Server | undefined;
    let controlUrl: string | undefined;
    if (redisServer) {
      const r = redisServer;
      control = createServer((req, res) => {
        const reply = (status: number, body: unknown): void => {
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        };
        if (req.method !== 'POST') return reply(405, { error: 'POST only' });
        const run = async (): Promise<unknown> => {
          if (req.url === '/redis/kill') {
            await r.kill();
            return { ok: true };
          }
          if (req.url === '/redis/restart') {
            await r.restart();
            await applyRedisAuth(r.url, adminPassword, appPassword);
            return { ok: true };
          }
          throw new Error(`unknown control ${req.url}`);
        };
        run().then(
          (body) => reply(200, body),
          (error: Error) => reply(500, { error: error.message }),
        );
      });
      await new Promise<void>((resolve) => control?.listen(0, '127.0.0.1', resolve));
      controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
      const c = control;
      cleanups.push(() => new Promise<void>((resolve) => c.close(() => resolve())));
    }

    return {
      info: {
        kind,
        baseUrl: stripSlash(svc.baseUrl),
        workerUrls: svc.workerUrls.map(stripSlash),
        redisUrl: redisHostUrl,
        redisPassword: adminPassword,
        appRedisUser: 'app',
        databaseUrl,
        statStatements,
        users: seeded.users.map((u) => ({ username: u.username, password: u.password, characters: u.characters })),
        admin: { username: seeded.admin.username, password: seeded.admin.password },
        listTtlSeconds: SHORT_LIST_TTL_SECONDS,
        profileTtlSeconds: 300,
        controlUrl,
        auditExpected:
          kind === 'containers' ? { bind: '0.0.0.0', protectedMode: 'no', loopbackOnly: false } : undefined,
        serviceEnv: { ...serviceEnv, REDIS_URL: appRedisUrl },
        notes,
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The handed-over target: the gate starts it once and the acceptance globalSetup picks it up in the same process. */
export const HANDOVER = Symbol.for('fastnpc.gate.target');
export function handedOverTarget(): StartedTarget | undefined {
  return (globalThis as Record<symbol, StartedTarget | undefined>)[HANDOVER];
}
export function handOverTarget(target: StartedTarget | undefined): void {
  (globalThis as Record<symbol, StartedTarget | undefined>)[HANDOVER] = target;
}
