/**
 * The write → cross-worker-read workload of the fault rows. Each user runs rounds in sequence: read its settings on
 * the read worker (must equal the last acknowledged write), write them on the other worker, read again on the read
 * worker (must equal what was just acknowledged), and read its character's memories and list (so every kind of
 * entry is cached). A read that returns an older value than the last acknowledged write is a stale read. The
 * direction alternates every round, so both workers write and both read.
 */
import { Client, seg } from '../../support/http.ts';

export interface RequestSample {
  at: number;
  method: string;
  ms: number;
  status: number;
  cache: string | undefined;
}

export interface StaleRead {
  at: number;
  user: string;
  expected: number;
  got: unknown;
  /** The worker that served the stale read (1 or 2) and its X-Cache (hit, miss, bypass…). */
  via: 1 | 2;
  cache: string | undefined;
  /** The worker that took the acknowledged write, and how long before this read its answer came. */
  ackVia: 1 | 2 | undefined;
  sinceAckMs: number | undefined;
}

/** "expected 54 got 53 (worker 2, cache hit, 12 ms after worker 1 answered the write)": what a diagnosis needs. */
export function describeStaleRead(s: StaleRead): string {
  const write = s.sinceAckMs === undefined ? '' : `, ${s.sinceAckMs} ms after worker ${s.ackVia} answered the write`;
  return `${s.user} expected ${s.expected} got ${String(s.got)} (worker ${s.via}, cache ${s.cache ?? 'unknown'}${write})`;
}

interface Actor {
  name: string;
  role: string;
  w1: Client;
  w2: Client;
  lastAck: number | undefined;
  /** When the last acknowledged write was answered, and by which worker. */
  lastAckAt?: number;
  lastAckVia?: 1 | 2;
  counter: number;
  /** Times at which one whole round went through: all 200 and the read served through the cache. */
  cleanRounds: number[];
  /** Pause between rounds: half the users are slow, so their first read after a fault comes before their next write. */
  pauseMs: number;
}

export interface Workload {
  readonly samples: RequestSample[];
  readonly stale: StaleRead[];
  /**
   * From now on the slow half of the users only read (both workers, alternately): an entry a fault left stale is
   * then never repaired by a later write, so the reads and the final comparison with PostgreSQL find it.
   */
  freezeSlowWriters(): void;
  /** Parks every user between rounds (resolves once all are parked); `resume()` lets them go on. */
  pause(): Promise<void>;
  resume(): void;
  /**
   * While paused: one settings write per user through worker `index` (0 or 1), each becoming that user's last
   * acknowledged value when answered 200 — e.g. writes whose invalidation can only be pending in that worker.
   */
  writeEveryUserVia(index: 0 | 1, options?: { concurrent?: boolean }): Promise<number>;
  /**
   * While paused: one settings read per user through worker `index`, each checked against the user's last
   * acknowledged write (a stale read is recorded like any other). Returns how many were stale.
   */
  readEveryUserVia(index: 0 | 1): Promise<number>;
  /** Time of the first clean round of every user at or after `since` (the last of them), or undefined. */
  recoveredAt(since: number): number | undefined;
  stop(): Promise<void>;
}

const REQUEST_TIMEOUT_MS = 5_000;

export async function startWorkload(workerUrls: [string, string], users = 8): Promise<Workload> {
  const samples: RequestSample[] = [];
  const stale: StaleRead[] = [];
  const actors: Actor[] = [];
  for (let i = 0; i < users; i++) {
    const name = `fault_${Date.now().toString(36)}_${i}_${Math.random().toString(36).slice(2, 6)}`;
    const w1 = new Client(workerUrls[0]);
    const reply = await w1.register(name, `pw-${name}`);
    if (reply.status !== 200) throw new Error(`register: ${reply.status} ${reply.text.slice(0, 200)}`);
    if (!w1.loggedIn) await w1.login(name, `pw-${name}`);
    const role = `角色${i}`;
    const created = await w1.send('POST', '/api/characters', { role, source: 'fault row' });
    if (created.status !== 200) throw new Error(`create character: ${created.status}`);
    actors.push({
      name,
      role,
      w1,
      w2: w1.on(workerUrls[1]),
      lastAck: undefined,
      counter: 0,
      cleanRounds: [],
      pauseMs: i % 2 === 0 ? 10 : 600,
    });
  }
  let running = true;
  let frozen = false;
  let paused: Promise<void> | undefined;
  let release: (() => void) | undefined;
  let parked = 0;

  const call = async (client: Client, method: string, path: string, body?: unknown) => {
    const at = Date.now();
    try {
      const reply = await client.send<{ settings?: { ctx_max_chat?: number } }>(method, path, body, REQUEST_TIMEOUT_MS);
      samples.push({ at, method, ms: reply.ms, status: reply.status, cache: reply.cache });
      return reply;
    } catch {
      samples.push({ at, method, ms: Date.now() - at, status: 0, cache: undefined });
      return undefined;
    }
  };

  const via = (actor: Actor, client: Client): 1 | 2 => (client === actor.w1 ? 1 : 2);
  const check = (actor: Actor, reply: Awaited<ReturnType<typeof call>>, client: Client): boolean => {
    if (reply?.status !== 200) return false;
    const got = reply.body?.settings?.ctx_max_chat;
    if (actor.lastAck !== undefined && got !== actor.lastAck) {
      const at = Date.now();
      stale.push({
        at,
        user: actor.name,
        expected: actor.lastAck,
        got,
        via: via(actor, client),
        cache: reply.cache,
        ackVia: actor.lastAckVia,
        sinceAckMs: actor.lastAckAt === undefined ? undefined : at - actor.lastAckAt,
      });
    }
    return true;
  };
  const acknowledge = (actor: Actor, value: number | undefined, client: Client): void => {
    actor.lastAck = value;
    actor.lastAckAt = value === undefined ? undefined : Date.now();
    actor.lastAckVia = value === undefined ? undefined : via(actor, client);
  };

  const loop = async (actor: Actor): Promise<void> => {
    let round = 0;
    while (running) {
      if (paused) {
        parked += 1;
        await paused;
        parked -= 1;
      }
      round += 1;
      const [writer, reader] = round % 2 === 0 ? [actor.w1, actor.w2] : [actor.w2, actor.w1];
      if (frozen && actor.pauseMs > 100) {
        const a = await call(writer, 'GET', '/api/me/settings');
        const b = await call(reader, 'GET', '/api/me/settings');
        const okA = check(actor, a, writer);
        const okB = check(actor, b, reader);
        const memories = await call(reader, 'GET', `/api/characters/${seg(actor.role)}/memories`);
        const through = (c: string | undefined) => c === 'hit' || c === 'miss';
        if (okA && okB && through(a?.cache) && through(b?.cache) && memories?.status === 200) {
          actor.cleanRounds.push(Date.now());
        }
        await new Promise((r) => setTimeout(r, actor.pauseMs / 2));
        continue;
      }
      // the worker that did not take the last write reads first: a deletion that worker never saw shows here
      const before = await call(writer, 'GET', '/api/me/settings');
      check(actor, before, writer);
      actor.counter += 1;
      const value = 50 + (actor.counter % 4_900);
      const write = await call(writer, 'PUT', '/api/me/settings', { ctx_max_chat: value });
      // an unanswered write may or may not have committed: no expectation until the next acknowledged one
      acknowledge(actor, write?.status === 200 ? value : undefined, writer);
      const after = await call(reader, 'GET', '/api/me/settings');
      const readOk = check(actor, after, reader);
      const memories = await call(reader, 'GET', `/api/characters/${seg(actor.role)}/memories`);
      const list = await call(writer, 'GET', '/api/characters');
      const through = (c: string | undefined) => c === 'hit' || c === 'miss';
      if (
        readOk &&
        write?.status === 200 &&
        through(after?.cache) &&
        memories?.status === 200 &&
        through(memories.cache) &&
        list?.status === 200
      ) {
        actor.cleanRounds.push(Date.now());
      }
      await new Promise((r) => setTimeout(r, actor.pauseMs));
    }
  };
  const loops = actors.map((actor) => loop(actor));

  return {
    samples,
    stale,
    freezeSlowWriters() {
      frozen = true;
    },
    async pause() {
      paused ??= new Promise<void>((resolve) => {
        release = resolve;
      });
      while (parked < actors.length) await new Promise((r) => setTimeout(r, 20));
    },
    resume() {
      release?.();
      paused = undefined;
      release = undefined;
    },
    async writeEveryUserVia(index, options = {}) {
      const writeOne = async (actor: Actor): Promise<boolean> => {
        actor.counter += 1;
        const value = 50 + (actor.counter % 4_900);
        const client = index === 0 ? actor.w1 : actor.w2;
        const reply = await call(client, 'PUT', '/api/me/settings', { ctx_max_chat: value });
        acknowledge(actor, reply?.status === 200 ? value : undefined, client);
        return reply?.status === 200;
      };
      let acknowledged = 0;
      if (options.concurrent) {
        for (const ok of await Promise.all(actors.map(writeOne))) if (ok) acknowledged += 1;
      } else {
        for (const actor of actors) if (await writeOne(actor)) acknowledged += 1;
      }
      return acknowledged;
    },
    async readEveryUserVia(index) {
      const before = stale.length;
      for (const actor of actors) {
        const client = index === 0 ? actor.w1 : actor.w2;
        check(actor, await call(client, 'GET', '/api/me/settings'), client);
      }
      return stale.length - before;
    },
    recoveredAt(since) {
      let latest = since;
      for (const actor of actors) {
        const first = actor.cleanRounds.find((t) => t >= since);
        if (first === undefined) return undefined;
        latest = Math.max(latest, first);
      }
      return latest;
    },
    stop: async () => {
      running = false;
      release?.();
      await Promise.all(loops);
    },
  };
}
