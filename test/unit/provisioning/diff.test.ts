import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../../provisioning/lib/plan/diff.ts';

const dir = mkdtempSync(join(tmpdir(), 'diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function gnuDiff(a: string, b: string): string {
  writeFileSync(join(dir, 'a'), a);
  writeFileSync(join(dir, 'b'), b);
  return spawnSync('diff', ['-u', '--label', 'A', '--label', 'B', join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' })
    .stdout;
}

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\n', 'a\n', ['A', 'B'])).toBe('');
  });

  it('matches diff -u on config-like edits', () => {
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i}`);
    const cases: [string[], string[]][] = [
      [lines, lines.map((l, i) => (i === 20 ? 'maxmemory 300mb' : l))],
      [lines, [...lines.slice(0, 5), ...lines.slice(8)]],
      [lines, [...lines, 'requirepass ********']],
      [lines, ['header', ...lines.map((l, i) => (i === 3 || i === 30 ? `${l}!` : l))]],
      [[], lines.slice(0, 4)],
    ];
    for (const [a, b] of cases) {
      const left = a.length ? `${a.join('\n')}\n` : '';
      const right = `${b.join('\n')}\n`;
      expect(unifiedDiff(left, right, ['A', 'B'])).toBe(gnuDiff(left, right));
    }
  });
});
