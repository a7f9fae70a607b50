/**
 * How a child process runs one of the repository's programs (the service's primary, its workers, the invalidator,
 * the provisioning CLIs): `node --import tsx src/….ts` from the source, or `node src/….mjs` from JavaScript bundles
 * built once for a test run (test/support/prebuilt-programs.ts) — tsx costs each start about 0.4 s of CPU more
 * (docs/measurements/ci.md), and a service starts four such processes. A program running from a bundle starts its
 * own children from the bundles beside it, so one switch in the test process covers the whole tree.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(import.meta.url);
/** True in a bundle: esbuild inlines this file into src/<folder>/<program>.mjs, one folder below src like here. */
const BUNDLED = HERE.endsWith('.mjs');
/** The repository, or the bundles' root (their tree mirrors the repository's). */
const ROOT = resolve(dirname(HERE), '../..');

let bundles: string | undefined = BUNDLED ? ROOT : undefined;

/** Where the bundles of this run are (undefined: run from the source through tsx). Test support sets it. */
export function usePrebuiltPrograms(root: string | undefined): void {
  bundles = BUNDLED ? ROOT : root;
}

export interface Program {
  /** The file node runs. */
  file: string;
  /** What node needs before the file: tsx's loader from the source, nothing for a bundle. */
  loader: string[];
}

/** `source` is the program's path from the repository root, e.g. `src/service/cli.ts`. */
export function program(source: string): Program {
  if (bundles) return { file: join(bundles, source.replace(/\.ts$/, '.mjs')), loader: [] };
  return { file: join(ROOT, source), loader: ['--import', 'tsx'] };
}

/** node's arguments to run `source` with `args`. */
export function programArgs(source: string, args: string[] = []): string[] {
  const { file, loader } = program(source);
  return [...loader, file, ...args];
}

/** `execArgv` (e.g. this process's) with the loader `source` needs, when it is not there already. */
export function programExecArgv(source: string, execArgv: string[]): string[] {
  const { loader } = program(source);
  return loader.length === 0 || execArgv.some((arg) => arg.includes('tsx')) ? execArgv : [...execArgv, ...loader];
}
