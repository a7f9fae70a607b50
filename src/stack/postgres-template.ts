/**
 * A fresh PostgreSQL data folder without running initdb each time: initdb runs once per machine (per PostgreSQL
 * binary and settings) into a template folder in the temp dir, and every private server gets a copy of it (`cp -a`:
 * about a fifth of initdb's time and CPU — docs/measurements/ci.md). The template is a cache: a missing or broken one
 * is made again, and a copy that fails falls back to initdb.
 */
import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Not `fastnpc-pg-`: the orphan reaper must never take the shared template for a dead server's folder. */
export const POSTGRES_TEMPLATE_PREFIX = 'fastnpc-pgtemplate-';

export interface DataDirRunner {
  /** The uid/gid PostgreSQL's binaries run as (root runs them as "postgres"). */
  as: { uid?: number; gid?: number };
  /** Runs a PostgreSQL binary as `as`; rejects with its output when it fails. */
  run(binary: string, args: string[]): Promise<unknown>;
}

/** initdb's arguments after `-D <dir>`: what every private server's cluster is made with. */
export const INITDB_ARGS = ['-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'];

/** The template's folder for this initdb binary (its path, size and mtime), these arguments and this user. */
export function templateDir(initdb: string, as: DataDirRunner['as']): string {
  const binary = statSync(initdb);
  const key = createHash('sha256')
    .update(JSON.stringify([initdb, binary.size, binary.mtimeMs, INITDB_ARGS, as.uid ?? process.getuid?.()]))
    .digest('hex')
    .slice(0, 16);
  return join(tmpdir(), `${POSTGRES_TEMPLATE_PREFIX}${key}`);
}

const complete = (data: string): boolean =>
  existsSync(join(data, 'PG_VERSION')) && existsSync(join(data, 'global', 'pg_control'));

/** Makes the template once; several processes may race here: the first rename wins, the others drop theirs. */
async function ensureTemplate(initdb: string, runner: DataDirRunner): Promise<string> {
  const dir = templateDir(initdb, runner.as);
  const data = join(dir, 'data');
  if (complete(data)) return data;
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true }); // a broken one (a half-cleaned temp dir)
  const building = mkdtempSync(join(tmpdir(), `${POSTGRES_TEMPLATE_PREFIX}building-`));
  try {
    if (runner.as.uid !== undefined) chownSync(building, runner.as.uid, runner.as.gid ?? runner.as.uid);
    await runner.run(initdb, ['-D', join(building, 'data'), ...INITDB_ARGS]);
    try {
      renameSync(building, dir);
    } catch {
      // another process made it first
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return data;
}

/** Creates the data folder `dataDir` (which must not exist yet) as initdb would with INITDB_ARGS. */
export async function createDataDir(initdb: string, dataDir: string, runner: DataDirRunner): Promise<void> {
  try {
    const data = await ensureTemplate(initdb, runner);
    await runner.run('cp', ['-a', data, dataDir]);
    if (complete(dataDir)) return;
  } catch {
    // no template here (e.g. the temp dir is full): initdb as before
  }
  rmSync(dataDir, { recursive: true, force: true });
  await runner.run(initdb, ['-D', dataDir, ...INITDB_ARGS]);
}
