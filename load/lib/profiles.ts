// Load profiles shared by every scenario (quickpizza style): PROFILE=smoke|average|stress picks one; DURATION and
// STAGE_DURATION override its times. smoke is what CI runs; average is the plan's figure held long enough to trust
// the percentiles; stress multiplies the plan's arrival rates to find the edge.
import { envDuration } from './target.ts';

export interface LoadProfile {
  readonly name: 'smoke' | 'average' | 'stress';
  /** How long a constant-rate scenario runs. */
  readonly duration: string;
  /** Multiplier on the plan's arrival rates (1 = 100 users × 10 messages/min). */
  readonly rateFactor: number;
  /** How long each step of the cached-reads ladder holds its rate. */
  readonly stageDuration: string;
}

export const PROFILES: Readonly<Record<LoadProfile['name'], LoadProfile>> = {
  smoke: { name: 'smoke', duration: '60s', rateFactor: 1, stageDuration: '10s' },
  average: { name: 'average', duration: '10m', rateFactor: 1, stageDuration: '30s' },
  stress: { name: 'stress', duration: '10m', rateFactor: 3, stageDuration: '60s' },
};

/** Trend statistics every summary carries (p50 = med; count for request totals). */
export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'];

/** The profile chosen by PROFILE (default smoke), with DURATION / STAGE_DURATION applied. */
export function selectedProfile(): LoadProfile {
  const name = (__ENV.PROFILE || 'smoke') as LoadProfile['name'];
  const base = PROFILES[name];
  if (!base) throw new Error(`PROFILE must be one of ${Object.keys(PROFILES).join(', ')}, got '${name}'`);
  return {
    ...base,
    duration: envDuration('DURATION', base.duration),
    stageDuration: envDuration('STAGE_DURATION', base.stageDuration),
  };
}

/** Parses a k6 duration ('1m30s', '500ms') into seconds, for computing start times of consecutive scenarios. */
export function durationSeconds(duration: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
  let total = 0;
  const re = /(\d+)(ms|s|m|h)/g;
  for (let m = re.exec(duration); m !== null; m = re.exec(duration)) total += Number(m[1]) * (units[m[2] ?? 's'] ?? 1);
  return total;
}
