// npm run bench:pg-restart — what a PostgreSQL fast restart (pg_ctl stop -m fast, then start) costs with the
// commit-log invalidator's replication connection against without it (issue 22 item 4), in ONE run: the two-worker
// service with FASTNPC_INVALIDATOR=on and =off on their own private stacks (bench/two-sides.ts) under the fault rows'
// mixed workload, the sides taking turns restart by restart. Per restart: how long the stop took (a walsender
// holds it until its consumer confirmed everything it sent, or went away), how long the start took, and how many
// requests answered 503 (database unavailable) — all of them from the first 503 until the load ran clean again.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { Client, Reply } from '../acceptance/support/http.ts';
import { type Mode, newUser, type ServiceSide, startMixedLoad, startSide, stopSide } from './two-sides.ts';

const HELP = `npm run bench:pg-restart [-- --help] [--json FILE] [--restarts N]

PostgreSQL fast restarts under the mixed workload with the commit-log invalidator on against off, in one run
(sides taking turns): stop time, start time and 503 answers per restart.

Options:
  --json FILE     also write the figures as JSON
  --restarts N    restarts per side (5)`;

const args = process.argv.slice(2).filter((a) => a !== '--');
if (args.includes('--help') || args.includes('-h')) {
  console.log(HELP);
  process.exit(0);
}
let JSON_FILE: string | undefined;
let RESTARTS = 5;
for (let i = 0; i < args.length; i += 2) {
  const [name, value] = [args[i], args[i + 1]];
  if (name === '--json' && value) JSON_FILE = value;
  else if (name === '--restarts' && Number.isInteger(Number(value)) && Number(value) > 0) RESTARTS = Number(value);
  else {
    console.error(`bench:pg-restart: bad argument ${name} ${value ?? ''} (see --help)`);
    process.exit(2);
  }
}

interface Restart {
  stopMs: number;
  startMs: number;
  answers503: number;
  /** Other failures (no answer, 5xx other than 503). */
  otherFailures: number;
  /** From the restart's start until the first 200 write answered after PostgreSQL was up again, ms. */
  writesBackMs: number | undefined;
}

async function restartOnce(side: ServiceSide, users: { client: Client; role: string }[]): Promise<Restart> {
  let answers503 = 0;
  let otherFailures = 0;
  let upAt: number | undefined;
  let writeBackAt: number | undefined;
  const load = startMixedLoad(side, users, (reply: Reply | undefined, write, at) => {
    if (reply?.status === 503) answers503 += 1;
    else if (reply?.status !== 200) otherFailures += 1;
    else if (write && upAt !== undefined && at > upAt && writeBackAt === undefined) writeBackAt = at;
  });
  await new Promise((r) => setTimeout(r, 2_000)); // the load settled, the invalidator streaming
  const before503 = answers503;
  const t0 = performance.now();
  const { stopMs, startMs } = await side.stack.postgres!.restart(0);
  upAt = performance.now();
  await new Promise((r) => setTimeout(r, 3_000));
  await load.stop();
  return {
    stopMs,
    startMs,
    answers503: answers503 - before503,
    otherFailures,
    writesBackMs: writeBackAt === undefined ? undefined : writeBackAt - t0,
  };
}

async function main(): Promise<void> {
  const sides: ServiceSide[] = [];
  const results: Record<Mode, Restart[]> = { on: [], off: [] };
  try {
    for (const mode of ['on', 'off'] as const) sides.push(await startSide(mode));
    const users = new Map<ServiceSide, { client: Client; role: string }[]>();
    for (const side of sides) {
      const u1 = side.service.workerUrls[0] as string;
      users.set(side, await Promise.all(Array.from({ length: 8 }, (_, i) => newUser(u1, String(i)))));
    }
    const load0 = loadavg();
    for (let i = 0; i < RESTARTS; i += 1) {
      for (const side of i % 2 === 0 ? sides : [...sides].reverse()) {
        results[side.mode].push(await restartOnce(side, users.get(side)!));
      }
      process.stderr.write(`restart ${i + 1}/${RESTARTS} done\n`);
    }
    const load1 = loadavg();
    const fmt = (n: number | undefined) => (n === undefined ? '—' : n.toFixed(0));
    const lines = [
      `Machine: ${cpus().length} CPUs, ${cpus()[0]?.model}; Node ${process.version}; load average (1/5/15 min) ${load0.map((l) => l.toFixed(2)).join(' / ')} at start, ${load1.map((l) => l.toFixed(2)).join(' / ')} at the end`,
      `${RESTARTS} fast restarts per side under the mixed workload, sides taking turns.`,
      '',
      '| invalidator | restart | stop ms | start ms | 503 answers | other failures | first write back after, ms |',
      '|---|---:|---:|---:|---:|---:|---:|',
    ];
    for (const mode of ['on', 'off'] as const) {
      results[mode].forEach((r, i) => {
        lines.push(
          `| ${mode} | ${i + 1} | ${fmt(r.stopMs)} | ${fmt(r.startMs)} | ${r.answers503} | ${r.otherFailures} | ${fmt(r.writesBackMs)} |`,
        );
      });
    }
    for (const mode of ['on', 'off'] as const) {
      const rs = results[mode];
      const mean = (f: (r: Restart) => number) => rs.reduce((a, r) => a + f(r), 0) / rs.length;
      lines.push(
        `| ${mode} | mean | ${fmt(mean((r) => r.stopMs))} | ${fmt(mean((r) => r.startMs))} | ${mean((r) => r.answers503).toFixed(1)} | ${mean((r) => r.otherFailures).toFixed(1)} | ${fmt(mean((r) => r.writesBackMs ?? Number.NaN))} |`,
      );
    }
    console.log(lines.join('\n'));
    if (JSON_FILE) writeFileSync(JSON_FILE, `${JSON.stringify({ load0, load1, results }, null, 2)}\n`);
  } finally {
    for (const side of sides) await stopSide(side);
  }
}

main().catch((error: unknown) => {
  console.error(`bench:pg-restart: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
