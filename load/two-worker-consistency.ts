// Two workers, one cache: writers change settings through worker 1 (WORKER1_URL), readers read them through
// worker 2 (WORKER2_URL). A stale read is a read that returns older data than a write already acknowledged.
//
// How staleness is made visible: each writer VU owns one seeded user and writes that user's settings `profile` as
// `twc:<run>:<counter>` with a per-VU counter that only goes up. After each acknowledged write (200 {"ok":true}) the
// writer reads the settings back through worker 2; a counter lower than the one just acknowledged is a stale read
// (fastnpc_stale_reads). Before writing, it reads through worker 2 too, so worker 2's cache holds the old value the
// write has to invalidate. Reader VUs read random users through worker 2 at a steady rate — they race the writers'
// invalidations (the stale-set race) and count any value that goes back in time (fastnpc_read_regressions).
//
//   npm run load -- two-worker-consistency
//   WORKER1_URL=http://host:8001 WORKER2_URL=http://host:8002 BASE_URL=http://host:8000 npm run load -- two-worker-consistency
import { check } from 'k6';
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import { getSettings, putSettings } from './lib/api.ts';
import { loginSeededUsers, type Session } from './lib/auth.ts';
import { readRegressions, staleReads } from './lib/metrics.ts';
import { durationSeconds, SUMMARY_TREND_STATS, selectedProfile } from './lib/profiles.ts';
import { type SummaryData, summaryWriter } from './lib/summary.ts';
import { assertTargetUp, envInt, WORKER1_URL, WORKER2_URL } from './lib/target.ts';

const profile = selectedProfile();
const WRITERS = envInt('WRITERS', 10);
const READERS = envInt('READERS', 10);
const WRITE_RATE = envInt('WRITE_RATE', 20);
const READ_RATE = envInt('READ_RATE', 100);
/** Only compare worker numbers when the two URLs are really different workers. */
const DISTINCT_WORKERS = WORKER1_URL !== WORKER2_URL;

export const options: Options = {
  scenarios: {
    // maxVUs = preAllocatedVUs: VU ids stay within 1…WRITERS+READERS, one seeded user per VU id.
    writers: {
      executor: 'constant-arrival-rate',
      exec: 'writer',
      rate: WRITE_RATE,
      timeUnit: '1s',
      duration: profile.duration,
      preAllocatedVUs: WRITERS,
      maxVUs: WRITERS,
    },
    readers: {
      executor: 'constant-arrival-rate',
      exec: 'reader',
      rate: READ_RATE,
      timeUnit: '1s',
      duration: profile.duration,
      preAllocatedVUs: READERS,
      maxVUs: READERS,
    },
  },
  setupTimeout: '120s',
  summaryTrendStats: SUMMARY_TREND_STATS,
  thresholds: {
    fastnpc_stale_reads: ['count==0'],
    fastnpc_read_regressions: ['count==0'],
    http_req_failed: ['rate<0.01'],
    dropped_iterations: ['count==0'],
  },
};

interface ConsistencyData {
  run: string;
  sessions: Session[];
}

export function setup(): ConsistencyData {
  assertTargetUp(WORKER1_URL);
  assertTargetUp(WORKER2_URL);
  // The session cookie is signed with the secret both workers share: a login on worker 1 is valid on worker 2.
  const sessions = loginSeededUsers(WRITERS + READERS, WORKER1_URL);
  return { run: Date.now().toString(36), sessions };
}

/** `twc:<run>:<counter>` → counter, or -1 when the value was not written by this run. */
export function counterOf(profileValue: string | null | undefined, run: string): number {
  const prefix = `twc:${run}:`;
  if (typeof profileValue !== 'string' || !profileValue.startsWith(prefix)) return -1;
  const n = Number(profileValue.slice(prefix.length));
  return Number.isInteger(n) ? n : -1;
}

/** The seeded user this VU owns (VU ids are unique across both scenarios). */
function ownSession(data: ConsistencyData): Session | undefined {
  return data.sessions[(exec.vu.idInTest - 1) % data.sessions.length];
}

// Per-VU state: every VU has its own JS runtime, so these never mix between VUs.
let written = 0;
const lastSeen: { [username: string]: number } = {};

export function writer(data: ConsistencyData): void {
  const session = ownSession(data);
  if (!session) return;
  const tags = { role: 'writer' };
  getSettings(session, tags, WORKER2_URL); // worker 2 caches the current value
  const next = written + 1;
  if (!putSettings(session, { profile: `twc:${data.run}:${next}` }, tags, WORKER1_URL)) return;
  written = next; // acknowledged: from now on no read may return less
  const read = getSettings(session, tags, WORKER2_URL);
  if (!read) return;
  const seen = counterOf(read.settings.profile, data.run);
  if (seen < written) {
    staleReads.add(1, { user: session.username });
    console.warn(`stale read: ${session.username} wrote ${written} via worker 1, worker 2 answered ${seen}`);
  }
  if (DISTINCT_WORKERS && read.worker !== 0) check(read, { 'read-back served by worker 2': (r) => r.worker === 2 });
}

export function reader(data: ConsistencyData): void {
  const session = data.sessions[Math.floor(Math.random() * data.sessions.length)];
  if (!session) return;
  const read = getSettings(session, { role: 'reader' }, WORKER2_URL);
  if (!read) return;
  const seen = counterOf(read.settings.profile, data.run);
  const before = lastSeen[session.username] ?? -1;
  if (seen < before) {
    readRegressions.add(1, { user: session.username });
    console.warn(`read went back in time: ${session.username} was ${before}, worker 2 answered ${seen}`);
  }
  lastSeen[session.username] = Math.max(before, seen);
  if (DISTINCT_WORKERS && read.worker !== 0) check(read, { 'read served by worker 2': (r) => r.worker === 2 });
}

const writeSummary = summaryWriter('two-worker-consistency', {
  extra: () => ({
    writers: WRITERS,
    readers: READERS,
    writeRate: WRITE_RATE,
    readRate: READ_RATE,
    worker1: WORKER1_URL,
    worker2: WORKER2_URL,
  }),
  loadSeconds: durationSeconds(profile.duration),
});

export function handleSummary(data: SummaryData): { [path: string]: string } {
  return writeSummary(data);
}
