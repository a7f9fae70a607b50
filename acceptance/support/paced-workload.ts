/**
 * The plan's chat workload at the plan's rate, in (optionally) scaled time: every user sends one message per
 * `intervalMs` (the plan: 10 per minute = one per 6 s; at time scale s one per 6/s s, with the service's TTLs divided
 * by the same s), users' schedules spread evenly over one interval. Open loop per user: a message is sent at its
 * scheduled time, or as soon as the user's previous reply came when the service falls behind (its lateness is
 * reported; a slower pace only lowers the hit rate, so a late run is never flattered).
 */
import { type Reply, seg } from './http.ts';
import { sleep } from './stats.ts';
import { bucketHitRate, countOutcomes, type OutcomeBucket, type Session } from './workload.ts';

export interface PacedOptions {
  /** Time between two messages of one user (real milliseconds). */
  intervalMs: number;
  messagesPerUser: number;
  /** Re-targets the sessions (e.g. at a twin with the same session secret). */
  base?: string;
  /** Width of one point of the hit-rate series (real ms). @default intervalMs × 10 (one plan minute) */
  slotMs?: number;
}

export interface PacedResult {
  messages: number;
  failed: number;
  durationMs: number;
  /**
   * The window the run covered: until one interval after the last message was sent (each message stands for its
   * user's interval), so a run that kept the pace spans exactly messages × interval.
   */
  windowMs: number;
  latencies: number[];
  /** How late each message was sent against its schedule, ms. */
  lateness: number[];
  /** Entry reads seen in X-Cache-Detail (extra; undefined outcome counts when the target sends none). */
  entryHits: number;
  entryMisses: number;
  /** [slot number (1-based), hit rate %] per slot, from X-Cache-Detail (empty when the target sends none). */
  hitRateSeries: Array<[number, number]>;
  errors: string[];
}

export async function pacedChatWorkload(sessions: Session[], o: PacedOptions): Promise<PacedResult> {
  const result: PacedResult = {
    messages: 0,
    failed: 0,
    durationMs: 0,
    windowMs: 0,
    latencies: [],
    lateness: [],
    entryHits: 0,
    entryMisses: 0,
    hitRateSeries: [],
    errors: [],
  };
  const slotMs = o.slotMs ?? o.intervalMs * 10;
  const slots = new Map<number, OutcomeBucket>();
  const fail = (text: string): void => {
    result.failed++;
    if (result.errors.length < 5) result.errors.push(text);
  };
  const started = performance.now();
  await Promise.all(
    sessions.map(async (session, u) => {
      const client = o.base ? session.client.on(o.base) : session.client;
      const phase = (u / sessions.length) * o.intervalMs;
      for (let m = 0; m < o.messagesPerUser; m++) {
        const due = started + phase + m * o.intervalMs;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const sentAt = performance.now();
        result.lateness.push(Math.max(0, sentAt - due));
        result.windowMs = Math.max(result.windowMs, sentAt + o.intervalMs - started);
        result.messages++;
        try {
          const reply: Reply = await client.post(`/api/chat/${seg(session.role)}/messages`, {
            content: `paced message ${m} from user ${u}: 你好，今天过得怎么样？`,
          });
          if (reply.status !== 200) {
            fail(`${reply.status} ${reply.text.slice(0, 120)}`);
            continue;
          }
          result.latencies.push(reply.ms);
          const slot = Math.floor((performance.now() - started) / slotMs) + 1;
          const bucket = slots.get(slot) ?? { hit: 0, miss: 0 };
          countOutcomes(reply, result, bucket);
          slots.set(slot, bucket);
        } catch (error) {
          fail((error as Error).message);
        }
      }
    }),
  );
  result.durationMs = performance.now() - started;
  result.hitRateSeries = [...slots.entries()]
    .filter(([, b]) => b.hit + b.miss > 0)
    .sort((a, b) => a[0] - b[0])
    .map(([slot, b]) => [slot, bucketHitRate(b)]);
  return result;
}
