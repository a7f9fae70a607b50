/**
 * How long a run will take, said at its start: the median duration of the last complete runs of the same target,
 * topology and scope (reports/runs/), else of the same scope on any target, else the sum of the selected rows'
 * estimates when the registry has them.
 */
import type { PastRun } from './reports/previous.ts';

/** How many earlier runs the median is taken over. */
export const ESTIMATE_RUNS = 5;

export interface Estimate {
  seconds: number;
  /** Where the figure comes from, for the terminal line. */
  source: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function fromRuns(runs: PastRun[], where: string): Estimate | undefined {
  const durations = runs
    .slice(0, ESTIMATE_RUNS)
    .map((r) => r.durationMs)
    .filter((ms) => ms > 0);
  if (durations.length === 0) return undefined;
  return {
    seconds: Math.round(median(durations) / 1000),
    source: `${durations.length === 1 ? 'the last run' : `median of the last ${durations.length} runs`}${where}`,
  };
}

export function estimateDuration(
  past: PastRun[],
  registrySeconds: number | undefined,
  sameScopeElsewhere: PastRun[] = [],
): Estimate | undefined {
  const estimate = fromRuns(past, '') ?? fromRuns(sameScopeElsewhere, ' of this scope on other targets');
  if (estimate) return estimate;
  if (registrySeconds !== undefined && registrySeconds > 0) {
    return { seconds: Math.round(registrySeconds), source: "the rows' estimates (no earlier run)" };
  }
  return undefined;
}

/** 95 → "1 min 35 s"; 40 → "40 s". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const rest = s % 60;
  return `${Math.floor(s / 60)} min${rest ? ` ${rest} s` : ''}`;
}
