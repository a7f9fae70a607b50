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

/**
 * A past run's duration for this run's rows: the whole run, or — for a partial run (`--only`) — its fixed part (the
 * target's start and stop: the run's duration less its rows' durations) plus the durations of the selected rows.
 */
function durationFor(run: PastRun, selected: ReadonlySet<string> | undefined): number {
  if (!selected) return run.durationMs;
  const rowsMs = (ids?: ReadonlySet<string>): number =>
    run.rows.filter((r) => !ids || ids.has(r.id)).reduce((sum, r) => sum + (r.durationMs ?? 0), 0);
  return Math.max(0, run.durationMs - rowsMs()) + rowsMs(selected);
}

function fromRuns(runs: PastRun[], where: string, selected: ReadonlySet<string> | undefined): Estimate | undefined {
  const durations = runs
    .slice(0, ESTIMATE_RUNS)
    .map((r) => durationFor(r, selected))
    .filter((ms) => ms > 0);
  if (durations.length === 0) return undefined;
  return {
    seconds: Math.round(median(durations) / 1000),
    source: `${selected ? 'the selected rows and the start-up in ' : ''}${durations.length === 1 ? 'the last run' : `median of the last ${durations.length} runs`}${where}`,
  };
}

export function estimateDuration(
  past: PastRun[],
  registrySeconds: number | undefined,
  sameScopeElsewhere: PastRun[] = [],
  /** A partial run's rows (`--only`); undefined for a complete run of the scope. */
  selected?: ReadonlySet<string>,
): Estimate | undefined {
  const estimate =
    fromRuns(past, '', selected) ?? fromRuns(sameScopeElsewhere, ' of this scope on other targets', selected);
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
