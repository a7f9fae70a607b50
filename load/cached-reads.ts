// The cached endpoints (settings, character list, structured profile) at rising arrival rates: one
// constant-arrival-rate scenario per rung of the ladder, run one after another (startTime), each tagging its samples
// `stage:<scenario>`. handleSummary reports, per rung, p95 / dropped iterations / failures, and the highest rate that
// still kept p95 < 5 ms (fastnpc.extra.highestRateUnderCeiling in reports/load-cached-reads.json).
//
// Pass/fail: the lowest rung must meet the ceiling (p95 < 5 ms, nothing dropped) — the rungs above it exist to find
// the edge, so they are observed, not enforced. Hit rate > 0.9 and failed requests < 1 % hold for the whole run.
//
//   RATES=50,100,200,400,800 STAGE_DURATION=10s npm run load -- cached-reads
import exec from 'k6/execution';
import type { Options, Scenario } from 'k6/options';
import { getProfile, getSettings, listCharacters } from './lib/api.ts';
import { type ChatSetupData, chatSetup } from './lib/chat.ts';
import { durationSeconds, SUMMARY_TREND_STATS, selectedProfile } from './lib/profiles.ts';
import { type SummaryData, summaryWriter } from './lib/summary.ts';

/** The plan's ceiling for a cached read, in ms. */
export const CEILING_P95_MS = 5;
/** Pause between rungs so one rung's tail does not land in the next. */
const GAP_SECONDS = 3;

const profile = selectedProfile();
const rates = (__ENV.RATES || '50,100,200,400,800,1600')
  .split(',')
  .map((r) => Number(r.trim()))
  .filter((r) => Number.isInteger(r) && r > 0)
  .map((r) => Math.round(r * profile.rateFactor));
if (rates.length === 0) throw new Error(`RATES must list positive integers (requests/s), got '${__ENV.RATES}'`);

/** Scenario name of a rung: rate_0050, rate_0400 … (sortable, and usable as a tag value). */
export function stageName(rate: number): string {
  return `rate_${String(rate).padStart(4, '0')}`;
}

const stageSeconds = durationSeconds(profile.stageDuration);
const scenarios: { [name: string]: Scenario } = {};
const thresholds: { [name: string]: string[] } = {
  fastnpc_cache_hit: ['rate>0.9'],
  http_req_failed: ['rate<0.01'],
};
rates.forEach((rate, i) => {
  const name = stageName(rate);
  scenarios[name] = {
    executor: 'constant-arrival-rate',
    exec: 'cachedRead',
    rate,
    timeUnit: '1s',
    duration: profile.stageDuration,
    startTime: `${i * (stageSeconds + GAP_SECONDS)}s`,
    // A cached read takes ~1 ms: rate/100 VUs keep up; maxVUs lets k6 add some when the service slows down.
    preAllocatedVUs: Math.max(5, Math.ceil(rate / 100)),
    maxVUs: Math.max(20, Math.ceil(rate / 20)),
    gracefulStop: '2s',
    tags: { stage: name },
  };
  const enforce = i === 0;
  // Thresholds on tagged sub-metrics also make k6 keep them in the summary data, which handleSummary reads.
  thresholds[`fastnpc_cached_read_duration{stage:${name}}`] = [enforce ? `p(95)<${CEILING_P95_MS}` : 'max>=0'];
  thresholds[`dropped_iterations{scenario:${name}}`] = [enforce ? 'count==0' : 'count>=0'];
  thresholds[`http_req_failed{scenario:${name}}`] = ['rate>=0'];
});

export const options: Options = {
  scenarios,
  setupTimeout: '180s',
  summaryTrendStats: SUMMARY_TREND_STATS,
  thresholds,
};

export function setup(): ChatSetupData {
  return chatSetup('on');
}

/** One read of one cached endpoint; endpoints and users rotate with the iteration number. */
export function cachedRead(data: ChatSetupData): void {
  const n = exec.scenario.iterationInTest;
  const session = data.sessions[n % data.sessions.length];
  if (!session) return;
  const tags = { stage: exec.scenario.name };
  switch (Math.floor(n / data.sessions.length) % 3) {
    case 0:
      getSettings(session, tags);
      break;
    case 1:
      listCharacters(session, tags);
      break;
    default:
      getProfile(session, session.roles[n % session.roles.length] ?? '', tags);
  }
}

/** Per rung: p95, dropped iterations, failure rate, and whether it met the ceiling. */
export function ladder(data: SummaryData) {
  const rungs = rates.map((rate) => {
    const name = stageName(rate);
    const p95 = data.metrics[`fastnpc_cached_read_duration{stage:${name}}`]?.values['p(95)'] ?? null;
    const dropped = data.metrics[`dropped_iterations{scenario:${name}}`]?.values.count ?? 0;
    const failed = data.metrics[`http_req_failed{scenario:${name}}`]?.values.rate ?? 0;
    const ok = p95 !== null && p95 < CEILING_P95_MS && dropped === 0 && failed < 0.01;
    return { rate, stage: name, p95, dropped, failedRate: failed, ok };
  });
  let highest: number | null = null;
  for (const rung of rungs) {
    if (!rung.ok) break; // the edge is the last rung before the first one that missed
    highest = rung.rate;
  }
  return {
    ceilingP95Ms: CEILING_P95_MS,
    stageDuration: profile.stageDuration,
    rungs,
    highestRateUnderCeiling: highest,
  };
}

const writeSummary = summaryWriter('cached-reads', { extra: ladder, loadSeconds: rates.length * stageSeconds });

export function handleSummary(data: SummaryData): { [path: string]: string } {
  return writeSummary(data);
}
