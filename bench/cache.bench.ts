// npm run bench:cache — the hit path of the FastNPC cache against raw ioredis, bentocache (Redis tier only) and
// cache-manager + @keyv/redis, side by side on one private redis-server, with a ~1 KB JSON value.
// Sequential awaited operations (one in flight, like one request reading its cache entry), warm-up first.
// The contenders take turns op by op (order rotating), so noise on a shared machine hits every one alike.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import KeyvRedis, { Keyv } from '@keyv/redis';
import { BentoCache, bentostore } from 'bentocache';
import { redisDriver } from 'bentocache/drivers/redis';
import { createCache as createCacheManager } from 'cache-manager';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createCache } from '../src/cache/index.ts';
import { startRedisServer } from '../src/stack/index.ts';

/** Measured ops per contender. */
const OPS = Number(process.env.BENCH_OPS ?? 30_000);
/** Warm-up ops per contender (JIT, connections). */
const WARMUP_OPS = Number(process.env.BENCH_WARMUP ?? 3_000);

/** A character profile of about 1 KB, the shape the service caches. */
const PROFILE = {
  role: '李白',
  basic: { name: '李白', age: '61', gender: '男', occupation: '诗人', titles: '诗仙', brief: 'x'.repeat(200) },
  personality: { traits: '豪放、浪漫', values: '自由', speaking_style: '飘逸', preferences: '饮酒、游历' },
  short_term: ['今日与友人同游', '饮酒赋诗', '月下独酌'],
  long_term: ['少年任侠', '供奉翰林', '流放夜郎', 'y'.repeat(430)],
  updated_at: 1_700_000_000,
};
const PAYLOAD = JSON.stringify(PROFILE);

interface Contender {
  name: string;
  op: () => Promise<unknown>;
}

interface Result {
  name: string;
  samplesNs: number[];
  totalNs: number;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** Runs `iterations` turns; in each turn every contender does one awaited op, in rotating order. */
async function runTurns(contenders: Contender[], iterations: number, results?: Map<string, Result>): Promise<void> {
  const n = contenders.length;
  for (let i = 0; i < iterations; i++) {
    for (let j = 0; j < n; j++) {
      const c = contenders[(i + j) % n] as Contender;
      const start = process.hrtime.bigint();
      await c.op();
      const ns = Number(process.hrtime.bigint() - start);
      const r = results?.get(c.name);
      if (r) {
        r.samplesNs.push(ns);
        r.totalNs += ns;
      }
    }
  }
}

function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  let redisVersion = 'unknown';
  try {
    redisVersion = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).match(/v=(\S+)/)?.[1] ?? '';
  } catch {}
  return `${cpus().length} CPUs (nproc), ${cpu}; Node ${process.version}; redis-server ${redisVersion} on loopback`;
}

async function main(): Promise<void> {
  const server = await startRedisServer();
  const url = server.url;
  const raw = new Redis(url);
  const fastnpc = createCache({ redis: url, registry: new Registry(), logger: console });
  // The same cache with the fence after an outage on (as the service runs it beside the invalidator): the fence is
  // a per-process flag, so a hit must cost the same. A stand-in for the invalidator keeps its ticks coming back.
  const fenced = createCache({
    redis: url,
    registry: new Registry(),
    logger: console,
    fence: true,
    workerId: 'fenced',
  });
  const marker = 'fastnpc:__cache__:consistency';
  await raw.hset(marker, 'tick_seq', 1, 'caught_up_seq', 1);
  const ticker = setInterval(() => {
    void raw.hincrby(marker, 'tick_seq', 1).then((seq) => raw.hset(marker, 'caught_up_seq', seq));
  }, 50);
  const bento = new BentoCache({
    default: 'redis',
    stores: { redis: bentostore().useL2Layer(redisDriver({ connection: { host: server.host, port: server.port } })) },
  });
  const keyvStore = new KeyvRedis(url);
  const manager = createCacheManager({ stores: [new Keyv({ store: keyvStore })] });

  try {
    await raw.set('bench:raw', PAYLOAD);
    if (!(await fastnpc.set('bench:profile', PROFILE))) throw new Error('the FastNPC cache could not store');
    const loader = async () => PROFILE;
    await bento.getOrSet({ key: 'bench:profile', factory: loader, ttl: '1h' });
    for (let i = 0; (await fenced.get('bench:profile')) === undefined; i++) {
      if (i > 100) throw new Error('the fence did not lift');
      await new Promise((r) => setTimeout(r, 50));
    }
    await manager.wrap('bench:profile', loader, 3_600_000);

    const contenders: Contender[] = [
      { name: 'raw ioredis GET', op: () => raw.get('bench:raw') },
      { name: 'raw ioredis GET + JSON.parse', op: async () => JSON.parse((await raw.get('bench:raw')) as string) },
      { name: 'fastnpc get (hit)', op: () => fastnpc.get('bench:profile') },
      { name: 'fastnpc getOrLoad (hit)', op: () => fastnpc.getOrLoad('bench:profile', loader) },
      { name: 'fastnpc get (hit, fence on)', op: () => fenced.get('bench:profile') },
      { name: 'bentocache getOrSet (Redis tier)', op: () => bento.getOrSet({ key: 'bench:profile', factory: loader }) },
      { name: 'cache-manager + @keyv/redis wrap', op: () => manager.wrap('bench:profile', loader, 3_600_000) },
    ];
    // Every contender must really hit: a miss would make it look fast or slow for the wrong reason.
    for (const c of contenders) {
      const value = await c.op();
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      if (text !== PAYLOAD) throw new Error(`${c.name} did not return the cached profile`);
    }
    await runTurns(contenders, WARMUP_OPS);
    const results = new Map<string, Result>(
      contenders.map((c) => [c.name, { name: c.name, samplesNs: [], totalNs: 0 }]),
    );
    await runTurns(contenders, OPS, results);
    const stats = await fastnpc.stats();
    if (stats.process.misses !== 0) throw new Error(`the FastNPC cache missed ${stats.process.misses} times`);

    const rows = [...results.values()].map((r) => {
      const sorted = [...r.samplesNs].sort((a, b) => a - b);
      return {
        name: r.name,
        opsPerSec: r.samplesNs.length / (r.totalNs / 1e9),
        p50: quantile(sorted, 0.5) / 1_000,
        p99: quantile(sorted, 0.99) / 1_000,
      };
    });
    const byName = (name: string) => rows.find((r) => r.name === name) as (typeof rows)[number];
    const rawGet = byName('raw ioredis GET');
    const rawParse = byName('raw ioredis GET + JSON.parse');

    const lines = [
      `Machine: ${machine()}`,
      `Value: ${Buffer.byteLength(PAYLOAD)} bytes of JSON; ${OPS} sequential awaited ops per contender (taking turns op by op) after ${WARMUP_OPS} warm-up ops each.`,
      '',
      '| operation | ops/s | p50 µs | p99 µs | mean time vs raw GET | vs raw GET + JSON.parse |',
      '|---|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.name} | ${Math.round(r.opsPerSec).toLocaleString('en-US')} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${(
            rawGet.opsPerSec / r.opsPerSec
          ).toFixed(2)}× | ${(rawParse.opsPerSec / r.opsPerSec).toFixed(2)}× |`,
      ),
    ];
    const ours = byName('fastnpc get (hit)');
    const ratio = rawGet.opsPerSec / ours.opsPerSec;
    const ratioP50 = ours.p50 / rawGet.p50;
    const withFence = byName('fastnpc get (hit, fence on)');
    const fenceRatio = rawGet.opsPerSec / withFence.opsPerSec;
    const libs = [byName('bentocache getOrSet (Redis tier)'), byName('cache-manager + @keyv/redis wrap')];
    lines.push(
      '',
      `Hit path (fastnpc get) vs raw ioredis GET: ${ratio.toFixed(2)}× mean time, ${ratioP50.toFixed(2)}× p50 (goal ≤ 1.30×: ${ratio <= 1.3 ? 'met' : 'NOT met'} on the mean).`,
      `With the fence on: ${fenceRatio.toFixed(2)}× mean time, ${(withFence.p50 / rawGet.p50).toFixed(2)}× p50 (goal ≤ 1.30×: ${fenceRatio <= 1.3 ? 'met' : 'NOT met'}).`,
      `Faster than both libraries: ${libs.every((l) => ours.opsPerSec > l.opsPerSec) ? 'yes' : 'NO'}.`,
    );
    console.log(lines.join('\n'));
  } finally {
    clearInterval(ticker);
    await fenced.close();
    await fastnpc.close();
    await bento.disconnectAll().catch(() => {});
    await manager.disconnect().catch(() => {});
    raw.disconnect();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
