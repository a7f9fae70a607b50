// The chat-100-users workload, unchanged, against a target running with CACHE_MODE=off (every read goes to
// PostgreSQL). Put reports/load-cache-off-baseline.json next to reports/load-chat-100-users.json to state the
// DB-statement reduction (fastnpc.dbStatements.perMinute) and the latency difference (fastnpc.latency) side by side.
//
//   npm run load -- cache-off-baseline        (the runner starts the service with CACHE_MODE=off)
//
// setup() refuses to run when the target answers X-Cache: hit/miss — a "baseline" against a cache-on target would be
// a second cache-on run with a misleading name. Only the thresholds that do not depend on the cache apply here.
import type { Options } from 'k6/options';
import { type ChatSetupData, chatIteration, chatScenario, chatSetup } from './lib/chat.ts';
import { durationSeconds, SUMMARY_TREND_STATS, selectedProfile } from './lib/profiles.ts';
import { type SummaryData, summaryWriter } from './lib/summary.ts';

const profile = selectedProfile();

export const options: Options = {
  scenarios: { chat: chatScenario(profile) },
  setupTimeout: '180s',
  summaryTrendStats: SUMMARY_TREND_STATS,
  thresholds: {
    http_req_failed: ['rate<0.01'],
    dropped_iterations: ['count==0'],
  },
};

export function setup(): ChatSetupData {
  return chatSetup('off');
}

export default function (data: ChatSetupData): void {
  chatIteration(data);
}

const writeSummary = summaryWriter('cache-off-baseline', {
  extra: () => ({ profile: profile.name, duration: profile.duration }),
  loadSeconds: durationSeconds(profile.duration),
});

export function handleSummary(data: SummaryData): { [path: string]: string } {
  return writeSummary(data);
}
