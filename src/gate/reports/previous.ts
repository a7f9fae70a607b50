/**
 * Earlier complete runs of the same kind as this one (same target, topology and scope), newest first, read from
 * their gate.json: the newest is "the previous run" of the comparison, the last few give the trend of each figure
 * and the expected duration. A partial run (`--only`) or an interrupted one is never among them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VerdictRow } from '../verdict.ts';
import { earlierRuns, RUNS } from './run-dir.ts';

/** What makes two runs comparable. */
export interface RunKey {
  /** The kind for embedded targets (ports change per run), kind + masked URL for external ones. */
  targetKey: string;
  topology: string;
  scope: string;
}

export interface PastRun {
  name: string;
  commit: string;
  rows: VerdictRow[];
  durationMs: number;
  startedAt: string;
}

/** Runs written before scopes existed ran every row: today's full scope. */
const SCOPE_BEFORE_SCOPES = 'full';

interface StoredRun {
  rows?: VerdictRow[];
  only?: string[];
  durationMs?: number;
  startedAt?: string;
  metadata?: { targetKey?: string; commit?: string; topology?: string; scope?: string; complete?: boolean };
}

/** A complete run: says so, or (written before the flag existed) was not limited by --only. */
function isComplete(run: StoredRun): boolean {
  if (run.metadata?.complete !== undefined) return run.metadata.complete;
  return !run.only || run.only.length === 0;
}

export function sameKey(run: StoredRun, key: RunKey): boolean {
  return (
    run.metadata?.targetKey === key.targetKey &&
    (run.metadata.topology ?? 'single') === key.topology &&
    (run.metadata.scope ?? SCOPE_BEFORE_SCOPES) === key.scope
  );
}

/**
 * Up to `limit` earlier complete runs with this key, newest first (`except`: this run's own name); `scopeOnly`: any
 * target and topology, the same scope (for a duration estimate when this target has no run yet).
 */
export function pastRuns(root: string, key: RunKey, except: string, limit = 10, scopeOnly = false): PastRun[] {
  const out: PastRun[] = [];
  for (const name of earlierRuns(root, except)) {
    if (out.length >= limit) break;
    let json: StoredRun;
    try {
      json = JSON.parse(readFileSync(join(root, RUNS, name, 'gate.json'), 'utf8')) as StoredRun;
    } catch {
      continue; // a run without a readable gate.json is not comparable
    }
    const matches = scopeOnly ? (json.metadata?.scope ?? SCOPE_BEFORE_SCOPES) === key.scope : sameKey(json, key);
    if (!Array.isArray(json.rows) || !isComplete(json) || !matches) continue;
    out.push({
      name,
      commit: json.metadata?.commit ?? 'unknown',
      rows: json.rows,
      durationMs: json.durationMs ?? 0,
      startedAt: json.startedAt ?? '',
    });
  }
  return out;
}

/** The newest earlier complete run with this key. */
export function previousRunOn(root: string, key: RunKey, except: string): PastRun | undefined {
  return pastRuns(root, key, except, 1)[0];
}
