// The two sides of the invalidator benchmarks (bench:write-path, bench:pg-restart): the two-worker service with
// FASTNPC_INVALIDATOR=on and =off, each on its own private PostgreSQL and redis-server (a slot and REPLICA IDENTITY
// FULL are per database: a shared one would charge the control too), the users of the fault rows' mixed workload,
// and the CPU time of each side's processes from /proc.
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { Client, type Reply, seg } from '../acceptance/support/http.ts';
import { type StartedService, startService } from '../src/service/cluster.ts';
import { privateRedisPassword, type StartedLocalStack, startLocalStack } from '../src/stack/index.ts';

export type Mode = 'on' | 'off';

export interface ServiceSide {
  mode: Mode;
  stack: StartedLocalStack;
  service: StartedService;
  /** pids whose process trees make up this side (service primary, postmaster, redis-server). */
  roots: { service: number; postgres: number; redis: number };
}

// ── CPU time per process tree, from /proc (Linux) ──
const TICK_MS = 10; // USER_HZ = 100 on Linux
function procTable(): Map<number, { ppid: number; cpuMs: number; name: string }> {
  const table = new Map<number, { ppid: number; cpuMs: number; name: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const name = cmdline.includes('invalidator/cli.ts')
        ? 'invalidator'
        : comm === 'node'
          ? 'service (primary + workers)'
          : comm === 'redis-server'
            ? 'redis-server'
            : /walsender|START_REPLICATION/.test(cmdline)
              ? 'postgres walsender'
              : 'postgres (backends, writers)';
      table.set(Number(entry), {
        ppid: Number(fields[1]),
        cpuMs: (Number(fields[11]) + Number(fields[12])) * TICK_MS,
        name,
      });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}
export function cpuByName(roots: number[]): Record<string, number> {
  const table = procTable();
  const out: Record<string, number> = {};
  const visit = (pid: number): void => {
    const p = table.get(pid);
    if (!p) return;
    out[p.name] = (out[p.name] ?? 0) + p.cpuMs;
    for (const [child, q] of table) if (q.ppid === pid) visit(child);
  };
  for (const root of roots) visit(root);
  return out;
}

async function postmasterPid(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const stat = readFileSync(`/proc/${rows[0]?.pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } finally {
    await client.end();
  }
}

/** The service with the invalidator `mode` on its own private stack (Server-Timing on). */
export async function startSide(mode: Mode): Promise<ServiceSide> {
  const stack = await startLocalStack({
    redis: true,
    postgres: true,
    redisServer: { password: privateRedisPassword() },
  });
  const service = await startService({
    databaseUrl: stack.databaseUrl,
    redisUrl: stack.redisUrl,
    seed: { users: 2, characters: 2, memories: 2 },
    startTimeoutMs: 150_000,
    env: {
      LOG_LEVEL: 'warn',
      FASTNPC_INVALIDATOR: mode,
      FASTNPC_SERVER_TIMING: 'on',
      // a shared 2-core machine: the production 100 ms would open breakers without a fault (as the fault rows)
      CACHE_COMMAND_TIMEOUT_MS: '250',
    },
  });
  return {
    mode,
    stack,
    service,
    roots: {
      service: service.pid,
      postgres: await postmasterPid(stack.databaseUrl),
      redis: stack.redis?.pid() ?? 0,
    },
  };
}

export async function stopSide(side: ServiceSide): Promise<void> {
  await side.service.stop().catch(() => {});
  await side.stack.stop().catch(() => {});
}

export async function newUser(url: string, tag: string): Promise<{ client: Client; role: string }> {
  const name = `wp_${tag}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  const client = new Client(url);
  const reply = await client.register(name, `pw-${name}`);
  if (reply.status !== 200) throw new Error(`register: ${reply.status} ${reply.text.slice(0, 200)}`);
  if (!client.loggedIn) await client.login(name, `pw-${name}`);
  const role = `写路径${tag}`;
  const created = await client.send('POST', '/api/characters', { role, source: 'bench' });
  if (created.status !== 200) throw new Error(`create character: ${created.status}`);
  return { client, role };
}

export const structuredBody = (n: number) => ({
  基础身份信息: { 职业: `职业-${n}`, 年龄: String(20 + (n % 50)) },
  个性与行为设定: { 性格特质: `性格-${n}` },
  对话与交互规范: { 语气: `语气-${n}` },
});

/**
 * The fault rows' mixed workload (acceptance/faults/support/background-load.ts) on `side` with 8 users made by
 * newUser: 4 writers alternating settings/structured writes between the workers, 2 writers on worker 1, 2 readers
 * of settings, profile and list. `onReply` sees every answer (undefined: no answer within 5 s).
 */
export function startMixedLoad(
  side: ServiceSide,
  users: { client: Client; role: string }[],
  onReply: (reply: Reply | undefined, write: boolean, at: number) => void,
): { stop(): Promise<void> } {
  const [u1, u2] = side.service.workerUrls as [string, string];
  let running = true;
  const send = async (c: Client, method: string, path: string, body?: unknown) =>
    onReply(await c.send(method, path, body, 5_000).catch(() => undefined), method !== 'GET', performance.now());
  const loops = users.map(async ({ client, role }, i) => {
    const w1 = client.on(u1);
    const w2 = client.on(u2);
    const structured = `/api/characters/${seg(role)}/structured`;
    let n = 0;
    while (running) {
      n += 1;
      if (i < 4) {
        await send(n % 2 === 0 ? w1 : w2, 'PUT', '/api/me/settings', { ctx_max_chat: 50 + (n % 4_900) });
        await send(n % 4 < 2 ? w2 : w1, 'PUT', structured, structuredBody(n));
      } else if (i < 6) {
        await send(w1, 'PUT', '/api/me/settings', { ctx_max_chat: 50 + (n % 4_900) });
        await send(w1, 'PUT', structured, structuredBody(n));
      } else {
        const via = n % 2 === 0 ? w1 : w2;
        await send(via, 'GET', '/api/me/settings');
        await send(via, 'GET', structured);
        await send(via, 'GET', '/api/characters');
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}
