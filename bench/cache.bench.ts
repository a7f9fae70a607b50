// npm run bench:cache — the hit path of the FastNPC cache against raw ioredis (plain and with auto-pipelining),
// bentocache (Redis tier only) and cache-manager + @keyv/redis, side by side on one private redis-server, with a
// ~1 KB JSON value, at several numbers of operations in flight (BENCH_INFLIGHT, default "1,16,64,256": 1 is one
// request reading its cache entry, 64 a busy worker). At each level the contenders take turns in short slices
// (order rotating), so noise on a shared machine hits every one alike; a slice keeps `inflight` awaited loops busy.
// BENCH_CACHE_VERSIONS adds other copies of the cache module as contenders (before/after a change, in one run);
// BENCH_ONLY=a,b keeps only the contenders whose name contains a or b (plus the raw GETs and fastnpc get).
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import KeyvRedis, { Keyv } from '@keyv/redis';
import { BentoCache, bentostore } from 'bentocache';
import { redisDriver } from 'bentocache/drivers/redis';
import { createCache as createCacheManager } from 'cache-manager';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { type Cache, type CacheOptions, createCache } from '../src/cache/index.ts';
import { privateRedisPassword, startRedisServer } from '../src/stack/index.ts';

/** Goal of the hit path at one read in flight: mean time of fastnpc get ≤ this × raw ioredis GET's (issue 20). */
const GOAL_MEAN_AT_1 = 1.15;
/** Goal at 16 and 64 in flight: throughput ≥ this × auto-pipelined raw GET's. */
const GOAL_PIPELINED = 1.0;

const HELP = `npm run bench:cache [-- --help]

The FastNPC cache's hit path against raw ioredis GET (plain and auto-pipelined), bentocache and cache-manager on a
private redis-server, at several reads in flight; prints one table per level and whether each goal is met.

Goals: fastnpc get at 1 in flight within ${GOAL_MEAN_AT_1}× raw GET's mean time; at 16 and 64 in flight at least
${GOAL_PIPELINED.toFixed(2)}× the throughput of auto-pipelined raw GET.

Environment:
  BENCH_OPS             measured ops per contender and level (30000)
  BENCH_WARMUP          warm-up ops per contender and level (3000)
  BENCH_INFLIGHT        reads in flight, comma-separated (1,16,64,256)
  BENCH_CACHE_VERSIONS  other copies of src/cache as contenders, label=dir,… (before/after a change in one run)
  BENCH_ONLY            keep only contenders whose name contains one of these, comma-separated`;

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(HELP);
  process.exit(0);
}
const unknownArgs = process.argv.slice(2).filter((a) => a !== '--');
if (unknownArgs.length > 0) {
  console.error(`bench:cache: unknown argument ${unknownArgs[0]} (see --help)`);
  process.exit(2);
}

/** Measured ops per contender and level. */
const OPS = Number(process.env.BENCH_OPS ?? 30_000);
/** Warm-up ops per contender and level (JIT, connections). */
const WARMUP_OPS = Number(process.env.BENCH_WARMUP ?? 3_000);
/** Operations in flight, one table block each. */
const INFLIGHT = (process.env.BENCH_INFLIGHT ?? '1,16,64,256').split(',').map(Number);
/**
 * Other copies of the cache module to run side by side with this one, "label=dir,…" (each dir a copy of src/cache,
 * e.g. `git archive <commit> src/cache | tar -x -C .tmp/v0`): how a change moves the ratios, measured in one run.
 */
const VERSIONS = (process.env.BENCH_CACHE_VERSIONS ?? '')
  .split(',')
  .filter((v) => v.includes('='))
  .map((v) => {
    const [label, dir] = v.split('=') as [string, string];
    return { label, dir: resolve(dir) };
  });
/** Only the contenders whose name contains one of these (comma-separated); ALWAYS run in any case. */
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
const ALWAYS = ['raw ioredis GET', 'raw ioredis GET, auto-pipelining', 'fastnpc get (hit)'];
/** Ops per contender in one slice of turn-taking. */
const SLICE_OPS = 500;
for (const [name, n] of [
  ['BENCH_OPS', OPS],
  ['BENCH_WARMUP', WARMUP_OPS],
  ['BENCH_INFLIGHT', Math.min(...INFLIGHT)],
] as const) {
  if (!Number.isInteger(n) || n < 1) {
    console.error(`bench:cache: ${name} must be a positive integer`);
    process.exit(2);
  }
}

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
  /** Keys Redis looked up during this contender's slices (INFO keyspace_hits + keyspace_misses). */
  redisKeyReads: number;
  /** CPU time of this process (user + system) per op, µs, one entry per slice. */
  sliceCpuUs: number[];
}

/** Redis' count of key lookups so far: a GET is one, an MGET of n keys is n. */
async function keyReads(probe: Redis): Promise<number> {
  const info = await probe.info('stats');
  const count = (name: string) => Number(info.match(new RegExp(`${name}:(\\d+)`))?.[1] ?? Number.NaN);
  return count('keyspace_hits') + count('keyspace_misses');
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/**
 * Runs `ops` operations per contender with `inflight` awaited loops each, contenders taking turns in slices of
 * SLICE_OPS (order rotating). Each op's latency is a sample; a slice's wall time adds to the contender's total,
 * so ops/s is throughput at that level.
 */
async function runSlices(
  contenders: Contender[],
  ops: number,
  inflight: number,
  probe: Redis,
  results?: Map<string, Result>,
): Promise<void> {
  const n = contenders.length;
  const slices = Math.ceil(ops / SLICE_OPS);
  for (let i = 0; i < slices; i++) {
    const sliceOps = Math.min(SLICE_OPS, ops - i * SLICE_OPS);
    for (let j = 0; j < n; j++) {
      const c = contenders[(i + j) % n] as Contender;
      const r = results?.get(c.name);
      let left = sliceOps;
      const lane = async (): Promise<void> => {
        while (left > 0) {
          left -= 1;
          const start = process.hrtime.bigint();
          await c.op();
          r?.samplesNs.push(Number(process.hrtime.bigint() - start));
        }
      };
      const reads = r ? await keyReads(probe) : 0;
      const cpu = process.cpuUsage();
      const start = process.hrtime.bigint();
      await Promise.all(Array.from({ length: Math.min(inflight, sliceOps) }, lane));
      if (r) {
        r.totalNs += Number(process.hrtime.bigint() - start);
        const used = process.cpuUsage(cpu);
        r.sliceCpuUs.push((used.user + used.system) / sliceOps);
        r.redisKeyReads += (await keyReads(probe)) - reads;
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
  const password = privateRedisPassword();
  const server = await startRedisServer({ password });
  const url = server.url;
  const raw = new Redis(url);
  const rawPipelined = new Redis(url, { enableAutoPipelining: true });
  const probe = new Redis(url);
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
  const versions: { label: string; plain: Cache; fenced: Cache }[] = [];
  for (const v of VERSIONS) {
    const mod = (await import(pathToFileURL(join(v.dir, 'index.ts')).href)) as {
      createCache: (o: CacheOptions) => Cache;
    };
    const common = { redis: url, logger: console };
    versions.push({
      label: v.label,
      plain: mod.createCache({ ...common, registry: new Registry(), workerId: `${v.label}` }),
      fenced: mod.createCache({ ...common, registry: new Registry(), fence: true, workerId: `${v.label}-fenced` }),
    });
  }
  const marker = 'fastnpc:__cache__:consistency';
  await raw.hset(marker, 'tick_seq', 1, 'caught_up_seq', 1);
  const ticker = setInterval(() => {
    void raw.hincrby(marker, 'tick_seq', 1).then((seq) => raw.hset(marker, 'caught_up_seq', seq));
  }, 50);
  const bento = new BentoCache({
    default: 'redis',
    stores: {
      redis: bentostore().useL2Layer(redisDriver({ connection: { host: server.host, port: server.port, password } })),
    },
  });
  const keyvStore = new KeyvRedis(url);
  const manager = createCacheManager({ stores: [new Keyv({ store: keyvStore })] });

  try {
    await raw.set('bench:raw', PAYLOAD);
    await rawPipelined.ping();
    if (!(await fastnpc.set('bench:profile', PROFILE))) throw new Error('the FastNPC cache could not store');
    const loader = async () => PROFILE;
    await bento.getOrSet({ key: 'bench:profile', factory: loader, ttl: '1h' });
    for (const c of [fenced, ...versions.map((v) => v.fenced)]) {
      for (let i = 0; (await c.get('bench:profile')) === undefined; i++) {
        if (i > 100) throw new Error('the fence did not lift');
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await manager.wrap('bench:profile', loader, 3_600_000);

    const all: Contender[] = [
      { name: 'raw ioredis GET', op: () => raw.get('bench:raw') },
      { name: 'raw ioredis GET + JSON.parse', op: async () => JSON.parse((await raw.get('bench:raw')) as string) },
      { name: 'raw ioredis GET, auto-pipelining', op: () => rawPipelined.get('bench:raw') },
      { name: 'fastnpc get (hit)', op: () => fastnpc.get('bench:profile') },
      { name: 'fastnpc getOrLoad (hit)', op: () => fastnpc.getOrLoad('bench:profile', loader) },
      { name: 'fastnpc get (hit, fence on)', op: () => fenced.get('bench:profile') },
      { name: 'bentocache getOrSet (Redis tier)', op: () => bento.getOrSet({ key: 'bench:profile', factory: loader }) },
      { name: 'cache-manager + @keyv/redis wrap', op: () => manager.wrap('bench:profile', loader, 3_600_000) },
      ...versions.flatMap((v): Contender[] => [
        { name: `${v.label}: fastnpc get (hit)`, op: () => v.plain.get('bench:profile') },
        { name: `${v.label}: fastnpc getOrLoad (hit)`, op: () => v.plain.getOrLoad('bench:profile', loader) },
        { name: `${v.label}: fastnpc get (hit, fence on)`, op: () => v.fenced.get('bench:profile') },
      ]),
    ];
    const contenders = all.filter(
      (c) => ALWAYS.includes(c.name) || ONLY.length === 0 || ONLY.some((o) => c.name.includes(o)),
    );
    // Every contender must really hit: a miss would make it look fast or slow for the wrong reason.
    for (const c of contenders) {
      const value = await c.op();
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      if (text !== PAYLOAD) throw new Error(`${c.name} did not return the cached profile`);
    }
    const lines = [
      `Machine: ${machine()}; load average (1 min) ${loadavg()[0]?.toFixed(2)} at start`,
      `Value: ${Buffer.byteLength(PAYLOAD)} bytes of JSON; per level ${OPS} ops per contender (turns in slices of ${SLICE_OPS}) after ${WARMUP_OPS} warm-up ops each.`,
    ];
    const summary: string[] = [];
    /** One line per stated goal, ending in "met" or "NOT MET". */
    const goals: string[] = [];
    for (const inflight of INFLIGHT) {
      await runSlices(contenders, WARMUP_OPS, inflight, probe);
      const results = new Map<string, Result>(
        contenders.map((c) => [c.name, { name: c.name, samplesNs: [], totalNs: 0, redisKeyReads: 0, sliceCpuUs: [] }]),
      );
      await runSlices(contenders, OPS, inflight, probe, results);
      const rows = [...results.values()].map((r) => {
        const sorted = [...r.samplesNs].sort((a, b) => a - b);
        return {
          name: r.name,
          opsPerSec: r.samplesNs.length / (r.totalNs / 1e9),
          p50: quantile(sorted, 0.5) / 1_000,
          p99: quantile(sorted, 0.99) / 1_000,
          keyReadsPerOp: r.redisKeyReads / r.samplesNs.length,
          cpuUsPerOp: quantile(
            [...r.sliceCpuUs].sort((a, b) => a - b),
            0.5,
          ),
        };
      });
      const byName = (name: string) => rows.find((r) => r.name === name) as (typeof rows)[number];
      const rawGet = byName('raw ioredis GET');
      const piped = byName('raw ioredis GET, auto-pipelining');
      lines.push(
        '',
        `### ${inflight} in flight`,
        '',
        '| operation | ops/s | p50 µs | p99 µs | Redis key reads per op | throughput vs raw GET | vs raw GET auto-pipelined | CPU µs/op | CPU vs auto-pipelined |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
        ...rows.map(
          (r) =>
            `| ${r.name} | ${Math.round(r.opsPerSec).toLocaleString('en-US')} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.keyReadsPerOp.toFixed(2)} | ${(
              r.opsPerSec / rawGet.opsPerSec
            ).toFixed(
              2,
            )}× | ${(r.opsPerSec / piped.opsPerSec).toFixed(2)}× | ${r.cpuUsPerOp.toFixed(2)} | ${(r.cpuUsPerOp / piped.cpuUsPerOp).toFixed(2)}× |`,
        ),
      );
      const ours = byName('fastnpc get (hit)');
      const libs = [byName('bentocache getOrSet (Redis tier)'), byName('cache-manager + @keyv/redis wrap')].filter(
        (l) => l !== undefined,
      );
      const meanAtOne = rawGet.opsPerSec / ours.opsPerSec;
      const pipedRatio = ours.opsPerSec / piped.opsPerSec;
      if (inflight === 1) {
        goals.push(
          `mean time of fastnpc get at 1 in flight ${meanAtOne.toFixed(2)}× raw GET (goal ≤ ${GOAL_MEAN_AT_1.toFixed(2)}×): ${meanAtOne <= GOAL_MEAN_AT_1 ? 'met' : 'NOT MET'}`,
        );
      }
      if (inflight === 16 || inflight === 64) {
        goals.push(
          `throughput of fastnpc get at ${inflight} in flight ${pipedRatio.toFixed(2)}× auto-pipelined raw GET (goal ≥ ${GOAL_PIPELINED.toFixed(2)}×): ${pipedRatio >= GOAL_PIPELINED ? 'met' : 'NOT MET'}`,
        );
      }
      summary.push(
        `${inflight} in flight: fastnpc get = ${(ours.opsPerSec / rawGet.opsPerSec).toFixed(2)}× raw GET, ${(ours.opsPerSec / piped.opsPerSec).toFixed(2)}× auto-pipelined raw GET throughput; mean time ${(rawGet.opsPerSec / ours.opsPerSec).toFixed(2)}× raw, p50 ${(ours.p50 / rawGet.p50).toFixed(2)}× raw; faster than both libraries: ${libs.every((l) => ours.opsPerSec > l.opsPerSec) ? 'yes' : 'NO'}.`,
      );
    }
    const stats = await fastnpc.stats();
    if (stats.process.misses !== 0) throw new Error(`the FastNPC cache missed ${stats.process.misses} times`);
    lines.push(
      '',
      '## Summary',
      '',
      ...summary.map((l) => `- ${l}`),
      ...goals.map((g) => `- Goal: ${g}.`),
      '- "Redis key reads per op" (INFO keyspace hits + misses) below 1 means a contender answered some reads without',
      '  asking Redis (joining a read of the same key already in flight): faster, but such a read can miss an',
      '  invalidation made meanwhile. fastnpc batches the reads of one turn into one MGET: every read still asks Redis.',
      '- "fastnpc get (hit, fence on)" is the cache as the service runs it beside the invalidator (fence after an',
      '  outage on): the fence is a per-process flag, so its hit must cost what a plain hit costs.',
      '- "CPU µs/op": this process\'s CPU time (user + system) per op, median over the contender\'s slices — what the',
      '  client side costs; steadier than throughput (wall time) when other processes take the CPU.',
    );
    const missed = goals.filter((g) => g.endsWith('NOT MET'));
    lines.push(
      '',
      missed.length === 0
        ? 'All stated goals met.'
        : `GOALS NOT MET (${missed.length} of ${goals.length}): ${missed.map((g) => g.replace(/: NOT MET$/, '')).join('; ')}.`,
    );
    console.log(lines.join('\n'));
  } finally {
    clearInterval(ticker);
    await fenced.close();
    for (const v of versions) await Promise.all([v.plain.close(), v.fenced.close()]);
    await fastnpc.close();
    await bento.disconnectAll().catch(() => {});
    await manager.disconnect().catch(() => {});
    raw.disconnect();
    rawPipelined.disconnect();
    probe.disconnect();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
