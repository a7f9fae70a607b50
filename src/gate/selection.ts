/**
 * What a run judges. Without `--only`: the rows of its scope (acceptance/rows.ts; `deploy` hands vitest the files of
 * the deploy-scope rows, `full` every acceptance file). With `--only`: acceptance files (vitest's filter: a substring
 * of the file path, e.g. "03", "regressions", "r7-"), from any scope, and the two steps that are not files, "audit"
 * and "load". Only the selected rows are run and judged; a filter that selects nothing is a usage error, so a typo
 * cannot pass an empty gate.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { inScope, ROWS, type Scope } from '../../acceptance/rows.ts';
import { UsageError } from './args.ts';
import { idOfFile } from './verdict.ts';

export interface Selection {
  /** undefined = every row. */
  ids: ReadonlySet<string> | undefined;
  /** Filters handed to vitest ([] = every acceptance file). */
  vitestFilters: string[];
  audit: boolean;
  acceptance: boolean;
  load: boolean;
}

const STEPS = ['audit', 'load'] as const;

/** The acceptance test files, relative to the repository root (acceptance/**\/*.test.ts). */
export function acceptanceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.test.ts')) out.push(relative(root, path));
    }
  };
  walk(join(root, 'acceptance'));
  return out.sort();
}

export function selectRows(filters: readonly string[], files: readonly string[], scope: Scope = 'full'): Selection {
  if (filters.length === 0) {
    if (scope === 'full') return { ids: undefined, vitestFilters: [], audit: true, acceptance: true, load: true };
    const rows = ROWS.filter((r) => inScope(r, scope));
    return {
      ids: new Set(rows.map((r) => r.id)),
      vitestFilters: rows.flatMap((r) => (r.file && files.includes(r.file) ? [r.file] : [])),
      audit: rows.some((r) => r.id === 'audit'),
      acceptance: true,
      load: rows.some((r) => r.id === 'load'),
    };
  }
  const ids = new Set<string>();
  const vitestFilters: string[] = [];
  for (const filter of filters) {
    if ((STEPS as readonly string[]).includes(filter)) {
      ids.add(filter);
      continue;
    }
    const matched = files.filter((f) => f.includes(filter));
    const matchedIds = matched.map(idOfFile).filter((id): id is string => id !== undefined);
    if (matchedIds.length === 0) {
      throw new UsageError(`--only ${filter}: matches no acceptance file and is not a step (${STEPS.join(', ')})`);
    }
    for (const id of matchedIds) ids.add(id);
    vitestFilters.push(filter);
  }
  return {
    ids,
    vitestFilters,
    audit: ids.has('audit'),
    acceptance: vitestFilters.length > 0,
    load: ids.has('load'),
  };
}
