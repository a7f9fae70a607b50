/** Finds the newest earlier finished run on the same target (its gate.json), for the comparison. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VerdictRow } from '../verdict.ts';
import { earlierRuns, RUNS } from './run-dir.ts';

export interface PreviousRun {
  name: string;
  commit: string;
  rows: VerdictRow[];
}

export function previousRunOn(root: string, targetKey: string, except: string): PreviousRun | undefined {
  for (const name of earlierRuns(root, except)) {
    try {
      const json = JSON.parse(readFileSync(join(root, RUNS, name, 'gate.json'), 'utf8')) as {
        rows?: VerdictRow[];
        metadata?: { targetKey?: string; commit?: string };
      };
      if (json.metadata?.targetKey !== targetKey || !Array.isArray(json.rows)) continue;
      return { name, commit: json.metadata.commit ?? 'unknown', rows: json.rows };
    } catch {
      // a run without a readable gate.json is not comparable
    }
  }
  return undefined;
}
