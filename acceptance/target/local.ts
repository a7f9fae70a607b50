/**
 * The embedded targets (`local`, `containers`): Redis + PostgreSQL + the seeded two-worker reference service, plus
 * a small loopback stack-control server (kill/restart Redis, for R8). The service gets FASTNPC_EMULATE_DEFECTS
 * passed through, so the gate can be run against a service that behaves like one of FastNPC's defects. `local` runs
 * its Redis on the requested topology (local-redis.ts: one server, Sentinel or Cluster); the stack control exists on
 * one server only.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RedisTopology, type TopologyKind, topologyEnv } from '../../src/redis/topology.ts';
import { startService } from '../../src/service/cluster.ts';
import { type StartedPostgres, type StartedRedisServer, startPostgres } from '../../src/stack/index.ts';
import { ensureStatStatements, startContainers } from './containers.ts';
import { APP_REDIS_USER, applyContainerAuth, type LocalRedis, startLocalRedis } from './local-redis.ts';
import type { ProfileName } from './profile.ts';
import { SEED, SHORT_LIST_TTL_SECONDS, type StartedTarget, stripSlash } from './types.ts';

/** Local or containers: Redis + PostgreSQL + the seeded two-worker service, plus a small stack-control server. */
export async function embeddedTarget(
  kind: 'local' | 'containers',
  options: { profile?: ProfileName; defects?: string[]; topology?: TopologyKind } = {},
): Promise<StartedTarget> {
  const cleanups: Array<() => Promise<void>> = [];
  // one stop, however often it is asked for (the gate's signal handler and its own clean-up both ask): a second
  // call waits for the first instead of stopping the same processes again, out of order
  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> =>
    (stopping ??= (async () => {
      for (const cleanup of [...cleanups].reverse()) await cleanup().catch(() => {});
      cleanups.length = 0;
    })());
  const adminPassword = randomBytes(18).toString('base64url');
  const appPassword = randomBytes(18).toString('base64url');
  const notes: string[] = [];
  const topologyKind = options.topology ?? 'single';
  try {
    let redisHostUrl: string;
    let databaseUrl: string;
    let redisServer: StartedRedisServer | undefined;
    let localRedis: LocalRedis | undefined;
    let postgres: StartedPostgres | undefined;
    // where the service connects as the app user: a URL (single) or a topology (Sentinel, Cluster)
    let appRedis: { url: string } | { topology: RedisTopology };
    if (kind === 'local') {
      [localRedis, postgres] = await Promise.all([
        startLocalRedis(topologyKind, adminPassword, appPassword),
        startPostgres(),
      ]);
      const r = localRedis;
      const p = postgres;
      cleanups.push(
        () => r.stop(),
        () => p.stop(),
      );
      redisHostUrl = localRedis.adminUrl;
      redisServer = localRedis.server;
      appRedis = localRedis.app;
      databaseUrl = postgres.url;
      if (topologyKind !== 'single') notes.push(`Redis topology ${localRedis.description}`);
    } else {
      const started = await startContainers();
      cleanups.push(() => started.stop());
      redisHostUrl = started.redisUrl;
      databaseUrl = started.databaseUrl;
      await applyContainerAuth(redisHostUrl, adminPassword, appPassword);
      // the app's ACL user and its password in the URL (see local-redis.ts)
      appRedis = { url: `redis://${APP_REDIS_USER}:${encodeURIComponent(appPassword)}@${new URL(redisHostUrl).host}` };
    }
    const statStatements = postgres?.statStatements ?? (await ensureStatStatements(databaseUrl));
    if (!statStatements) notes.push('pg_stat_statements unavailable: statements counted from pg_stat_database');

    const serviceEnv: Record<string, string> = {
      REDIS_PASSWORD: appPassword,
      CACHE_TTL_LIST_SECONDS: String(SHORT_LIST_TTL_SECONDS),
      FASTNPC_SECRET: randomBytes(24).toString('hex'),
      FASTNPC_ADMIN_USER: 'admin',
      FASTNPC_ADMIN_PASSWORD: randomBytes(12).toString('base64url'),
      SEED_PASSWORD: randomBytes(12).toString('base64url'),
    };
    const defects = options.defects ?? [];
    if (defects.length > 0) {
      serviceEnv.FASTNPC_EMULATE_DEFECTS = defects.join(',');
      notes.push(`the reference service emulates FastNPC defects: ${defects.join(', ')}`);
    }
    const svc = await startService({
      port: 0,
      workers: 2,
      ...('url' in appRedis ? { redisUrl: appRedis.url } : { redisTopology: appRedis.topology }),
      databaseUrl,
      cacheMode: 'on',
      env: serviceEnv,
      seed: { ...SEED },
      // a busy shared host (load 25–35 on 2 cores) takes 45–90 s to start two workers and seed them; 60 s failed there
      startTimeoutMs: 180_000,
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
            await localRedis?.reapplyAuth();
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
        profile: options.profile ?? 'reference',
        baseUrl: stripSlash(svc.baseUrl),
        workerUrls: svc.workerUrls.map(stripSlash),
        redisUrl: redisHostUrl,
        ...(localRedis?.adminTopology ? { redisTopology: localRedis.adminTopology } : {}),
        redisPassword: adminPassword,
        appRedisUser: APP_REDIS_USER,
        databaseUrl,
        statStatements,
        users: seeded.users.map((u) => ({ username: u.username, password: u.password, characters: u.characters })),
        admin: { username: seeded.admin.username, password: seeded.admin.password },
        listTtlSeconds: SHORT_LIST_TTL_SECONDS,
        profileTtlSeconds: 300,
        controlUrl,
        auditExpected:
          kind === 'containers' ? { bind: '0.0.0.0', protectedMode: 'no', loopbackOnly: false } : undefined,
        serviceEnv: {
          ...serviceEnv,
          ...('url' in appRedis ? { REDIS_URL: appRedis.url } : topologyEnv(appRedis.topology)),
        },
        defects,
        notes,
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
