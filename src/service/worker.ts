import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createCache } from '../cache/index.ts';
import type { Cache } from '../cache/types.ts';
import { connectRedis, primaries } from '../redis/connect.ts';
import { parseRedisInfo } from '../redis/info.ts';
import { buildApp } from './app.ts';
import { createCacheOff } from './cache-off.ts';
import { CachedReads } from './cached-reads.ts';
import { loadConfig, type ServiceConfig } from './config.ts';
import { createDatabase } from './db.ts';
import { defectRoutes, ListMissLeak, WorkerTasks, withDrainedPool, withReadDefects } from './defect-wrappers.ts';
import {
  commandTimeoutFor,
  keySchemeFor,
  parseDefects,
  withCacheDefects,
  withDatabaseDefects,
  withWriteInvalidationDefects,
} from './defects.ts';
import type { RedisInfo, ServiceDeps } from './deps.ts';
import {
  createLoggingFailureSink,
  createWriteInvalidation,
  type InvalidationFailureSink,
  type Logger,
} from './invalidation.ts';
import { createMetrics } from './metrics.ts';
import { createLocalResponder } from './responder.ts';

/** Structured lines on stderr; callers never pass secrets, cookies or passwords. */
export const consoleLogger: Logger = {
  info: (obj, msg) => console.log(JSON.stringify({ level: 'info', msg, ...obj })),
  warn: (obj, msg) => console.warn(JSON.stringify({ level: 'warn', msg, ...obj })),
  error: (obj, msg) => console.error(JSON.stringify({ level: 'error', msg, ...obj })),
};

export interface RunningWorker {
  app: FastifyInstance;
  config: ServiceConfig;
  /** The shared port's URL and, for worker i ≥ 1, its own (port + i). */
  urls: string[];
  close(): Promise<void>;
}

export interface StartWorkerOptions {
  env?: NodeJS.ProcessEnv;
  /** Replace the default log+count sink (e.g. a durable outbox later). */
  failureSink?: InvalidationFailureSink;
}

const num = (v: string | undefined): number | null => (v === undefined || v === '' ? null : Number(v));

/**
 * Starts one worker: pg pool, cache (or the CACHE_MODE=off stand-in), the app on the shared port and, for worker
 * i ≥ 1, on port + i as well (same handler, so a test can pick the worker).
 */
export async function startWorker(options: StartWorkerOptions = {}): Promise<RunningWorker> {
  const config = options.env ? loadConfig(options.env) : loadConfig();
  const defects = parseDefects(config.emulateDefects, config.production);
  const commandTimeoutMs = commandTimeoutFor(defects, config.cacheCommandTimeoutMs);
  const metrics = createMetrics(config.workerIndex);
  const db = createDatabase({
    connectionString: config.databaseUrl,
    max: config.poolMax,
    onStatement: () => metrics.dbStatements.inc(),
  });
  const cacheOn = config.cacheMode === 'on';
  const moduleCache: Cache = cacheOn
    ? createCache({
        redis: config.redisTopology ?? config.redisUrl,
        password: config.redisPassword,
        namespace: config.cacheNamespace,
        workerId: `worker-${config.workerIndex}:${process.pid}`,
        ...(commandTimeoutMs ? { commandTimeoutMs } : {}),
        fence: config.invalidator !== 'off',
        // the same entry bytes decode to one shared, frozen value, whose response text the routes make once
        decodedValues: 1_000,
        registry: metrics.registry,
        logger: {
          debug: () => {},
          warn: (message, context) => consoleLogger.warn(context ?? {}, message),
          error: (message, context) => consoleLogger.error(context ?? {}, message),
        },
      })
    : createCacheOff();
  // A second, plain connection only for INFO (admin stats); fail-fast like the cache's own.
  const infoClient =
    cacheOn && config.redisTopology
      ? connectRedis(config.redisTopology, {
          ...(config.redisPassword ? { password: config.redisPassword } : {}),
          commandTimeoutMs: 500,
          lazyConnect: true,
          maxReconnectDelayMs: 2_000,
        })
      : undefined;
  infoClient?.on('error', () => {});
  infoClient?.connect().catch(() => {});
  const cache = withCacheDefects(moduleCache, defects, infoClient, { workerIndex: config.workerIndex });
  const keys = keySchemeFor(defects);

  let redisUp = cacheOn;
  const probe = cacheOn
    ? setInterval(() => {
        void cache.ping().then((up) => {
          redisUp = up;
        });
      }, 1_000)
    : undefined;
  probe?.unref();

  const redisInfo = async (): Promise<RedisInfo> => {
    const none: RedisInfo = {
      used_memory: null,
      used_memory_peak: null,
      maxmemory: null,
      evicted_keys: null,
      keyspace_hits: null,
      keyspace_misses: null,
      connected: false,
    };
    if (!infoClient) return none;
    try {
      // every primary of a Cluster holds part of the data: the figures are their sums (one server otherwise)
      const nodes = primaries(infoClient);
      if (nodes.length === 0) return none;
      const infos = await Promise.all(
        nodes.map(async (node) => parseRedisInfo(`${await node.info('memory')}\r\n${await node.info('stats')}`)),
      );
      const sum = (field: string): number | null => {
        let total = 0;
        for (const info of infos) {
          const n = num(info[field]);
          if (n === null) return null;
          total += n;
        }
        return total;
      };
      return {
        used_memory: sum('used_memory'),
        used_memory_peak: sum('used_memory_peak'),
        maxmemory: sum('maxmemory'),
        evicted_keys: sum('evicted_keys'),
        keyspace_hits: sum('keyspace_hits'),
        keyspace_misses: sum('keyspace_misses'),
        connected: true,
      };
    } catch {
      return none;
    }
  };

  const leak = new ListMissLeak(defects);
  const skip = new Set<string>(config.skipInvalidation);
  if (defects.has('structured-no-invalidate')) skip.add('structured_update');
  const fenceState = () => moduleCache.fenceState?.();
  const sink = options.failureSink ?? createLoggingFailureSink(consoleLogger, metrics.invalidationFailures);
  // The emulated defects (none in normal operation) wrap the parts below; the routes and reads contain none.
  const deps: ServiceDeps = {
    config,
    db: withDrainedPool(withDatabaseDefects(db, defects, cache, keys), leak),
    cache,
    reads: withReadDefects(
      new CachedReads({
        cache,
        db,
        enabled: cacheOn,
        redisUp: () => redisUp,
        fenced: () => fenceState()?.fenced === true,
        ttlProfileSeconds: config.ttlProfileSeconds,
        ttlListSeconds: config.ttlListSeconds,
        keys,
        onOutcome: (entry, outcome) => {
          metrics.cacheReads.inc({ entry, outcome });
          leak.onOutcome(entry, outcome);
        },
      }),
      defects,
      db,
      leak,
    ),
    writeInvalidation: withWriteInvalidationDefects(
      createWriteInvalidation(cache, sink, {
        skip,
        // the syncinv marker is read by the commit-log invalidator only
        markers: config.invalidator !== 'off',
      }),
      defects,
      cache,
    ),
    responder: createLocalResponder(config.llmLatencyMs),
    metrics,
    redisInfo,
    redisState: () => (cacheOn ? (redisUp ? 'up' : 'down') : 'off'),
    fenceState,
    keys,
  };

  let ownServer: Server | undefined;
  const onRoute = defectRoutes(defects, config.sessionMaxAgeSeconds, new WorkerTasks(defects));
  const app = await buildApp(deps, {
    ...(onRoute ? { onRoute } : {}),
    // Servers made here do not get what Fastify sets on the server it makes itself: its keep-alive time-out
    // (`keepAliveTimeout`, 72 s) instead of Node's 5 s, which closes a client's keep-alive socket after 5 s idle — the
    // next request on it then pays a new connection (on the shared port, accepted by the cluster's primary and
    // handed to a worker) at the tail of the latency (docs/benchmarks.md, issue 20).
    serverFactory: (handler, fastifyOptions) => {
      const make = (): Server => {
        const server = createServer(handler);
        if (typeof fastifyOptions.keepAliveTimeout === 'number')
          server.keepAliveTimeout = fastifyOptions.keepAliveTimeout;
        return server;
      };
      if (config.workerIndex > 0) ownServer = make();
      return make();
    },
  });
  if (config.skipInvalidation.size > 0) {
    consoleLogger.warn(
      { paths: [...config.skipInvalidation] },
      'TEST SEAM: invalidation skipped for these write paths',
    );
  }
  if (defects.size > 0) {
    consoleLogger.warn({ defects: [...defects] }, 'TEST SEAM: emulating FastNPC defects (FASTNPC_EMULATE_DEFECTS)');
  }
  app.addHook('onClose', async () => {
    if (!ownServer?.listening) return;
    await new Promise<void>((resolve) => {
      ownServer?.close(() => resolve());
      ownServer?.closeIdleConnections();
    });
  });

  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address() as AddressInfo;
  const urls = [`http://${config.host}:${address.port}`];
  if (ownServer) {
    const server = ownServer;
    const ownPort = address.port + config.workerIndex;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(ownPort, config.host, () => resolve());
    });
    urls.push(`http://${config.host}:${ownPort}`);
  }

  let closed = false;
  return {
    app,
    config,
    urls,
    close: async () => {
      if (closed) return;
      closed = true;
      if (probe) clearInterval(probe);
      await app.close(); // waits for in-flight requests
      await Promise.allSettled([cache.close(), db.close(), infoClient?.quit()]);
      infoClient?.disconnect();
    },
  };
}
