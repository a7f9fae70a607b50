/**
 * The row registry (acceptance/rows.ts) is the one list: every acceptance file is a declared row and every declared
 * file exists; every emulated defect is caught by a deploy-scope row; the docs' row table is the registry's; the
 * dependency runs one way (acceptance never imports src/gate; the gate never imports a suite's support/ folder).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { currentScope, expectedUnder, inScope, ROWS, rowDef, rowIdOfFile } from '../../../acceptance/rows.ts';
import { rowTable, TABLE_END, TABLE_START } from '../../../acceptance/rows-table.ts';
import { DEFECTS } from '../../../src/service/defects.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

function filesUnder(dir: string, ending: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path, ending));
    else if (entry.name.endsWith(ending)) out.push(path);
  }
  return out.sort();
}

/** Static and dynamic import specifiers of a TypeScript file (`from '…'`, `import('…')`, `const path = '…'`). */
function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) out.push(m[1] as string);
  // a lazily imported path kept in a variable, as acceptance/audit.ts does
  for (const m of source.matchAll(/['"](\.{1,2}\/[^'"]+\.ts)['"]/g)) out.push(m[1] as string);
  return [...new Set(out)];
}

/** Repository-relative targets of a file's relative imports. */
function resolvedImports(file: string): string[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  return importsOf(source)
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(ROOT, resolve(ROOT, dirname(file), s)));
}

describe('row registry', () => {
  test('every acceptance test file is exactly one declared row, and every declared file exists', () => {
    const files = filesUnder('acceptance', '.test.ts');
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) expect(rowIdOfFile(file), file).toBeDefined();
    const declared = ROWS.flatMap((r) => (r.file ? [r.file] : []));
    expect([...declared].sort()).toEqual(files);
    expect(new Set(ROWS.map((r) => r.id)).size).toBe(ROWS.length);
  });

  test('ids follow the file names (NN-, rN-, mN-, fN-, hN-)', () => {
    for (const row of ROWS.filter((r) => r.file)) {
      const base = (row.file as string).split('/').pop() as string;
      expect(base.toLowerCase().startsWith(`${row.id.toLowerCase()}-`), row.id).toBe(true);
    }
    expect(rowIdOfFile('/abs/path/acceptance/regressions/r1-stats-system-wide.test.ts')).toBe('R1');
    expect(rowIdOfFile('acceptance/regressions/r10-task-status.test.ts')).toBe('R10');
    expect(rowIdOfFile('acceptance/support/http.ts')).toBeUndefined();
    expect(() => rowDef('R99')).toThrow(/not declared/);
  });

  test('every emulated defect is caught by at least one row of the deploy scope', () => {
    for (const defect of DEFECTS) {
      const { fails } = expectedUnder(defect);
      const deploy = fails.filter((id) => inScope(rowDef(id), 'deploy'));
      expect(deploy, defect).not.toEqual([]);
    }
    expect(expectedUnder('slow-cached-read').fails).toEqual(['03']);
    expect(expectedUnder('admin-403')).toEqual({ fails: ['02', 'R4'], mayFail: ['R2'] });
  });

  test('scopes: deploy keeps every criterion and regression; full adds faults and topologies', () => {
    for (const row of ROWS.filter((r) => r.kind === 'criterion' || r.kind === 'regression')) {
      expect(row.scope, row.id).toBe('deploy');
    }
    for (const row of ROWS.filter((r) => r.kind === 'fault' || r.kind === 'topology')) {
      expect(inScope(row, 'deploy'), row.id).toBe(false);
      expect(inScope(row, 'full'), row.id).toBe(true);
    }
    expect(currentScope({ ACCEPTANCE_SCOPE: 'deploy' })).toBe('deploy');
    expect(currentScope({})).toBe('full');
  });

  test("docs/acceptance.md's row table is the registry's (regenerate: npx tsx acceptance/rows-table.ts)", () => {
    const doc = readFileSync(join(ROOT, 'docs/acceptance.md'), 'utf8');
    const start = doc.indexOf(TABLE_START);
    const end = doc.indexOf(TABLE_END);
    expect(start, 'docs/acceptance.md has no row table markers').toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    expect(doc.slice(start + TABLE_START.length, end).trim()).toBe(rowTable());
  });
});

describe('dependencies run one way: gate → acceptance', () => {
  test('the import scan sees static, dynamic and lazily held imports (control)', () => {
    expect(importsOf("import { a } from '../src/gate/x.ts';\nconst p = '../../src/gate/y.ts';")).toEqual([
      '../src/gate/x.ts',
      '../../src/gate/y.ts',
    ]);
    expect(importsOf("const m = await import('../src/gate/z.ts');")).toContain('../src/gate/z.ts');
  });

  test('no file under acceptance/ imports from src/gate', () => {
    const offenders = filesUnder('acceptance', '.ts').flatMap((file) =>
      resolvedImports(file)
        .filter((target) => target.startsWith('src/gate/') || target === 'src/gate')
        .map((target) => `${file} → ${target}`),
    );
    expect(offenders).toEqual([]);
  });

  test("no file under src/gate imports a suite's support/ folder", () => {
    const offenders = filesUnder('src/gate', '.ts').flatMap((file) =>
      resolvedImports(file)
        .filter((target) => target.startsWith('acceptance/') && target.split('/').includes('support'))
        .map((target) => `${file} → ${target}`),
    );
    expect(offenders).toEqual([]);
  });
});
