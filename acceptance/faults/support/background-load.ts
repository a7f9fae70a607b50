/**
 * The structured-write-heavy background load of the fault rows (issue 22) and the probe that times the first
 * cache hit after Redis answers again. Load: 4 writers alternating a settings write and a structured-profile write
 * (several section tables: a multi-key commit) between the two workers, 2 writers always on worker 1, 2 readers of
 * settings, profiles and lists — the workload under which a backlog of commits held the fence for 2–13 s. Its users
 * are its own: the rows' stale-read bookkeeping (workload.ts) is not touched. Probe: one user that never writes,
 * reading its settings on each worker every 50 ms, so "first hit after recovery" has a 50 ms resolution.
 */

import { acceptanceEnv } from '../../environment.ts';
import { Client, seg } from '../../support/http.ts';

export interface ProbeSample {
  /** When the answer came (ms since epoch). */
  doneAt: number;
  startedAt: number;
  worker: 1 | 2;
  cache: string | undefined;
}

/** The calibration of the first-hit probe: the no-work liveness route on worker 2, timed between its reads. */
export interface LivenessSample {
  doneAt: number;
  ms: number;
}

export interface BackgroundLoad {
  readonly probes: ProbeSample[];
  readonly liveness: LivenessSample[];
  /** Requests the load made, and how many were writes. */
  readonly requests: number;
  readonly writes: number;
  /** ms from `since` until worker `worker` (or either, when omitted) served a probe read from the cache. */
  firstHitAfter(since: number, worker?: 1 | 2): number | undefined;
  /** p95 (ms) of the liveness calibration answered within [from, to]; undefined without samples. */
  livenessP95(from: number, to: number): number | undefined;
  stop(): Promise<void>;
}

const TIMEOUT_MS = 5_000;
const PROBE_EVERY_MS = 50;

async function newUser(url: string, tag: string): Promise<{ client: Client; role: string }> {
  const name = `bg_${tag}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  const client = new Client(url);
  const reply = await client.register(name, `pw-${name}`);
  if (reply.status !== 200) throw new Error(`register: ${reply.status} ${reply.text.slice(0, 200)}`);
  if (!client.loggedIn) await client.login(name, `pw-${name}`);
  const role = `背景${tag}`;
  const created = await client.send('POST', '/api/characters', { role, source: 'background load' });
  if (created.status !== 200) throw new Error(`create character: ${created.status}`);
  return { client, role };
}

/** `FAULT_BACKGROUND_LOAD=off` runs the rows without it (the lighter workload of the rows before issue 22). */
export function backgroundLoadWanted(env: NodeJS.ProcessEnv = acceptanceEnv()): boolean {
  return (env.FAULT_BACKGROUND_LOAD ?? 'on') !== 'off';
}

export async function startBackgroundLoad(workerUrls: [string, string], withLoad = true): Promise<BackgroundLoad> {
  const probes: ProbeSample[] = [];
  const liveness: LivenessSample[] = [];
  let requests = 0;
  let writes = 0;
  let running = true;
  const send = async (client: Client, method: string, path: string, body?: unknown) => {
    requests += 1;
    if (method !== 'GET') writes += 1;
    return await client.send(method, path, body, TIMEOUT_MS).catch(() => undefined);
  };
  const loops: Promise<void>[] = [];

  const probe = await newUser(workerUrls[0], 'probe');
  for (const worker of [1, 2] as const) {
    const client = probe.client.on(worker === 1 ? workerUrls[0] : workerUrls[1]);
    loops.push(
      (async () => {
        while (running) {
          const startedAt = Date.now();
          const reply = await client.send('GET', '/api/me/settings', undefined, TIMEOUT_MS).catch(() => undefined);
          probes.push({
            startedAt,
            doneAt: Date.now(),
            worker,
            cache: reply?.status === 200 ? reply.cache : undefined,
          });
          if (worker === 2) {
            // the calibration, on the same worker and socket: how long this host takes to answer a request that
            // does no work, in the same window as the first-hit probe
            const liveAt = performance.now();
            const live = await client.send('GET', '/health/live', undefined, TIMEOUT_MS).catch(() => undefined);
            if (live?.status === 200) liveness.push({ doneAt: Date.now(), ms: performance.now() - liveAt });
          }
          await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
        }
      })(),
    );
  }

  if (withLoad) {
    const users = await Promise.all(Array.from({ length: 8 }, (_, i) => newUser(workerUrls[0], String(i))));
    const structured = async (client: Client, role: string, n: number) => {
      const path = `/api/characters/${seg(role)}/structured`;
      // several section tables in one commit: the multi-key transactions of the issue
      return await send(client, 'PUT', path, {
        基础身份信息: { 职业: `职业-${n}`, 年龄: String(20 + (n % 50)) },
        个性与行为设定: { 性格特质: `性格-${n}` },
        对话与交互规范: { 语气: `语气-${n}` },
      });
    };
    users.forEach(({ client, role }, i) => {
      const w1 = client.on(workerUrls[0]);
      const w2 = client.on(workerUrls[1]);
      loops.push(
        (async () => {
          let n = 0;
          while (running) {
            n += 1;
            if (i < 4) {
              // alternating writers: settings and structured, on alternating workers
              const via = n % 2 === 0 ? w1 : w2;
              await send(via, 'PUT', '/api/me/settings', { ctx_max_chat: 50 + (n % 4_900) });
              await structured(n % 4 < 2 ? w2 : w1, role, n);
            } else if (i < 6) {
              // writers always on worker 1
              await send(w1, 'PUT', '/api/me/settings', { ctx_max_chat: 50 + (n % 4_900) });
              await structured(w1, role, n);
            } else {
              // background readers: settings, profile, list, on both workers
              const via = n % 2 === 0 ? w1 : w2;
              await send(via, 'GET', '/api/me/settings');
              await send(via, 'GET', `/api/characters/${seg(role)}/structured`);
              await send(via, 'GET', '/api/characters');
            }
            await new Promise((r) => setTimeout(r, 10));
          }
        })(),
      );
    });
  }

  return {
    probes,
    liveness,
    get requests() {
      return requests;
    },
    get writes() {
      return writes;
    },
    firstHitAfter(since, worker) {
      const hit = probes.find(
        (p) => p.startedAt >= since && p.cache === 'hit' && (worker === undefined || p.worker === worker),
      );
      return hit === undefined ? undefined : hit.doneAt - since;
    },
    livenessP95(from, to) {
      const window = liveness
        .filter((l) => l.doneAt >= from && l.doneAt <= to)
        .map((l) => l.ms)
        .sort((a, b) => a - b);
      if (window.length === 0) return undefined;
      return Math.round(window[Math.min(window.length - 1, Math.floor(window.length * 0.95))]! * 10) / 10;
    },
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}
