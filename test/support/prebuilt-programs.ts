/**
 * globalSetup: bundles the programs the tests start as child processes (the service's primary, its workers, the
 * invalidator, the provisioning CLIs) from the current source with esbuild, once per run, into a temp folder, and has every spawner use
 * them (src/service/programs.ts) instead of `node --import tsx` — each tsx start costs about 0.4 s of CPU more, and
 * the suite starts hundreds. PREBUILT_PROGRAMS=off runs them through tsx as before. The folder goes at the end.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import type { TestProject } from 'vitest/node';
import { usePrebuiltPrograms } from '../../src/service/programs.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The bundles' root, or '' when the children run through tsx. */
    prebuiltPrograms: string;
  }
}

/**
 * Every program a test or a program of ours starts with programArgs / program (src/service/programs.ts). Each sits
 * two folders below the repository, as programs.ts expects of its bundle.
 */
export const PROGRAMS = [
  'src/service/cli.ts',
  'src/service/worker-main.ts',
  'src/invalidator/cli.ts',
  'provisioning/cli/provision.ts',
  'provisioning/cli/audit.ts',
  'provisioning/cli/rollback.ts',
  'provisioning/cli/provision-topology.ts',
];

const ROOT = resolve(import.meta.dirname, '../..');
const PROGRAMS_MODULE = join(ROOT, 'src/service/programs.ts');

/**
 * A module that finds a file relative to itself (`import.meta.url`, e.g. redis.conf three folders up) would look from
 * its bundle's folder instead: it gets its own place in the bundles' tree (which mirrors the repository) back. Not
 * programs.ts, which asks whether it runs from a bundle.
 */
const ownImportMetaUrl: Plugin = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (args.path === PROGRAMS_MODULE || !text.includes('import.meta.url')) return undefined;
      const own = JSON.stringify(`../../${relative(ROOT, args.path)}`);
      return { contents: text.replaceAll('import.meta.url', `new URL(${own}, import.meta.url).href`), loader: 'ts' };
    });
  },
};

const PREFIX = 'fastnpc-programs-';

/** A run killed before its teardown leaves its folder: the next build removes those older than a day. */
export function removeStaleBuilds(now = Date.now()): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(tmpdir(), name);
    try {
      if (now - statSync(dir).mtimeMs > 86_400_000) rmSync(dir, { recursive: true, force: true });
    } catch {}
  }
}

/**
 * Builds the bundles into a new folder and returns it. Its tree mirrors the repository's (src/service/cli.mjs …),
 * each bundle whole (no shared chunks: a module's import.meta.url is its bundle's), beside links to the repository's
 * node_modules (the packages stay outside the bundles) and redis.conf (read relative to src/stack).
 */
export async function buildPrograms(): Promise<string> {
  removeStaleBuilds();
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  try {
    await build({
      absWorkingDir: ROOT,
      entryPoints: PROGRAMS,
      outbase: '.',
      outdir: dir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: 'linked',
      logLevel: 'error',
      plugins: [ownImportMetaUrl],
    });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    symlinkSync(join(ROOT, 'redis.conf'), join(dir, 'redis.conf'));
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return dir;
}

export default async function setup(project: TestProject): Promise<() => void> {
  if (process.env.PREBUILT_PROGRAMS === 'off') {
    project.provide('prebuiltPrograms', '');
    return () => {};
  }
  const dir = await buildPrograms();
  project.provide('prebuiltPrograms', dir);
  // this process too: the acceptance project's globalSetup starts the shared target here
  usePrebuiltPrograms(dir);
  return () => {
    usePrebuiltPrograms(undefined);
    rmSync(dir, { recursive: true, force: true });
  };
}
