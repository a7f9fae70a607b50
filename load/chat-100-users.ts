// The plan's figure: 100 users online, 10 chat messages per user per minute (≈16.7 iterations/s, constant arrival
// rate), each message doing what the app does — settings, character list/id, structured profile, chat POST —
// against the service with its cache on. Short by default (PROFILE=smoke, 60 s); DURATION=10m or PROFILE=average for
// a full run.
//
//   npm run load -- chat-100-users            (starts the local stack and the two-worker service)
//   BASE_URL=http://host:8000 npm run load -- chat-100-users
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
    // The plan: > 90 % of cached reads answered by Redis, and a cached read under 5 ms at p95.
    fastnpc_cache_hit: ['rate>0.9'],
    fastnpc_cached_read_duration: ['p(95)<5'],
    http_req_failed: ['rate<0.01'],
    // A dropped iteration is a message the load generator could not send on time: the rate was not held.
    dropped_iterations: ['count==0'],
  },
};

export function setup(): ChatSetupData {
  return chatSetup('on');
}

export default function (data: ChatSetupData): void {
  chatIteration(data);
}

const writeSummary = summaryWriter('chat-100-users', {
  extra: () => ({ profile: profile.name, duration: profile.duration }),
  loadSeconds: durationSeconds(profile.duration),
});

export function handleSummary(data: SummaryData): { [path: string]: string } {
  return writeSummary(data);
}
