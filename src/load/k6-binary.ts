import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The one line `npm run load` prints (exit 2) when there is no k6 to run. */
export const K6_NOT_FOUND_MESSAGE =
  'k6 not found — run scripts/install-k6.sh, install k6 or start a container runtime (see README)';

export interface FindK6Options {
  /** The PATH to search (the caller's PATH: src/stack/config.ts). @default '' (only `.bin/`) */
  path?: string | undefined;
  /** Repository root; `<root>/.bin/k6` is where scripts/install-k6.sh puts the binary. */
  repoRoot: string;
  /** Test seam. @default an fs.accessSync X_OK check */
  isExecutable?: (file: string) => boolean;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds k6: first on PATH, then in the repository's `.bin/`. Returns undefined when there is none. */
export function findK6(options: FindK6Options): string | undefined {
  const isExecutable = options.isExecutable ?? executable;
  const dirs = (options.path ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const dir of [...dirs, join(options.repoRoot, '.bin')]) {
    const candidate = join(dir, 'k6');
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}
