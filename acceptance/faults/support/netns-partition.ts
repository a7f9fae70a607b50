/**
 * F6's network: a private redis-server inside its own network namespace, reached from the machine over two veth
 * links — one for the writer worker, one for everyone else (the other worker, the invalidator, the test's admin
 * client). `partition()` takes the writer's link down on the Redis side: packets the writer sends are dropped
 * silently (no RST, no ICMP — what a partition looks like), its connections hang until its own time-outs, while
 * the other worker and the invalidator keep reaching Redis. `heal()` brings the link up again.
 * Needs root and iproute2; without them `startPartitionedRedis` throws with the reason (the row fails, never skips).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary } from '../../../src/stack/binaries.ts';
import { onProcessExit } from '../../../src/stack/cleanup.ts';
import { waitForPort } from '../../../src/stack/free-port.ts';
import { privateRedisPassword, REPOSITORY_REDIS_CONF } from '../../../src/stack/redis-server.ts';

export interface PartitionedRedis {
  /** Redis over the writer's link (the one `partition()` cuts). */
  readonly writerUrl: string;
  /** Redis over the other link (reader worker, invalidator, admin). */
  readonly readerUrl: string;
  readonly namespace: string;
  partition(): void;
  heal(): void;
  stop(): Promise<void>;
}

/** Why a network namespace cannot be made here, or undefined when it can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: creating a network namespace needs root (CAP_NET_ADMIN)';
  if (spawnSync('ip', ['netns', 'list']).status !== 0) return '`ip netns` is unavailable (install iproute2)';
  return undefined;
}

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`F6 network: ip ${args.join(' ')} failed: ${r.stderr.trim()}`);
}

const REDIS_PORT = 6379;

export async function startPartitionedRedis(): Promise<PartitionedRedis> {
  const why = netnsUnavailable();
  if (why) throw new Error(`F6 needs a network namespace partition and cannot make one: ${why}`);
  const tag = `${(process.pid % 10_000).toString(36)}${randomBytes(2).toString('hex')}`;
  const ns = `fnpc-f6-${tag}`;
  const hostW = `f6w${tag}`.slice(0, 15);
  const peerW = `f6W${tag}`.slice(0, 15);
  const hostR = `f6r${tag}`.slice(0, 15);
  const peerR = `f6R${tag}`.slice(0, 15);
  const x = 1 + (randomBytes(1)[0]! % 250);
  const writerHost = `10.214.${x}.1`;
  const writerRedis = `10.214.${x}.2`;
  const readerHost = `10.214.${x}.5`;
  const readerRedis = `10.214.${x}.6`;
  const dir = mkdtempSync(join(tmpdir(), 'fastnpc-f6-'));
  const password = privateRedisPassword();
  let child: ChildProcess | undefined;
  let removed = false;
  const teardown = (): void => {
    if (removed) return;
    removed = true;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', ns]); // removes the peers, and with them the host ends
    spawnSync('ip', ['link', 'del', hostW]);
    spawnSync('ip', ['link', 'del', hostR]);
    rmSync(dir, { recursive: true, force: true });
  };
  const unregister = onProcessExit(teardown);
  try {
    ip(['netns', 'add', ns]);
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    for (const [host, peer, hostAddr, peerAddr] of [
      [hostW, peerW, writerHost, writerRedis],
      [hostR, peerR, readerHost, readerRedis],
    ] as const) {
      ip(['link', 'add', host, 'type', 'veth', 'peer', 'name', peer]);
      ip(['link', 'set', peer, 'netns', ns]);
      ip(['addr', 'add', `${hostAddr}/30`, 'dev', host]);
      ip(['link', 'set', host, 'up']);
      ip(['-n', ns, 'addr', 'add', `${peerAddr}/30`, 'dev', peer]);
      ip(['-n', ns, 'link', 'set', peer, 'up']);
    }
    const binary = findBinary('redis-server', 'redis-server');
    // the repository's redis.conf, listening on the two link addresses of the private namespace only, with a
    // password from its start (an included 0600 file, never argv: no open Redis, and protected mode, which refuses
    // non-loopback clients only while there is no password, stays out of the way)
    const authFile = join(dir, 'auth.conf');
    writeFileSync(authFile, `requirepass ${password}\n`, { mode: 0o600 });
    child = spawn(
      'ip',
      [
        'netns',
        'exec',
        ns,
        binary,
        REPOSITORY_REDIS_CONF,
        '--port',
        String(REDIS_PORT),
        '--bind',
        writerRedis,
        readerRedis,
        '--protected-mode',
        'no',
        '--dir',
        dir,
        '--pidfile',
        join(dir, 'redis.pid'),
        '--logfile',
        join(dir, 'redis.log'),
        '--daemonize',
        'no',
        '--include',
        authFile,
      ],
      { stdio: 'ignore' },
    );
    await waitForPort(readerRedis, REDIS_PORT, 10_000);
    await waitForPort(writerRedis, REDIS_PORT, 10_000);
  } catch (error) {
    teardown();
    unregister();
    throw error;
  }
  return {
    writerUrl: `redis://:${password}@${writerRedis}:${REDIS_PORT}`,
    readerUrl: `redis://:${password}@${readerRedis}:${REDIS_PORT}`,
    namespace: ns,
    partition: () => ip(['-n', ns, 'link', 'set', peerW, 'down']),
    heal: () => ip(['-n', ns, 'link', 'set', peerW, 'up']),
    stop: async () => {
      teardown();
      unregister();
    },
  };
}
