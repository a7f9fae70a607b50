// Where k6 runs: a binary on PATH / in .bin/ first, else the grafana/k6 image through a container runtime (here a
// fake runtime that records what it was asked to run and plays k6's part: writes the summary, prints the exit
// marker), else nowhere, said in one line. No Docker on these machines: the testcontainers path is exercised only
// through this interface.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type ContainerRuntime,
  type ContainerSpec,
  chooseK6Runner,
  containerEnv,
  containerSpec,
  EXIT_MARKER,
  exitCodeFromLog,
  K6_IMAGE,
} from '../../../src/load/k6-runner.ts';
import { main } from '../../../src/load/run.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

/** A runtime that records the spec and acts as k6: writes `summary` as the scenario's JSON report, exits `code`. */
function fakeRuntime(code: number, summary?: object): ContainerRuntime & { specs: ContainerSpec[] } {
  const specs: ContainerSpec[] = [];
  return {
    name: 'fake runtime',
    specs,
    async runToEnd(spec) {
      specs.push(spec);
      const reportDir = spec.env.REPORT_DIR as string;
      const dir = resolve(spec.workingDir, reportDir);
      expect(spec.binds.find((b) => b.target === dir)?.mode).toBe('rw'); // k6 can only write where mounted
      if (summary) writeFileSync(join(dir, 'load-chat-100-users.json'), JSON.stringify(summary));
      return `running\n${EXIT_MARKER}${code}`;
    },
  };
}

describe('choosing where k6 runs', () => {
  it('a k6 binary wins; the runtime is not even asked', async () => {
    const probe = vi.fn(async () => fakeRuntime(0));
    const choice = await chooseK6Runner({
      repoRoot: '/repo',
      path: '/opt/bin',
      isExecutable: (f) => f === '/opt/bin/k6',
      probeRuntime: probe,
    });
    expect('runner' in choice && choice.runner.description).toBe('k6 /opt/bin/k6');
    expect(probe).not.toHaveBeenCalled();
  });
  it('without a binary, the grafana/k6 image through the runtime that answers', async () => {
    const choice = await chooseK6Runner({
      repoRoot: '/repo',
      path: '',
      isExecutable: () => false,
      probeRuntime: async () => fakeRuntime(0),
    });
    expect('runner' in choice && choice.runner.description).toBe(`${K6_IMAGE} via fake runtime`);
  });
  it('neither: says why, runs nothing', async () => {
    const choice = await chooseK6Runner({
      repoRoot: '/repo',
      path: '',
      isExecutable: () => false,
      probeRuntime: async () => 'Could not find a working container runtime strategy',
    });
    expect(choice).toEqual({
      none: `k6 not installed and no container runtime for ${K6_IMAGE} (Could not find a working container runtime strategy)`,
    });
  });
  it('the image is the version scripts/install-k6.sh builds', () => {
    const script = readFileSync(join(ROOT, 'scripts/install-k6.sh'), 'utf8');
    const version = script.match(/K6_VERSION="\$\{K6_VERSION:-v([\d.]+)\}"/)?.[1];
    expect(K6_IMAGE).toBe(`grafana/k6:${version}`);
  });
});

describe('the container k6 runs in', () => {
  const spec = containerSpec({
    args: ['run', '--quiet', 'load/chat-100-users.ts'],
    env: {
      BASE_URL: 'http://127.0.0.1:8000',
      SEED_PASSWORD: 'seed-secret',
      REPORT_DIR: 'reports',
      PROFILE: 'smoke',
      K6_NO_USAGE_REPORT: 'true',
      PATH: '/usr/bin',
      REDIS_PASSWORD: 'redis-secret',
      FASTNPC_SECRET: 'session-key',
    },
    repoRoot: '/repo',
    reportDir: 'reports',
  });
  it('mounts load/ (scripts and load/lib) read-only and the report directory read-write, at the same paths', () => {
    expect(spec.binds).toEqual([
      { source: '/repo/load', target: '/repo/load', mode: 'ro' },
      { source: '/repo/reports', target: '/repo/reports', mode: 'rw' },
    ]);
    expect(spec.workingDir).toBe('/repo');
  });
  it('uses the host network so loopback targets answer, and writes reports as the calling user', () => {
    expect(spec.networkMode).toBe('host');
    expect(spec.user).toMatch(/^\d+:\d+$/);
  });
  it('passes the scripts their variables and nothing else; no secret on the command line', () => {
    expect(spec.env).toEqual({
      BASE_URL: 'http://127.0.0.1:8000',
      SEED_PASSWORD: 'seed-secret',
      REPORT_DIR: 'reports',
      PROFILE: 'smoke',
      K6_NO_USAGE_REPORT: 'true',
    });
    expect([...spec.entrypoint, ...spec.command].join(' ')).not.toMatch(/secret|127\.0\.0\.1/);
    expect(containerEnv({ DATABASE_URL: 'postgres://u:pw@h/db' })).toEqual({});
  });
  it("reads k6's exit code back from the marker the shell prints; a missing marker is a failure", () => {
    expect(exitCodeFromLog(`a\n${EXIT_MARKER}0\n`)).toBe(0);
    expect(exitCodeFromLog(`${EXIT_MARKER}99`)).toBe(99);
    expect(exitCodeFromLog('k6: exec format error')).toBe(1);
  });
});

describe('npm run load through the container path (fake runtime)', () => {
  let repoRoot: string;
  const quiet = { log: console.log, error: console.error };
  beforeEach(() => {
    repoRoot = mkdtempSync(join(tmpdir(), 'load-container-'));
    mkdirSync(join(repoRoot, 'load'));
    console.log = () => {};
    console.error = () => {};
  });
  afterEach(() => {
    console.log = quiet.log;
    console.error = quiet.error;
    rmSync(repoRoot, { recursive: true, force: true });
  });
  let app: Server;
  const env: NodeJS.ProcessEnv = { PATH: '' };
  beforeAll(async () => {
    app = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    env.BASE_URL = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => app.close(r)));
  const summary = (cacheHitRate: number | null) => ({
    ok: true,
    thresholds: [{ metric: 'http_req_failed', expression: 'rate<0.01', ok: true }],
    fastnpc: { cacheHitRate },
  });

  it('k6 passes in the container and the hit rate came from X-Cache: exit 0', async () => {
    const runtime = fakeRuntime(0, summary(0.95));
    expect(await main(['chat-100-users'], env, repoRoot, async () => runtime)).toBe(0);
    expect(runtime.specs[0]?.command).toEqual(['run', 'load/chat-100-users.ts']);
  });
  it('a k6 threshold failing in the container (99) is exit 1', async () => {
    expect(await main(['chat-100-users'], env, repoRoot, async () => fakeRuntime(99, summary(0.5)))).toBe(1);
  });
  it('a target that does not answer: exit 3 before anything runs', async () => {
    const runtime = fakeRuntime(0, summary(0.95));
    expect(
      await main(['chat-100-users'], { PATH: '', BASE_URL: 'http://127.0.0.1:9' }, repoRoot, async () => runtime),
    ).toBe(3);
    expect(runtime.specs).toEqual([]);
  });
  it('no X-Cache and no Redis to ask: the hit-rate bound has no data, so the run fails instead of passing', async () => {
    expect(await main(['chat-100-users'], env, repoRoot, async () => fakeRuntime(0, summary(null)))).toBe(1);
    const report = JSON.parse(readFileSync(join(repoRoot, 'reports/load-chat-100-users.json'), 'utf8'));
    expect(report.ok).toBe(false);
    expect(report.thresholds.at(-1)).toEqual({
      metric: 'server_keyspace_hit_rate (Redis INFO)',
      expression: 'rate>0.9',
      ok: false,
    });
    expect(report.fastnpc.serverSide.notes).toContain('no REDIS_URL: hit rate not measured on the server');
  });
});
