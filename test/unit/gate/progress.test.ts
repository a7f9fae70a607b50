// The terminal while the gate runs: the progress line names the row whose suite is running (its id and title from
// the registry, not the file), lines that must stay (the expected duration) are never overwritten, and every line
// goes through the masker.
import { describe, expect, test } from 'vitest';
import { Progress } from '../../../src/gate/progress.ts';

function stream(tty: boolean) {
  const out: string[] = [];
  const s = { isTTY: tty, columns: 200, write: (t: string) => out.push(t) > 0 } as unknown as NodeJS.WriteStream;
  return { s, text: () => out.join('') };
}

describe('Progress', () => {
  test('names the running row by id and title; a file that is no row is named as it is', () => {
    const { s, text } = stream(false);
    const p = new Progress(s);
    p.row(3, 19, 'acceptance/03-settings-latency.test.ts', '2 passed, 0 failed');
    p.row(4, 19, 'acceptance/regressions/r10-task-status.test.ts', '3 passed, 0 failed');
    p.row(5, 19, 'acceptance/extra.test.ts', '3 passed, 0 failed');
    expect(text()).toContain('row 03 (3/19): User-settings cache: second read < 5 ms — 2 passed, 0 failed\n');
    expect(text()).toContain('row R10 (4/19): Task status visible from every worker — 3 passed, 0 failed\n');
    expect(text()).toContain('acceptance/extra.test.ts (5/19) — 3 passed, 0 failed\n');
  });

  test('a note stays on its own line on a terminal and the progress line comes back below it', () => {
    const previous = process.env.CI;
    delete process.env.CI;
    try {
      const { s, text } = stream(true);
      const p = new Progress(s, (t) => t.replace('Secret-1', '***'));
      p.update('starting Secret-1');
      p.note('gate: expected to take about 2 min 40 s');
      expect(text()).toContain('\r\x1b[Kgate: expected to take about 2 min 40 s\n');
      expect(text().endsWith('] starting ***')).toBe(true);
      expect(text()).not.toContain('Secret-1');
    } finally {
      if (previous !== undefined) process.env.CI = previous;
    }
  });
});
