// npm run bench:write-path — what the commit-log invalidator costs the write path (issue 22 item 5): the same
// two-worker service twice in ONE run, FASTNPC_INVALIDATOR=on and =off, each on its own private PostgreSQL and
// redis-server (a slot and REPLICA IDENTITY FULL are per database: a shared one would charge the control too), the
// modes taking turns round by round. Per round and mode:
//   solo   — one client, sequential writes per route (settings, structured profile, chat), nothing else running:
//            where a write spends its time, from the service's Server-Timing (FASTNPC_SERVER_TIMING=on);
//   mixed  — the fault rows' workload (acceptance/faults/support/background-load.ts): 4 writers alternating
//            settings/structured writes between the workers, 2 writers on worker 1, 2 background readers:
//            p50/p95 of every request, on against off.
// Besides: CPU time of every process of each side (workers, invalidator, PostgreSQL backends + walsender, Redis)
// per request of the mixed phase, from /proc — what the invalidator's side adds to a 2-core machine.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { type Client, type Reply, seg } from '../acceptance/support/http.ts';
import {
  cpuByName,
  newUser,
  type ServiceSide,
  startMixedLoad,
  startSide,
  stopSide,
  structuredBody,
} from './two-sides.ts';

const HELP = `npm run bench:write-path [-- --help] [--json FILE] [--rounds N] [--seconds S] [--solo N]

The write path's cost with the commit-log invalidator on against off, in one run (modes taking turns):
per route (settings write, structured write, chat) where a write spends its time (Server-Timing: statements,
the transaction-id select, the synchronous delete, the syncinv marker), and the mixed workload's p50/p95.

Options:
  --json FILE    also write the figures as JSON
  --rounds N     rounds (each: both modes, solo then mixed) (4)
  --seconds S    length of each mixed phase, seconds (8)
  --solo N       sequential writes per route and mode in each solo phase (60)`;

const ROUTES = ['settings', 'structured', 'chat'] as const;
type Route = (typeof ROUTES)[number];
const STEPS = ['db', 'xid', 'del', 'mark'] as const;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`bench:write-path: ${name} needs a positive integer (see --help)`);
    process.exit(2);
  }
  return n;
}
const args = process.argv.slice(2).filter((a) => a !== '--');
if (args.includes('--help') || args.includes('-h')) {
  console.log(HELP);
  process.exit(0);
}
for (let i = 0; i < args.length; i += 1) {
  if (!['--json', '--rounds', '--seconds', '--solo'].includes(args[i] as string)) {
    console.error(`bench:write-path: unknown argument ${args[i]} (see --help)`);
    process.exit(2);
  }
  i += 1;
}
const jsonAt = args.indexOf('--json');
const JSON_FILE = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
if (jsonAt >= 0 && !JSON_FILE) {
  console.error('bench:write-path: --json needs a file name');
  process.exit(2);
}
const ROUNDS = option('--rounds', 4);
const SECONDS = option('--seconds', 8);
const SOLO = option('--solo', 60);

interface Side extends ServiceSide {
  /** route → samples of the solo phases: total ms and Server-Timing steps. */
  solo: Record<Route, { ms: number[]; steps: Record<string, number[]> }>;
  mixed: { ms: number[]; writeMs: number[]; readMs: number[]; requests: number; seconds: number; errors: number };
  cpuMs: Record<string, number>;
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

function stepsOf(reply: Reply): Record<string, number> {
  const out: Record<string, number> = {};
  const header = reply.headers['server-timing'];
  for (const part of String(header ?? '').split(',')) {
    const m = /^\s*(\w+);dur=([\d.]+)/.exec(part);
    if (m) out[m[1] as string] = Number(m[2]);
  }
  return out;
}

async function soloPhase(side: Side, user: { client: Client; role: string }, start: number): Promise<void> {
  const [u1, u2] = side.service.workerUrls as [string, string];
  for (let i = 0; i < SOLO; i += 1) {
    const via = user.client.on(i % 2 === 0 ? u1 : u2);
    const n = start + i;
    const replies: [Route, Reply][] = [
      ['settings', await via.send('PUT', '/api/me/settings', { ctx_max_chat: 50 + (n % 4_900) })],
      ['structured', await via.send('PUT', `/api/characters/${seg(user.role)}/structured`, structuredBody(n))],
      ['chat', await via.send('POST', `/api/chat/${seg(user.role)}/messages`, { content: `你好 ${n}` })],
    ];
    for (const [route, reply] of replies) {
      if (reply.status !== 200) throw new Error(`${side.mode} ${route}: ${reply.status} ${reply.text.slice(0, 200)}`);
      const bucket = side.solo[route];
      bucket.ms.push(reply.ms);
      for (const [step, ms] of Object.entries(stepsOf(reply))) {
        bucket.steps[step] = [...(bucket.steps[step] ?? []), ms];
      }
    }
  }
}

async function mixedPhase(side: Side, users: { client: Client; role: string }[]): Promise<void> {
  const started = performance.now();
  const load = startMixedLoad(side, users, (reply, write) => {
    side.mixed.requests += 1;
    if (reply?.status === 200) {
      side.mixed.ms.push(reply.ms);
      (write ? side.mixed.writeMs : side.mixed.readMs).push(reply.ms);
    } else side.mixed.errors += 1;
  });
  const cpuBefore = cpuByName(Object.values(side.roots));
  await new Promise((r) => setTimeout(r, SECONDS * 1_000));
  const cpuAfter = cpuByName(Object.values(side.roots));
  await load.stop();
  side.mixed.seconds += (performance.now() - started) / 1_000;
  for (const [name, ms] of Object.entries(cpuAfter))
    side.cpuMs[name] = (side.cpuMs[name] ?? 0) + ms - (cpuBefore[name] ?? 0);
}

function report(sides: Side[], load0: number[], load1: number[]): { text: string; json: object } {
  const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—');
  const lines = [
    `Machine: ${cpus().length} CPUs, ${cpus()[0]?.model}; Node ${process.version}; load average (1/5/15 min) ${load0.map((l) => l.toFixed(2)).join(' / ')} at start, ${load1.map((l) => l.toFixed(2)).join(' / ')} at the end`,
    `${ROUNDS} rounds, modes taking turns; solo: ${SOLO} sequential writes per route, mode and round; mixed: ${SECONDS} s per mode and round.`,
    '',
    'Solo writes (one client, nothing else running): wall time p50 / p95, and the mean of each Server-Timing step (ms)',
    '',
    '| route | invalidator | p50 | p95 | statements | of which xid select | sync delete | syncinv marker | rest (HTTP, JSON, handler) |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const json: Record<string, unknown> = { load0, load1, rounds: ROUNDS, seconds: SECONDS, solo: SOLO, sides: {} };
  for (const route of ROUTES) {
    for (const side of sides) {
      const b = side.solo[route];
      const m = Object.fromEntries(STEPS.map((s) => [s, mean(b.steps[s] ?? [])]));
      const total = mean(b.ms);
      lines.push(
        `| ${route} | ${side.mode} | ${fmt(quantile(b.ms, 0.5))} | ${fmt(quantile(b.ms, 0.95))} | ${fmt(m.db as number)} | ${fmt(m.xid as number)} | ${fmt(m.del as number)} | ${fmt(m.mark as number)} | ${fmt(total - (m.db as number) - (m.del as number) - (m.mark as number))} |`,
      );
    }
  }
  lines.push(
    '',
    'Mixed workload (4 alternating writers, 2 writers on worker 1, 2 readers): every request',
    '',
    '| invalidator | requests/s | p50 | p95 | writes p50 | reads p50 | errors |',
    '|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const side of sides) {
    const x = side.mixed;
    lines.push(
      `| ${side.mode} | ${(x.requests / x.seconds).toFixed(0)} | ${fmt(quantile(x.ms, 0.5))} | ${fmt(quantile(x.ms, 0.95))} | ${fmt(quantile(x.writeMs, 0.5))} | ${fmt(quantile(x.readMs, 0.5))} | ${x.errors} |`,
    );
  }
  const [on, off] = [sides.find((s) => s.mode === 'on'), sides.find((s) => s.mode === 'off')] as [Side, Side];
  const ratio = quantile(on.mixed.ms, 0.5) / quantile(off.mixed.ms, 0.5);
  lines.push('', `p50 on ÷ off: ${ratio.toFixed(2)}× (goal ≤ 1.5×: ${ratio <= 1.5 ? 'met' : 'NOT met'})`, '');
  lines.push('CPU time per request of the mixed phases, by process (ms):', '');
  lines.push('| process | on | off |', '|---|---:|---:|');
  const names = [...new Set(sides.flatMap((s) => Object.keys(s.cpuMs)))].sort();
  for (const name of names) {
    lines.push(
      `| ${name} | ${fmt((on.cpuMs[name] ?? 0) / on.mixed.requests)} | ${fmt((off.cpuMs[name] ?? 0) / off.mixed.requests)} |`,
    );
  }
  for (const side of sides) {
    (json.sides as Record<string, unknown>)[side.mode] = {
      solo: Object.fromEntries(
        ROUTES.map((r) => [
          r,
          {
            p50: quantile(side.solo[r].ms, 0.5),
            p95: quantile(side.solo[r].ms, 0.95),
            meanSteps: Object.fromEntries(STEPS.map((s) => [s, mean(side.solo[r].steps[s] ?? [])])),
          },
        ]),
      ),
      mixed: {
        requestsPerSec: side.mixed.requests / side.mixed.seconds,
        p50: quantile(side.mixed.ms, 0.5),
        p95: quantile(side.mixed.ms, 0.95),
        writesP50: quantile(side.mixed.writeMs, 0.5),
        readsP50: quantile(side.mixed.readMs, 0.5),
        errors: side.mixed.errors,
      },
      cpuMsPerRequest: Object.fromEntries(Object.entries(side.cpuMs).map(([k, v]) => [k, v / side.mixed.requests])),
    };
  }
  json.p50Ratio = ratio;
  return { text: lines.join('\n'), json };
}

async function main(): Promise<void> {
  const sides: Side[] = [];
  try {
    for (const mode of ['on', 'off'] as const) {
      sides.push({
        ...(await startSide(mode)),
        solo: Object.fromEntries(
          ROUTES.map((r) => [r, { ms: [] as number[], steps: {} as Record<string, number[]> }]),
        ) as Side['solo'],
        mixed: { ms: [], writeMs: [], readMs: [], requests: 0, seconds: 0, errors: 0 },
        cpuMs: {},
      });
    }
    const users = new Map<Side, { client: Client; role: string }[]>();
    const solos = new Map<Side, { client: Client; role: string }>();
    for (const side of sides) {
      const u1 = side.service.workerUrls[0] as string;
      users.set(side, await Promise.all(Array.from({ length: 8 }, (_, i) => newUser(u1, String(i)))));
      solos.set(side, await newUser(u1, 'solo'));
    }
    const load0 = loadavg();
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = round % 2 === 0 ? sides : [...sides].reverse();
      for (const side of order) await soloPhase(side, solos.get(side)!, round * SOLO);
      for (const side of order) await mixedPhase(side, users.get(side)!);
      process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
    }
    const { text, json } = report(sides, load0, loadavg());
    console.log(text);
    if (JSON_FILE) writeFileSync(JSON_FILE, `${JSON.stringify(json, null, 2)}\n`);
  } finally {
    for (const side of sides) await stopSide(side);
  }
}

main().catch((error: unknown) => {
  console.error(`bench:write-path: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
