// The docs' code samples are the regions of the tests that run them (scripts/snippets.ts): every marked block of
// README.md and docs/ holds its region, every marker names a file and region that exist, and no TypeScript sample is
// written by hand.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FIX_COMMAND, runSnippets } from '../../scripts/docs-snippets.ts';
import { docPages, fillPage, importsUsedBy, regionOf, repoReader } from '../../scripts/snippets.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const read = repoReader(ROOT);

const SOURCE = `import { afterAll, it } from 'vitest';
import { cached, createCache, keys } from '../../../src/index.ts';
import type { Cache } from '../../../src/cache/types.ts';

it('runs the sample', async () => {
  // #region outer
  const cache = createCache({ redis: url });
  // #region inner
  const key = keys.userSettings(1);
  // #endregion inner
  await cache.get(key); // it is read
  // #endregion outer
});
`;

describe('regions', () => {
  it('a region is its lines, dedented, without the markers of regions inside it', () => {
    expect(regionOf(SOURCE, 'outer')).toBe(
      'const cache = createCache({ redis: url });\nconst key = keys.userSettings(1);\nawait cache.get(key); // it is read',
    );
    expect(regionOf(SOURCE, 'inner')).toBe('const key = keys.userSettings(1);');
  });

  it('a missing region, or one never ended, is undefined', () => {
    expect(regionOf(SOURCE, 'nope')).toBeUndefined();
    expect(regionOf('// #region open\nconst a = 1;\n', 'open')).toBeUndefined();
  });

  it('with-imports: the imports of the names the region uses, from the repository root; not a word of a comment', () => {
    const body = regionOf(SOURCE, 'outer')!;
    expect(importsUsedBy(SOURCE, 'test/integration/cache/x.test.ts', body)).toEqual([
      "import { createCache, keys } from './src/index.ts';",
    ]);
    expect(importsUsedBy("import { a as b } from 'pkg';", 'x.ts', 'b()')).toEqual(["import { a as b } from 'pkg';"]);
  });
});

describe('filling a page', () => {
  const files: Record<string, string> = { 'test/x.test.ts': SOURCE };
  const readFake = (file: string) => files[file];
  const page = (block: string) =>
    `# Page\n\n<!-- snippet: test/x.test.ts#inner -->\n\`\`\`ts\n${block}\n\`\`\`\n\nafter\n`;

  it('a block that holds its region is left as it is', () => {
    const text = page('const key = keys.userSettings(1);');
    expect(fillPage(text, readFake)).toEqual({
      text,
      refs: [{ file: 'test/x.test.ts', region: 'inner', withImports: false }],
      problems: [],
    });
  });

  it('a block that differs is rewritten (control: the check sees a changed sample)', () => {
    const filled = fillPage(page('const key = keys.userSettings(2); // edited by hand'), readFake);
    expect(filled.text).toBe(page('const key = keys.userSettings(1);'));
    expect(fillPage('```ts\n```\n', readFake).refs).toEqual([]); // an unmarked block is not touched
  });

  it('names a missing file, a missing region and a marker without a block', () => {
    const text = [
      '<!-- snippet: test/gone.test.ts#inner -->',
      '```ts',
      '```',
      '<!-- snippet: test/x.test.ts#gone -->',
      '```ts',
      '```',
      '<!-- snippet: test/x.test.ts#inner -->',
      'no fence',
    ].join('\n');
    expect(fillPage(text, readFake).problems).toEqual([
      'line 1: test/gone.test.ts does not exist',
      'line 4: test/x.test.ts has no region "gone" (// #region gone … // #endregion)',
      'line 7: the marker of test/x.test.ts#inner is not followed by a fenced block',
    ]);
  });
});

describe('the command', () => {
  let temp = '';
  afterEach(() => {
    if (temp) rmSync(temp, { recursive: true, force: true });
  });

  it(`--check exits 1 naming the page and "${FIX_COMMAND}"; a run rewrites it; then --check exits 0`, () => {
    temp = mkdtempSync(join(tmpdir(), 'fastnpc-snippets-'));
    mkdirSync(join(temp, 'docs'));
    mkdirSync(join(temp, 'test'));
    writeFileSync(join(temp, 'test/x.test.ts'), SOURCE);
    writeFileSync(join(temp, 'README.md'), '# Readme\n');
    const stale = '<!-- snippet: test/x.test.ts#inner -->\n```ts\nold\n```\n';
    writeFileSync(join(temp, 'docs/page.md'), stale);
    expect(runSnippets(temp, true)).toEqual({
      code: 1,
      lines: [`docs/page.md: a code block differs from its region — run \`${FIX_COMMAND}\``, '1 marked blocks'],
    });
    expect(readFileSync(join(temp, 'docs/page.md'), 'utf8')).toBe(stale);
    expect(runSnippets(temp, false).code).toBe(0);
    expect(readFileSync(join(temp, 'docs/page.md'), 'utf8')).toContain('const key = keys.userSettings(1);');
    expect(runSnippets(temp, true)).toEqual({ code: 0, lines: ['1 marked blocks, all up to date'] });
  });
});

describe('the docs of this repository', () => {
  const pages = docPages(ROOT);

  it.each(pages)(`%s: every marked block holds its region (else run \`${FIX_COMMAND}\`)`, (path) => {
    const text = read(path)!;
    const filled = fillPage(text, read);
    expect(filled.problems).toEqual([]);
    expect(text, `${path} differs from its regions: run \`${FIX_COMMAND}\``).toBe(filled.text);
  });

  it.each(pages)('%s: every TypeScript sample is a marked block (taken from a test, never written by hand)', (path) => {
    const lines = read(path)!.split('\n');
    const unmarked = lines.flatMap((line, i) =>
      /^\s*```(ts|typescript|js|javascript)\s*$/.test(line) && !/^<!-- snippet: /.test(lines[i - 1] ?? '')
        ? [`line ${i + 1}`]
        : [],
    );
    expect(unmarked).toEqual([]);
  });

  it('the samples are there to check (control: the checks above have blocks to compare)', () => {
    const blocks = pages.flatMap((path) => fillPage(read(path)!, read).refs);
    expect(blocks.length).toBeGreaterThanOrEqual(3);
  });
});
