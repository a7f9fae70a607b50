import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { knownDurations, longestFirst } from '../../support/longest-first-sequencer.ts';

const dir = mkdtempSync(join(tmpdir(), 'sequencer-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Spec {
  group: number;
  key: string;
}
const order = (specs: Spec[], known: Map<string, number>) =>
  longestFirst(
    specs,
    (s) => s.group,
    (s) => s.key,
    known,
  ).map((s) => s.key);

describe('longest file first', () => {
  it('within a group the longest known file goes first; unknown files keep their order, after the known ones', () => {
    const specs = [
      { group: 0, key: 'unit:a' },
      { group: 0, key: 'integration:small-but-slow' },
      { group: 0, key: 'unit:b' },
      { group: 0, key: 'acceptance-own-stack:f8' },
      { group: 1, key: 'acceptance:06' },
      { group: 0, key: 'integration:quick' },
    ];
    const known = new Map([
      ['integration:small-but-slow', 217_000],
      ['acceptance-own-stack:f8', 165_000],
      ['integration:quick', 900],
      ['acceptance:06', 45_000],
    ]);
    expect(order(specs, known)).toEqual([
      'integration:small-but-slow',
      'acceptance-own-stack:f8',
      'integration:quick',
      'unit:a',
      'unit:b',
      'acceptance:06', // a later group (the serial shared-target rows) stays after
    ]);
    // control: with nothing known, vitest's order is kept within each group
    expect(order(specs, new Map())).toEqual([
      'unit:a',
      'integration:small-but-slow',
      'unit:b',
      'acceptance-own-stack:f8',
      'integration:quick',
      'acceptance:06',
    ]);
  });

  it("reads the last full run's durations, else the kept baseline", () => {
    const row = (file: string, ms: number) => ({ project: 'integration', file, ms, setupMs: 100, state: 'passed' });
    const few = join(dir, 'few.json');
    writeFileSync(few, JSON.stringify({ wallMs: 1, files: [row('x.test.ts', 5)] }));
    const full = join(dir, 'full.json');
    writeFileSync(
      full,
      JSON.stringify({ wallMs: 1, files: Array.from({ length: 60 }, (_, i) => row(`f${i}.test.ts`, i * 1000)) }),
    );
    const baseline = join(dir, 'baseline.json');
    writeFileSync(baseline, JSON.stringify({ wallMs: 1, files: [row('slow.test.ts', 200_000)] }));
    const known = knownDurations([join(dir, 'missing.json'), few, full], baseline);
    expect(known.size).toBe(60);
    expect(known.get('integration:f7.test.ts')).toBe(7_100);
    // a few files' run is passed over for the baseline, however short the baseline is
    expect([...knownDurations([few], baseline)]).toEqual([['integration:slow.test.ts', 200_100]]);
  });
});
