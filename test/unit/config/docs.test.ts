// docs/configuration.md's tables are the registries: a variable added, changed or removed without
// `npm run docs:config` fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_PAGE, REGISTRIES, renderedConfigPage } from '../../../scripts/config-docs.ts';
import { markdownTable, renderTables } from '../../../src/config/docs.ts';
import { defineRegistry, variable } from '../../../src/config/registry.ts';

describe('docs/configuration.md', () => {
  it('renders a registry as a table, secrets marked and never a value (control: a stale table is replaced)', () => {
    const r = defineRegistry('demo', {
      DEMO_A: variable.int('the a', { default: 3, min: 1 }),
      DEMO_B: variable.string('the b | c', { secret: true }),
    });
    expect(markdownTable(r)).toBe(
      [
        '| variable | type | default | what it does |',
        '|---|---|---|---|',
        '| `DEMO_A` | integer >= 1 | `3` | the a |',
        '| `DEMO_B` | string (secret) | — | the b \\| c |',
      ].join('\n'),
    );
    const stale = 'x\n<!-- config:demo:start -->\n| old |\n<!-- config:demo:end -->\ny';
    expect(renderTables(stale, [r])).toBe(
      `x\n<!-- config:demo:start -->\n${markdownTable(r)}\n<!-- config:demo:end -->\ny`,
    );
    expect(() => renderTables('no markers', [r])).toThrow(/config:demo:start/);
  });

  it('every program has its table', () => {
    const page = readFileSync(CONFIG_PAGE, 'utf8');
    for (const r of REGISTRIES) expect(page).toContain(`<!-- config:${r.program}:start -->`);
    for (const name of ['FAULT_SERVICE_LOG', 'ACCEPTANCE_REPORTS_DIR', 'PG_BIN_DIR'])
      expect(page).toContain(`\`${name}\``);
  });

  it('the tables match the registries (fix: npm run docs:config)', () => {
    const page = readFileSync(CONFIG_PAGE, 'utf8');
    expect(
      page === renderedConfigPage(page),
      'docs/configuration.md differs from the registries: run npm run docs:config',
    ).toBe(true);
  });
});
