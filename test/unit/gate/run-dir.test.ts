// Per-run report directories: a run writes into <time>.partial, only a finished run is renamed into place, latest
// and the old top-level paths follow it, an unfinished run leaves the previous reports untouched, and the previous
// run on the same target is found for the comparison.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { previousRunOn } from '../../../src/gate/reports/previous.ts';
import { discardRunDir, listFiles, openRunDir, publishRunDir } from '../../../src/gate/reports/run-dir.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'run-dir-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function finishRun(at: string, targetKey: string, marker: string): string {
  const run = openRunDir(root, new Date(at));
  mkdirSync(join(run.dir, 'acceptance'));
  writeFileSync(join(run.dir, 'acceptance', '03.json'), '{}');
  writeFileSync(
    join(run.dir, 'gate.json'),
    JSON.stringify({ rows: [{ id: '03', status: 'pass', figures: [] }], metadata: { targetKey, commit: marker } }),
  );
  writeFileSync(join(run.dir, 'junit.xml'), `<x>${marker}</x>`);
  writeFileSync(join(run.dir, 'gate.html'), `<html><head><title>${marker}</title></head></html>`);
  return publishRunDir(run);
}

describe('per-run report directories', () => {
  it('a finished run is renamed into runs/<time>/, latest points at it, top-level copies follow', () => {
    const dir = finishRun('2026-12-01T10:00:00Z', 'local', 'first');
    expect(dir).toBe(join(root, 'runs', '2026-12-01T10-00-00-000Z'));
    expect(existsSync(`${dir}.partial`)).toBe(false);
    expect(lstatSync(join(root, 'latest')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(root, 'latest'))).toBe('runs/2026-12-01T10-00-00-000Z');
    expect(readFileSync(join(root, 'latest', 'junit.xml'), 'utf8')).toBe('<x>first</x>');
    expect(readFileSync(join(root, 'junit.xml'), 'utf8')).toBe('<x>first</x>');
    // the top-level gate.html resolves its links into the run's directory
    expect(readFileSync(join(root, 'gate.html'), 'utf8')).toContain(
      '<head><base href="runs/2026-12-01T10-00-00-000Z/">',
    );
    expect(listFiles(dir)).toEqual(['acceptance/03.json', 'gate.html', 'gate.json', 'junit.xml']);
    expect(listFiles(root).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
  it('a second run moves latest; the first stays for comparison', () => {
    finishRun('2026-12-01T10:00:00Z', 'local', 'first');
    finishRun('2026-12-01T11:00:00Z', 'local', 'second');
    expect(readFileSync(join(root, 'latest', 'junit.xml'), 'utf8')).toBe('<x>second</x>');
    expect(readFileSync(join(root, 'runs', '2026-12-01T10-00-00-000Z', 'junit.xml'), 'utf8')).toBe('<x>first</x>');
  });
  it('an unfinished (discarded) run leaves the previous reports exactly as they were', () => {
    finishRun('2026-12-01T10:00:00Z', 'local', 'first');
    const run = openRunDir(root, new Date('2026-12-01T12:00:00Z'));
    writeFileSync(join(run.dir, 'junit.xml'), '<x>half</x>');
    discardRunDir(run);
    expect(existsSync(run.dir)).toBe(false);
    expect(readFileSync(join(root, 'junit.xml'), 'utf8')).toBe('<x>first</x>');
    expect(readFileSync(join(root, 'latest', 'junit.xml'), 'utf8')).toBe('<x>first</x>');
  });
  it('the previous run is the newest finished one on the same target', () => {
    finishRun('2026-12-01T09:00:00Z', 'local', 'local-old');
    finishRun('2026-12-01T10:00:00Z', 'external http://a', 'external');
    finishRun('2026-12-01T11:00:00Z', 'local', 'local-new');
    openRunDir(root, new Date('2026-12-01T12:00:00Z')); // a .partial run is never a previous run
    expect(previousRunOn(root, 'local', 'now')?.commit).toBe('local-new');
    expect(previousRunOn(root, 'local', '2026-12-01T11-00-00-000Z')?.commit).toBe('local-old');
    expect(previousRunOn(root, 'external http://a', 'now')?.commit).toBe('external');
    expect(previousRunOn(root, 'containers', 'now')).toBeUndefined();
  });
});
