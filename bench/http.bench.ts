// npm run bench:http — the reference service's cached reads (settings, character list, profile) on two workers,
// side by side with GET /health/live on the same workers (no cache, no database: the framework's ceiling here),
// loaded by autocannon from a separate process at fixed concurrency. Reports requests/s, p50/p95/p99/p99.9 and the
// ratio cached/ceiling per concurrency, then every route at the plan's load (a fixed, evenly spaced request rate).
// BENCH_HTTP_VERSIONS runs other checkouts of the service side by side (before/after a change, in one run).
//
// The parts: http-options.ts (command line, environment, goals), http-target.ts (a version on its own stack),
// http-phases.ts (the concurrency runs and the plan's load), http-probes.ts (CPU, Redis and the workers' own
// figures), http-floor.ts (the machine's floor at the plan's load), http-report.ts (tables, verdicts, JSON); the load
// generators: http-load.ts and paced-load.ts.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFloor } from './http-floor.ts';
import { readOptions } from './http-options.ts';
import { runConcurrency, runPlan } from './http-phases.ts';
import { report } from './http-report.ts';
import { startTarget, stopTarget, type Target } from './http-target.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OPTIONS = readOptions(process.argv.slice(2), process.env, ROOT);

async function main(): Promise<void> {
  const targets: Target[] = [];
  try {
    for (const v of OPTIONS.versions) targets.push(await startTarget(v.label, v.dir));
    const load1 = loadavg();
    const { table, misses } = await runConcurrency(targets, OPTIONS);
    const load2 = loadavg();
    const floorServer = await startFloor();
    const { plan, floor } = await runPlan(targets, OPTIONS, floorServer.url).finally(() => floorServer.stop());
    const load3 = loadavg();
    const { text, json } = report(targets, OPTIONS, { table, misses, plan, floor, loads: [load1, load2, load3] });
    console.log(text);
    if (OPTIONS.json) {
      writeFileSync(OPTIONS.json, `${JSON.stringify(json, null, 2)}\n`);
      console.log(`\nJSON written to ${OPTIONS.json}`);
    }
  } finally {
    for (const t of targets) await stopTarget(t);
  }
}

main().catch((error: unknown) => {
  console.error(`bench:http: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
