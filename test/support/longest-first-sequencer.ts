/**
 * Longest file first within each group of files that run side by side, from the durations of the last run
 * (reports/tests/durations.json) or, in a clean clone, those kept in test/support/durations-baseline.json. vitest's
 * own order in a clean clone (no results cache) is projects by name, then larger files first: a long but short file
 * (a gate run, a systemd host) could start last and run alone at the end while the other workers sit idle. Files with
 * no known duration keep vitest's order, after the known ones that take longer than a few seconds.
 */
import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { DURATIONS_FILE, type FileDuration } from './durations-reporter.ts';

export const BASELINE_FILE = resolve(import.meta.dirname, 'durations-baseline.json');

/**
 * `project:file` → ms (tests + setup), from the first of `runs` that exists and parses, then `baseline`. A run of one
 * file or a few (`npx vitest run <file>`) says little about the others: a run counts from 50 files on.
 */
export function knownDurations(runs: string[] = [DURATIONS_FILE], baseline = BASELINE_FILE): Map<string, number> {
  for (const file of [...runs, baseline]) {
    if (!existsSync(file)) continue;
    try {
      const { files: rows } = JSON.parse(readFileSync(file, 'utf8')) as { files: FileDuration[] };
      if (file !== baseline && rows.length < 50) continue;
      return new Map(rows.map((r) => [`${r.project}:${r.file}`, r.ms + r.setupMs]));
    } catch {}
  }
  return new Map();
}

/** Stable: groups (sequence.groupOrder) keep their order, and within one the longest known file goes first. */
export function longestFirst<T>(
  specs: T[],
  groupOf: (spec: T) => number,
  keyOf: (spec: T) => string,
  known: Map<string, number>,
): T[] {
  return specs
    .map((spec, index) => ({ spec, index, group: groupOf(spec), ms: known.get(keyOf(spec)) ?? 0 }))
    .sort((a, b) => a.group - b.group || b.ms - a.ms || a.index - b.index)
    .map((x) => x.spec);
}

export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    return longestFirst(
      await super.sort(files),
      (spec) => spec.project.config.sequence.groupOrder,
      (spec) => `${spec.project.name}:${relative(root, spec.moduleId)}`,
      knownDurations(),
    );
  }
}
