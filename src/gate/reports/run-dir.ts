/**
 * One directory per gate run: everything is written into reports/runs/<time>.partial/ and only a complete run of a
 * scope is renamed to reports/runs/<time>/, then reports/latest is switched to it (a symlink replaced by rename) and
 * the top-level paths CI configs read (reports/gate.json, junit.xml, gate.html) are replaced by copies — each written
 * to a temp file and renamed, so an interrupted run never leaves old and new files mixed. A partial run (`--only`)
 * is kept as reports/runs/<time>-partial/ and an interrupted one as reports/runs/<time>-interrupted/ (its gate.json
 * says so); neither touches latest or the top-level files.
 */
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';

export interface RunDir {
  /** reports/ */
  root: string;
  /** e.g. 2026-12-01T15-40-12-345Z */
  name: string;
  /** Where this run writes while it runs (…/runs/<name>.partial). */
  dir: string;
}

export const RUNS = 'runs';
export const LATEST = 'latest';
/** The files kept at reports/<name> for CI configs written before per-run directories. */
export const TOP_LEVEL_FILES = ['gate.json', 'junit.xml', 'gate.html'] as const;

export function runName(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

export function openRunDir(root: string, startedAt: Date): RunDir {
  const name = runName(startedAt);
  const dir = join(root, RUNS, `${name}.partial`);
  mkdirSync(dir, { recursive: true });
  return { root, name, dir };
}

/** Removes an unfinished run (interrupted, or the target could not be used). */
export function discardRunDir(run: RunDir): void {
  rmSync(run.dir, { recursive: true, force: true });
}

/** How a run that is not published ends: its own folder, named after why. */
export type UnpublishedKind = 'partial' | 'interrupted';

export function unpublishedDir(run: RunDir, kind: UnpublishedKind): string {
  return join(run.root, RUNS, `${run.name}-${kind}`);
}

/**
 * Keeps a partial run (`--only`) in reports/runs/<time>-partial/, beside the complete runs; latest and the top-level
 * files stay as the last complete run left them.
 */
export function keepPartialRun(run: RunDir): string {
  const dir = unpublishedDir(run, 'partial');
  renameSync(run.dir, dir);
  return dir;
}

/**
 * An interrupted run: its unfinished files are removed (half-written figures are not evidence) and
 * reports/runs/<time>-interrupted/gate.json says what happened. Synchronous and repeatable: it is called from a
 * signal handler and again on exit.
 */
export function markInterrupted(run: RunDir, record: Record<string, unknown>): string {
  discardRunDir(run);
  const dir = unpublishedDir(run, 'interrupted');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'gate.json'), `${JSON.stringify({ complete: false, ...record }, null, 2)}\n`);
  return dir;
}

/** Writes a file atomically: a temp file next to it, then rename. */
export function writeAtomic(path: string, content: string | Buffer): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/**
 * Renames the finished run into place, points reports/latest at it and refreshes the top-level copies. The
 * top-level gate.html gets a <base> so its links to the raw files resolve into the run's directory.
 */
export function publishRunDir(run: RunDir): string {
  const finalDir = join(run.root, RUNS, run.name);
  renameSync(run.dir, finalDir);
  const link = join(run.root, LATEST);
  const tmpLink = `${link}.tmp-${process.pid}`;
  rmSync(tmpLink, { force: true });
  symlinkSync(join(RUNS, run.name), tmpLink);
  if (existsSync(link) && !isSymlink(link)) rmSync(link, { recursive: true, force: true });
  renameSync(tmpLink, link);
  for (const file of TOP_LEVEL_FILES) {
    const source = join(finalDir, file);
    if (!existsSync(source)) continue;
    if (file === 'gate.html') {
      const base = `${relative(run.root, finalDir)}/`;
      const html = readFileSync(source, 'utf8').replace('<head>', `<head><base href="${base}">`);
      writeAtomic(join(run.root, file), html);
    } else {
      const tmp = join(run.root, `${file}.tmp-${process.pid}`);
      copyFileSync(source, tmp);
      renameSync(tmp, join(run.root, file));
    }
  }
  return finalDir;
}

function isSymlink(path: string): boolean {
  return lstatSync(path).isSymbolicLink();
}

/** Every file of a run, relative to its directory, sorted (the report links each one). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out.sort();
}

/** Finished earlier runs, newest first (names sort by time). */
export function earlierRuns(root: string, except?: string): string[] {
  try {
    return readdirSync(join(root, RUNS), { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.endsWith('.partial') && e.name !== except)
      .map((e) => e.name)
      .sort()
      .reverse();
  } catch {
    return [];
  }
}
