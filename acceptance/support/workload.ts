/**
 * The plan's workload: users online sending chat messages (each message reads settings, character id and profile,
 * inserts the message, lists the recent ones, replies, inserts the reply). 100 users, each chatting with one of
 * their characters, closed loop (each user sends its next message when the reply came).
 */
import type { TargetUser } from '../target/index.ts';
import { Client, type Reply, seg } from './http.ts';
import { pool } from './stats.ts';

/** Messages in flight at once (of all users together). */
export const DEFAULT_IN_FLIGHT = 8;

function semaphore(limit: number): () => Promise<() => void> {
  let active = 0;
  const waiting: Array<() => void> = [];
  const release = (): void => {
    active--;
    const next = waiting.shift();
    if (next) {
      active++;
      next();
    }
  };
  return async () => {
    if (active < limit) {
      active++;
      return release;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
    return release;
  };
}

/** Width of one point of the hit-rate series. */
const SLOT_MS = 500;

/** Entry reads of one time slot of a workload, by outcome. */
export interface OutcomeBucket {
  hit: number;
  miss: number;
}

/**
 * Counts the per-entry cache outcomes of one reply (X-Cache-Detail) into the run's totals and the slot's bucket;
 * anything but hit or miss counts as a bypass where the totals keep one.
 */
export function countOutcomes(
  reply: Reply,
  totals: { entryHits: number; entryMisses: number; entryBypass?: number },
  bucket: OutcomeBucket,
): number {
  const outcomes = Object.values(reply.cacheDetail);
  for (const outcome of outcomes) {
    if (outcome === 'hit') {
      totals.entryHits++;
      bucket.hit++;
    } else if (outcome === 'miss') {
      totals.entryMisses++;
      bucket.miss++;
    } else if (totals.entryBypass !== undefined) totals.entryBypass++;
  }
  return outcomes.length;
}

/** Hit rate of a bucket in %, two decimals. */
export function bucketHitRate(bucket: OutcomeBucket): number {
  return Math.round((bucket.hit / (bucket.hit + bucket.miss)) * 10_000) / 100;
}

export interface Session {
  client: Client;
  role: string;
}

/** Logs every user in once (scrypt makes logins slow: a few in parallel). */
export async function loginAll(base: string, users: TargetUser[], concurrency = 8): Promise<Session[]> {
  const sessions: Session[] = new Array(users.length);
  await pool(users.length, concurrency, async (i) => {
    const user = users[i] as TargetUser;
    const client = new Client(base);
    await client.login(user.username, user.password);
    const role = user.characters[0];
    if (!role) throw new Error(`user ${user.username} has no character`);
    sessions[i] = { client, role };
  });
  return sessions;
}

export interface WorkloadResult {
  messages: number;
  failed: number;
  durationMs: number;
  /** Entry reads seen in X-Cache-Detail. */
  entryHits: number;
  entryMisses: number;
  entryBypass: number;
  /** Sum of X-DB-Queries. */
  dbQueries: number;
  /** Whether the target sent X-Cache-Detail / X-DB-Queries at all. */
  headers: boolean;
  latencies: number[];
  /** [seconds, hit rate %] per half second of the run (entry reads of replies finished in that slot). */
  hitRateSeries: Array<[number, number]>;
  /** [seconds, hit rate %] cumulative since the start. */
  cumulativeHitRate: Array<[number, number]>;
  errors: string[];
}

/**
 * Every session sends `messagesPerUser` messages, one after the other; all sessions run at once.
 * `base` (optional) re-targets the sessions (e.g. at a cache-off twin with the same session secret).
 */
export async function chatWorkload(
  sessions: Session[],
  messagesPerUser: number,
  options: { base?: string; concurrency?: number; beforeEach?: (session: number) => Promise<void> } = {},
): Promise<WorkloadResult> {
  const started = performance.now();
  // 100 users online do not all send at the same instant (the plan: 10 messages per user per minute): at most
  // `concurrency` messages are in flight, which keeps the run short without turning it into a stress test.
  const gate = semaphore(options.concurrency ?? DEFAULT_IN_FLIGHT);
  const buckets = new Map<number, OutcomeBucket>();
  const result: WorkloadResult = {
    messages: 0,
    failed: 0,
    durationMs: 0,
    entryHits: 0,
    entryMisses: 0,
    entryBypass: 0,
    dbQueries: 0,
    headers: false,
    latencies: [],
    hitRateSeries: [],
    cumulativeHitRate: [],
    errors: [],
  };
  const account = (reply: Reply): void => {
    result.messages++;
    if (reply.status !== 200) {
      result.failed++;
      if (result.errors.length < 5) result.errors.push(`${reply.status} ${reply.text.slice(0, 120)}`);
      return;
    }
    result.latencies.push(reply.ms);
    if (reply.dbQueries !== undefined) result.dbQueries += reply.dbQueries;
    const second = Math.floor((performance.now() - started) / SLOT_MS);
    const bucket = buckets.get(second) ?? { hit: 0, miss: 0 };
    if (countOutcomes(reply, result, bucket) > 0) result.headers = true;
    buckets.set(second, bucket);
  };
  await Promise.all(
    sessions.map(async (session, u) => {
      const client = options.base ? session.client.on(options.base) : session.client;
      for (let m = 0; m < messagesPerUser; m++) {
        const release = await gate();
        try {
          // e.g. the uncached baseline of criterion 9 deletes the user's entries before each message
          await options.beforeEach?.(u);
          const reply = await client.post(`/api/chat/${seg(session.role)}/messages`, {
            content: `message ${m} from user ${u}: 你好，今天过得怎么样？`,
          });
          account(reply);
        } catch (error) {
          result.messages++;
          result.failed++;
          if (result.errors.length < 5) result.errors.push((error as Error).message);
        } finally {
          release();
        }
      }
    }),
  );
  result.durationMs = performance.now() - started;
  const slots = [...buckets.entries()].sort((a, b) => a[0] - b[0]).filter(([, b]) => b.hit + b.miss > 0);
  result.hitRateSeries = slots.map(([s, b]) => [((s + 1) * SLOT_MS) / 1000, bucketHitRate(b)]);
  let hit = 0;
  let miss = 0;
  result.cumulativeHitRate = slots.map(([s, b]) => {
    hit += b.hit;
    miss += b.miss;
    return [((s + 1) * SLOT_MS) / 1000, bucketHitRate({ hit, miss })];
  });
  return result;
}
