/**
 * The row table of docs/acceptance.md, generated from the registry (acceptance/rows.ts): the doc holds it between
 * `<!-- rows:start -->` and `<!-- rows:end -->`, and test/unit/acceptance/rows.test.ts fails when the two differ.
 * Regenerate with `npx tsx acceptance/rows-table.ts`.
 */
import { resolve } from 'node:path';
import { ROWS, type RowDef } from './rows.ts';

const GATING_TEXT: Record<RowDef['gating'], string> = {
  required: 'required',
  optional: 'optional',
  'required-local': 'required on local',
  'required-on-topology': 'required on its topology',
};

function needsText(row: RowDef): string {
  if (row.targets === 'embedded') return 'embedded targets only';
  if (row.needs.length === 0) return '—';
  return row.needs.map((n) => (n.level === 'required' ? `\`${n.setting}\`` : `(\`${n.setting}\`)`)).join(', ');
}

export function rowTable(): string {
  const lines = [
    '| id | title | kind | scope | gating | must catch (FASTNPC_EMULATE_DEFECTS) | external target needs |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const row of ROWS) {
    const catches = row.catches.map((d) => `\`${d}\``).join(', ') || '—';
    const title = row.title.replaceAll('|', '\\|');
    const scope = row.deployWorkload ? `${row.scope} (short: ${row.deployWorkload})` : row.scope;
    lines.push(
      `| ${row.id} | ${title} | ${row.kind} | ${scope} | ${GATING_TEXT[row.gating]} | ${catches} | ${needsText(row)} |`,
    );
  }
  return lines.join('\n');
}

export const TABLE_START = '<!-- rows:start -->';
export const TABLE_END = '<!-- rows:end -->';

const invokedDirectly = process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (invokedDirectly) process.stdout.write(`${TABLE_START}\n${rowTable()}\n${TABLE_END}\n`);
