// The gate's load step with a fake container runtime (no k6 and no Docker here): a skip names its reason, the
// container path runs the scenario and judges its summary, and a summary without a hit rate is not a pass.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TargetInfo } from '../../../acceptance/target/index.ts';
import { runLoad } from '../../../src/gate/run-load.ts';
import { type ContainerRuntime, EXIT_MARKER, K6_IMAGE } from '../../../src/load/k6-runner.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const target: TargetInfo = {
  kind: 'external',
  baseUrl: 'http://127.0.0.1:8000',
  workerUrls: [],
  redisUrl: '',
  statStatements: false,
  users: [],
  listTtlSeconds: 60,
  profileTtlSeconds: 300,
  notes: [],
  profile: 'plan',
  defects: [],
};

function runtime(code: number, hitRate: number | null): ContainerRuntime {
  return {
    name: 'fake runtime',
    async runToEnd(spec) {
      const summary = { ok: code === 0, thresholds: [], fastnpc: { cacheHitRate: hitRate, failedRequestRate: 0 } };
      writeFileSync(join(spec.env.REPORT_DIR as string, 'load-chat-100-users.json'), JSON.stringify(summary));
      return `${EXIT_MARKER}${code}`;
    },
  };
}

describe('gate load step', () => {
  let reportsDir: string;
  beforeEach(() => {
    reportsDir = mkdtempSync(join(tmpdir(), 'gate-load-'));
  });
  afterEach(() => rmSync(reportsDir, { recursive: true, force: true }));
  const base = () => ({ root: ROOT, target, reportsDir, skip: false, path: '' });

  it('no k6 and no runtime: SKIP with the reason', async () => {
    const outcome = await runLoad({ ...base(), probeRuntime: async () => 'no Docker socket' });
    expect(outcome).toMatchObject({
      status: 'skip',
      detail: `k6 not installed and no container runtime for ${K6_IMAGE} (no Docker socket)`,
    });
  });
  it('--skip-load: SKIP saying so', async () => {
    expect((await runLoad({ ...base(), skip: true })).detail).toBe('load step skipped (--skip-load)');
  });
  it('the container path runs the scenario: PASS with the hit rate from its summary', async () => {
    const outcome = await runLoad({ ...base(), probeRuntime: async () => runtime(0, 0.96) });
    expect(outcome).toMatchObject({ status: 'pass', figure: 'hit rate 96.0 %, failed 0.00 %' });
    expect(outcome.detail).toContain(`${K6_IMAGE} via fake runtime`);
  });
  it('a k6 threshold failing is a FAIL', async () => {
    const outcome = await runLoad({ ...base(), probeRuntime: async () => runtime(99, 0.5) });
    expect(outcome.status).toBe('fail');
    expect(outcome.detail).toMatch(/^a k6 threshold failed/);
  });
  it('k6 passed but no hit rate anywhere (no X-Cache, Redis not readable): FAIL, not PASS', async () => {
    const outcome = await runLoad({ ...base(), probeRuntime: async () => runtime(0, null) });
    expect(outcome.status).toBe('fail');
    expect(outcome.detail).toMatch(/^a threshold on the server-side figures failed/);
  });
});
