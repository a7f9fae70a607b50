import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService } from '../../../src/service/cluster.ts';
import { usePrebuiltPrograms } from '../../../src/service/programs.ts';
import { type StartedLocalStack, startLocalStack } from '../../../src/stack/index.ts';
import { descendantsOf } from '../../../src/stack/ownership.ts';
import { buildPrograms, removeStaleBuilds } from '../../support/prebuilt-programs.ts';

// What a test run's service is made of when its programs are pre-built (vitest.config.ts), and the control: from
// the source, through tsx.
let stack: StartedLocalStack;
let dir: string;
beforeAll(async () => {
  stack = await startLocalStack();
  dir = await buildPrograms();
});
afterAll(async () => {
  usePrebuiltPrograms(undefined);
  rmSync(dir, { recursive: true, force: true });
  await stack?.stop();
});

/** The command lines of the service's process tree (primary, workers, invalidator), argv joined by spaces. */
async function serviceTree(): Promise<string[]> {
  const service = await startService({ databaseUrl: stack.databaseUrl, redisUrl: stack.redisUrl, seed: false });
  try {
    return [service.pid, ...descendantsOf(service.pid)].map((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim(),
    );
  } finally {
    await service.stop();
  }
}

describe('pre-built programs', () => {
  it("a build removes a killed run's folder older than a day, not a newer one", () => {
    const old = mkdtempSync(join(tmpdir(), 'fastnpc-programs-'));
    const recent = mkdtempSync(join(tmpdir(), 'fastnpc-programs-'));
    try {
      const dayAgo = (Date.now() - 86_400_000 - 60_000) / 1000;
      utimesSync(old, dayAgo, dayAgo);
      removeStaleBuilds();
      expect(existsSync(old)).toBe(false);
      expect(existsSync(recent)).toBe(true);
      expect(existsSync(dir)).toBe(true); // this file's own build
    } finally {
      rmSync(old, { recursive: true, force: true });
      rmSync(recent, { recursive: true, force: true });
    }
  });

  it('a service started from the bundles runs every process of its tree from them, none through tsx', async () => {
    usePrebuiltPrograms(dir);
    const tree = await serviceTree();
    expect(tree).toHaveLength(4); // primary, 2 workers, the invalidator
    for (const command of tree) {
      expect(command).toContain(dir);
      expect(command).toMatch(/\.mjs /);
      expect(command).not.toContain('tsx');
    }
  });

  it('control: without them, the same tree runs from the source through tsx', async () => {
    usePrebuiltPrograms(undefined);
    const tree = await serviceTree();
    expect(tree).toHaveLength(4);
    for (const command of tree) {
      expect(command).toContain('--import tsx');
      expect(command).not.toContain(dir);
    }
  });
});
