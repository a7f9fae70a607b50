import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stackEnv } from './config.ts';
import { StackError } from './errors.ts';

/** PATH's folders, then the usual ones (read when a binary is looked for, never at import). */
function pathDirs(): string[] {
  return (stackEnv().PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/usr/local/bin']);
}

/** Finds an executable on PATH, or throws E_BINARY_MISSING naming the Debian package that ships it. */
export function findBinary(name: string, debianPackage: string): string {
  for (const dir of pathDirs()) {
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
  const given = stackEnv().PG_BIN_DIR;
  if (given) dirs.push(given);
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
