import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors.ts';

const PATH_DIRS = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/usr/local/bin']);

/** Finds an executable on PATH, or throws E_BINARY_MISSING naming the Debian package that ships it. */
export function findBinary(name: string, debianPackage: string): string {
  for (const dir of PATH_DIRS) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new StackError(
    'E_BINARY_MISSING',
    `${name} was not found on PATH. Install it with: apt-get install -y ${debianPackage}`,
  );
}

/**
 * Finds a PostgreSQL server binary (initdb, pg_ctl, postgres) under /usr/lib/postgresql/<major>/bin, newest
 * major first, or PG_BIN_DIR when set.
 */
export function findPostgresBinary(name: 'initdb' | 'pg_ctl' | 'postgres'): string {
  const dirs: string[] = [];
  if (process.env.PG_BIN_DIR) dirs.push(process.env.PG_BIN_DIR);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const majors = readdirSync(root)
      .filter((d) => /^\d+$/.test(d))
      .sort((a, b) => Number(b) - Number(a));
    for (const major of majors) dirs.push(join(root, major, 'bin'));
  }
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  throw new StackError(
    'E_BINARY_MISSING',
    `PostgreSQL's ${name} was not found under ${root}/<version>/bin (or PG_BIN_DIR). ` +
      'Install it with: apt-get install -y postgresql',
  );
}
