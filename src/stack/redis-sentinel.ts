import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StackError } from './errors.ts';
import { applyNodeAuth, type NodeAuth } from './redis-auth.ts';
import { withRedis } from './redis-probe.ts';
import { REPOSITORY_REDIS_CONF, type StartedRedisServer, startRedisServer } from './redis-server.ts';

export interface SentinelTopologyOptions {
  /** The name Sentinel monitors the primary under. @default 'fastnpc' */
  masterName?: string;
  /** Replicas of the primary. @default 1 */
  replicas?: number;
  /** Sentinels (a quorum of a majority). @default 3 */
  sentinels?: number;
  /** Sentinel's down-after-milliseconds: how long a silent primary takes to be judged down. @default 1_000 */
  downAfterMs?: number;
  /** How long to wait for the replication links and for every Sentinel to see the whole topology. @default 20_000 */
  readyTimeoutMs?: number;
  /**
   * Passwords and ACL users of the data nodes, applied over a connection once the topology is up (Sentinels get
   * `auth-pass`). @default none: open nodes
   */
  auth?: NodeAuth;
  /**
   * The Sentinels' own password: `requirepass` and `sentinel sentinel-pass` (they authenticate to each other with
   * it) in each Sentinel's config file — in a private directory removed on stop, never argv. @default none: open
   */
  sentinelPassword?: string;
}

/** A primary, its replicas and a set of Sentinels on loopback, each a private redis-server on the repo's redis.conf. */
export interface StartedSentinelTopology {
  readonly masterName: string;
  /** Every data node, primary first at start (roles change on failover: ask `currentPrimary()`). */
  readonly nodes: readonly StartedRedisServer[];
  readonly sentinels: readonly StartedRedisServer[];
  /** `[{ host, port }]` of the Sentinels, as ioredis' `sentinels` option takes them. */
  readonly sentinelAddresses: ReadonlyArray<{ host: string; port: number }>;
  /** The Sentinels' password (`sentinelPassword` of the options), for clients that ask them; never logged. */
  readonly sentinelPassword?: string;
  /** The data node Sentinel names as primary now. */
  currentPrimary(): Promise<StartedRedisServer>;
  /** Waits until Sentinel names a primary other than `previous` (a failover finished); returns it. */
  waitForFailover(previous: StartedRedisServer, timeoutMs?: number): Promise<StartedRedisServer>;
  stop(): Promise<void>;
}

/** A value as a redis.conf string: quoted, `\` and `"` escaped (a password may hold spaces or quotes). */
function configString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new StackError('E_START_TIMEOUT', `${what} not reached within ${timeoutMs} ms`, { cause: last });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts a primary, `replicas` replicas (`replicaof` the primary) and `sentinels` Sentinels monitoring it with a
 * majority quorum, then waits until every replica's link is up and every Sentinel knows every replica and every
 * other Sentinel — so a failover can happen as soon as this returns.
 */
export async function startSentinelTopology(options: SentinelTopologyOptions = {}): Promise<StartedSentinelTopology> {
  const masterName = options.masterName ?? 'fastnpc';
  const replicaCount = options.replicas ?? 1;
  const sentinelCount = options.sentinels ?? 3;
  const downAfterMs = options.downAfterMs ?? 1_000;
  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  const quorum = Math.floor(sentinelCount / 2) + 1;
  const sentinelPassword = options.sentinelPassword;
  const nodes: StartedRedisServer[] = [];
  const sentinels: StartedRedisServer[] = [];
  const confDirs: string[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all([...sentinels, ...nodes].map((s) => s.stop().catch(() => {})));
    for (const dir of confDirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Sentinel sends CONFIG REWRITE to the nodes it reconfigures: each data node runs on its own copy of the
    // repository's redis.conf, so a failover never rewrites the file the repository ships.
    const ownConfig = (): string => {
      const dir = mkdtempSync(join(tmpdir(), 'fastnpc-node-conf-'));
      confDirs.push(dir);
      const file = join(dir, 'redis.conf');
      copyFileSync(REPOSITORY_REDIS_CONF, file);
      return file;
    };
    const primary = await startRedisServer({ configFile: ownConfig() });
    nodes.push(primary);
    for (let i = 0; i < replicaCount; i += 1) {
      nodes.push(
        await startRedisServer({
          configFile: ownConfig(),
          extraArgs: ['--replicaof', primary.host, String(primary.port)],
        }),
      );
    }
    for (let i = 0; i < sentinelCount; i += 1) {
      // Sentinel rewrites its config file: each gets its own, in a directory removed on stop.
      const confDir = mkdtempSync(join(tmpdir(), 'fastnpc-sentinel-conf-'));
      confDirs.push(confDir);
      const confFile = join(confDir, 'sentinel.conf');
      writeFileSync(
        confFile,
        [
          'bind 127.0.0.1',
          `sentinel monitor ${masterName} ${primary.host} ${primary.port} ${quorum}`,
          `sentinel down-after-milliseconds ${masterName} ${downAfterMs}`,
          `sentinel failover-timeout ${masterName} ${Math.max(5_000, downAfterMs * 5)}`,
          `sentinel parallel-syncs ${masterName} 1`,
          ...(sentinelPassword === undefined
            ? []
            : [
                `requirepass ${configString(sentinelPassword)}`,
                `sentinel sentinel-pass ${configString(sentinelPassword)}`,
              ]),
          '',
        ].join('\n'),
        { mode: 0o600 },
      );
      sentinels.push(await startRedisServer({ configFile: confFile, extraArgs: ['--sentinel'] }));
    }
    for (const replica of nodes.slice(1)) {
      await until(`replication link of 127.0.0.1:${replica.port}`, readyTimeoutMs, () =>
        withRedis(replica.port, async (c) =>
          (await c.info('replication')).includes('master_link_status:up') ? true : undefined,
        ),
      );
    }
    for (const sentinel of sentinels) {
      await until(`Sentinel 127.0.0.1:${sentinel.port} seeing the whole topology`, readyTimeoutMs, () =>
        withRedis(
          sentinel.port,
          async (c) => {
            const master = (await c.call('SENTINEL', 'MASTER', masterName)) as string[];
            const field = (name: string) => Number(master[master.indexOf(name) + 1]);
            return field('num-slaves') >= replicaCount && field('num-other-sentinels') >= sentinelCount - 1
              ? true
              : undefined;
          },
          sentinelPassword,
        ),
      );
    }
    if (options.auth) {
      await applyNodeAuth(
        nodes.map((n) => n.port),
        options.auth,
        { ports: sentinels.map((s) => s.port), masterName, password: sentinelPassword },
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const currentPrimary = async (): Promise<StartedRedisServer> => {
    for (const sentinel of sentinels) {
      try {
        const [, port] = await withRedis(
          sentinel.port,
          async (c) => (await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName)) as [string, string],
          sentinelPassword,
        );
        const node = nodes.find((n) => n.port === Number(port));
        if (node) return node;
      } catch {
        // that Sentinel is down: ask the next
      }
    }
    throw new StackError('E_START_FAILED', `no Sentinel answers for ${masterName}`);
  };

  return {
    masterName,
    nodes,
    sentinels,
    sentinelAddresses: sentinels.map((s) => ({ host: s.host, port: s.port })),
    ...(sentinelPassword === undefined ? {} : { sentinelPassword }),
    currentPrimary,
    waitForFailover: (previous, timeoutMs = 30_000) =>
      until(`a failover away from 127.0.0.1:${previous.port}`, timeoutMs, async () => {
        const now = await currentPrimary();
        if (now === previous) return undefined;
        // Promoted, and answering as a primary.
        const role = await withRedis(now.port, (c) => c.info('replication'), options.auth?.password);
        return role.includes('role:master') ? now : undefined;
      }),
    stop,
  };
}
