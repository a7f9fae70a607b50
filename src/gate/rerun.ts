/**
 * The command that reruns one row alone, shown beside the row in gate.html: `npm run gate -- --only <filter>` with
 * the shortest filter that selects that row's suite and no other (`--only` matches a substring of the file path,
 * src/gate/selection.ts), or the step's name (audit, load).
 */
import { ROWS, type RowDef } from '../../acceptance/rows.ts';

const STEPS = new Set(['audit', 'load']);

function candidates(row: RowDef & { file: string }): string[] {
  const base = row.file.split('/').pop() as string;
  return [row.id, `${row.id.toLowerCase()}-`, `/${row.id.toLowerCase()}-`, base, row.file];
}

/** The --only filter for a row, or undefined when the row is not a step or a suite (the "run" row). */
export function rerunFilter(id: string, rows: ReadonlyArray<RowDef> = ROWS): string | undefined {
  if (STEPS.has(id)) return id;
  const row = rows.find((r) => r.id === id);
  if (!row?.file) return undefined;
  const files = rows.flatMap((r) => (r.file ? [r.file] : []));
  const file = row.file;
  return candidates({ ...row, file }).find((c) => {
    const matched = files.filter((f) => f.includes(c));
    return matched.length === 1 && matched[0] === file;
  });
}

/** `npm run gate -- --only 03`, or undefined for a row that cannot run alone. */
export function rerunCommand(id: string, rows: ReadonlyArray<RowDef> = ROWS): string | undefined {
  const filter = rerunFilter(id, rows);
  return filter === undefined ? undefined : `npm run gate -- --only ${filter}`;
}
