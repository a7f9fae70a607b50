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
import { pastRuns, previousRunOn } from '../../../src/gate/reports/previous.ts';
import {
  discardRunDir,
  keepPartialRun,
  listFiles,
  markInterrupted,
  openRunDir,
  publishRunDir,
} from '../../../src/gate/reports/run-dir.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'run-dir-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function finishRun(
  at: string,
  targetKey: string,
  marker: string,
  extra: { metadata?: Record<string, unknown>; only?: string[] } = {},
): string {
  const run = openRunDir(root, new Date(at));
  mkdirSync(join(run.dir, 'acceptance'));
  writeFileSync(join(run.dir, 'acceptance', '03.json'), '{}');
  writeFileSync(
    join(run.dir, 'gate.json'),
    JSON.stringify({
      rows: [{ id: '03', status: 'pass', figures: [] }],
      durationMs: 1000,
      only: extra.only ?? [],
      metadata: { targetKey, commit: marker, topology: 'single', scope: 'deploy', ...extra.metadata },
    }),
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
  const key = (targetKey: string, scope = 'deploy', topology = 'single') => ({ targetKey, scope, topology });
  it('the previous run is the newest finished one on the same target', () => {
    finishRun('2026-12-01T09:00:00Z', 'local', 'local-old');
    finishRun('2026-12-01T10:00:00Z', 'external http://a', 'external');
    finishRun('2026-12-01T11:00:00Z', 'local', 'local-new');
    openRunDir(root, new Date('2026-12-01T12:00:00Z')); // a .partial run is never a previous run
    expect(previousRunOn(root, key('local'), 'now')?.commit).toBe('local-new');
    expect(previousRunOn(root, key('local'), '2026-12-01T11-00-00-000Z')?.commit).toBe('local-old');
    expect(previousRunOn(root, key('external http://a'), 'now')?.commit).toBe('external');
    expect(previousRunOn(root, key('containers'), 'now')).toBeUndefined();
  });
  it('the previous run has the same scope and topology, and a partial run (--only) is never the previous', () => {
    finishRun('2026-12-01T08:00:00Z', 'local', 'deploy-complete');
    finishRun('2026-12-01T09:00:00Z', 'local', 'full-complete', { metadata: { scope: 'full' } });
    finishRun('2026-12-01T10:00:00Z', 'local', 'sentinel', { metadata: { topology: 'sentinel' } });
    // a partial run as gates before this change wrote it (no "complete" field, only the --only filters) ...
    finishRun('2026-12-01T11:00:00Z', 'local', 'partial-old-format', { only: ['01'] });
    // ... and as it is kept now: its own folder, complete: false
    const partial = openRunDir(root, new Date('2026-12-01T12:00:00Z'));
    writeFileSync(
      join(partial.dir, 'gate.json'),
      JSON.stringify({
        rows: [{ id: '01', status: 'pass', figures: [] }],
        only: ['01'],
        metadata: { targetKey: 'local', commit: 'partial', topology: 'single', scope: 'deploy', complete: false },
      }),
    );
    expect(keepPartialRun(partial)).toBe(join(root, 'runs', '2026-12-01T12-00-00-000Z-partial'));
    expect(previousRunOn(root, key('local'), 'now')?.commit).toBe('deploy-complete');
    expect(previousRunOn(root, key('local', 'full'), 'now')?.commit).toBe('full-complete');
    expect(previousRunOn(root, key('local', 'deploy', 'sentinel'), 'now')?.commit).toBe('sentinel');
    expect(pastRuns(root, key('local'), 'now').map((r) => r.commit)).toEqual(['deploy-complete']);
  });
  it('a run written before scopes existed counts as a full-scope run', () => {
    finishRun('2026-12-01T08:00:00Z', 'local', 'before-scopes', {
      metadata: { scope: undefined, topology: undefined },
    });
    expect(previousRunOn(root, key('local', 'full'), 'now')?.commit).toBe('before-scopes');
    expect(previousRunOn(root, key('local', 'deploy'), 'now')).toBeUndefined();
  });
  it('a partial run leaves latest and the top-level files of the last complete run untouched', () => {
    finishRun('2026-12-01T10:00:00Z', 'local', 'complete');
    const before = ['gate.html', 'junit.xml'].map((f) => readFileSync(join(root, f), 'utf8'));
    const run = openRunDir(root, new Date('2026-12-01T11:00:00Z'));
    writeFileSync(join(run.dir, 'junit.xml'), '<x>partial</x>');
    writeFileSync(join(run.dir, 'gate.html'), '<html><head></head></html>');
    const kept = keepPartialRun(run);
    expect(readFileSync(join(kept, 'junit.xml'), 'utf8')).toBe('<x>partial</x>');
    expect(['gate.html', 'junit.xml'].map((f) => readFileSync(join(root, f), 'utf8'))).toEqual(before);
    expect(readlinkSync(join(root, 'latest'))).toBe('runs/2026-12-01T10-00-00-000Z');
    // control: publishing the same kind of run does replace them
    const published = openRunDir(root, new Date('2026-12-01T12:00:00Z'));
    writeFileSync(join(published.dir, 'junit.xml'), '<x>published</x>');
    publishRunDir(published);
    expect(readFileSync(join(root, 'junit.xml'), 'utf8')).toBe('<x>published</x>');
  });
  it('an interrupted run keeps only a gate.json that says so, and is never the previous run', () => {
    finishRun('2026-12-01T10:00:00Z', 'local', 'complete');
    const run = openRunDir(root, new Date('2026-12-01T11:00:00Z'));
    writeFileSync(join(run.dir, 'junit.xml'), '<x>half</x>');
    const dir = markInterrupted(run, { interrupted: 'SIGINT', scope: 'deploy' });
    expect(markInterrupted(run, { interrupted: 'SIGINT', scope: 'deploy' })).toBe(dir); // repeatable
    expect(existsSync(run.dir)).toBe(false);
    expect(listFiles(dir)).toEqual(['gate.json']);
    expect(JSON.parse(readFileSync(join(dir, 'gate.json'), 'utf8'))).toMatchObject({
      complete: false,
      interrupted: 'SIGINT',
    });
    expect(readFileSync(join(root, 'junit.xml'), 'utf8')).toBe('<x>complete</x>');
    expect(previousRunOn(root, key('local'), 'now')?.commit).toBe('complete');
  });
});
