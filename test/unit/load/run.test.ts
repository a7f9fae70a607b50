import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findK6, K6_NOT_FOUND_MESSAGE } from '../../../src/load/k6-binary.ts';
import { DEFAULT_SEED_PASSWORD, givenTarget, k6Env, reportPaths, seedUserCount } from '../../../src/load/k6-env.ts';
import { k6Args, main } from '../../../src/load/run.ts';
import { parseScenario, SCENARIO_NAMES, SCENARIOS, UnknownScenarioError } from '../../../src/load/scenarios.ts';

const target = {
  baseUrl: 'http://127.0.0.1:8000',
  worker1Url: 'http://127.0.0.1:8001',
  worker2Url: 'http://127.0.0.1:8002',
};

describe('scenario names', () => {
  it('accepts each scenario of load/', () => {
    for (const name of SCENARIO_NAMES) expect(parseScenario(name)).toBe(name);
    expect(SCENARIO_NAMES).toEqual(['chat-100-users', 'cached-reads', 'two-worker-consistency', 'cache-off-baseline']);
  });

  it.each([undefined, '', 'chat', 'load/chat-100-users.ts', 'chat-100-users.ts', '__proto__', 'toString'])(
    'refuses %j and lists the valid names',
    (name) => {
      expect(() => parseScenario(name)).toThrow(UnknownScenarioError);
      expect(() => parseScenario(name)).toThrow(/chat-100-users/);
    },
  );

  it('runs the baseline with the cache off and everything else with it on', () => {
    expect(SCENARIOS['cache-off-baseline'].cacheMode).toBe('off');
    for (const name of SCENARIO_NAMES.filter((n) => n !== 'cache-off-baseline')) {
      expect(SCENARIOS[name].cacheMode).toBe('on');
    }
  });
});

describe('k6 discovery', () => {
  const repoRoot = '/repo';

  it('takes k6 from PATH first', () => {
    const found = findK6({ path: '/usr/bin:/opt/k6/bin', repoRoot, isExecutable: (f) => f === '/opt/k6/bin/k6' });
    expect(found).toBe('/opt/k6/bin/k6');
  });

  it('falls back to the .bin/k6 that scripts/install-k6.sh builds', () => {
    const found = findK6({ path: '/usr/bin', repoRoot, isExecutable: (f) => f === join(repoRoot, '.bin', 'k6') });
    expect(found).toBe('/repo/.bin/k6');
  });

  it('finds nothing when neither exists', () => {
    expect(findK6({ path: '/usr/bin', repoRoot, isExecutable: () => false })).toBeUndefined();
    expect(findK6({ path: '', repoRoot, isExecutable: () => false })).toBeUndefined();
  });

  it('says in one line what to do', () => {
    expect(K6_NOT_FOUND_MESSAGE).toBe(
      'k6 not found — run scripts/install-k6.sh, install k6 or start a container runtime (see README)',
    );
    expect(K6_NOT_FOUND_MESSAGE).not.toContain('\n');
  });
});

describe('runner exit codes (no k6, no services)', () => {
  it('exits 3 (cannot be reached: no k6) with the one-line message when k6 is missing', async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (msg: string) => errors.push(msg);
    const repoRoot = mkdtempSync(join(tmpdir(), 'load-run-')); // no .bin/k6 in it
    try {
      const noRuntime = async () => 'no Docker socket';
      expect(await main(['chat-100-users'], { PATH: '/nonexistent' }, repoRoot, noRuntime)).toBe(3);
      expect(errors).toEqual([
        `${K6_NOT_FOUND_MESSAGE}; k6 not installed and no container runtime for grafana/k6:2.3.0 (no Docker socket)`,
      ]);
    } finally {
      console.error = original;
      rmSync(repoRoot, { recursive: true, force: true });
    }
  });

  it("puts neither targets nor the seed password on k6's command line", () => {
    expect(k6Args('two-worker-consistency', ['--quiet'])).toEqual(['run', '--quiet', 'load/two-worker-consistency.ts']);
  });

  it('exits 2 on an unknown scenario before looking for k6', async () => {
    const original = console.error;
    const errors: string[] = [];
    console.error = (msg: string) => errors.push(msg);
    try {
      expect(await main(['nope'])).toBe(2);
      expect(errors).toEqual([expect.stringMatching(/^unknown load scenario 'nope'/)]);
    } finally {
      console.error = original;
    }
  });
});

describe('environment passed to k6', () => {
  const env = k6Env({
    scenario: 'chat-100-users',
    target,
    seedPassword: 's3cret',
    reportDir: 'reports',
    baseEnv: { PATH: '/usr/bin', DURATION: '5m', PROFILE: 'average' },
  });

  it('carries the targets and the seed password', () => {
    expect(env).toMatchObject({
      BASE_URL: 'http://127.0.0.1:8000',
      WORKER1_URL: 'http://127.0.0.1:8001',
      WORKER2_URL: 'http://127.0.0.1:8002',
      SEED_PASSWORD: 's3cret',
      REPORT_DIR: 'reports',
    });
  });

  it('passes the scenario knobs through', () => {
    expect(env).toMatchObject({ PATH: '/usr/bin', DURATION: '5m', PROFILE: 'average' });
  });

  it("exports k6's web dashboard next to the JSON report, without opening a port", () => {
    expect(env.K6_WEB_DASHBOARD).toBe('true');
    expect(env.K6_WEB_DASHBOARD_PORT).toBe('-1');
    expect(env.K6_WEB_DASHBOARD_EXPORT).toBe('reports/load-chat-100-users.html');
    expect(reportPaths('chat-100-users', 'reports')).toEqual({
      json: 'reports/load-chat-100-users.json',
      junit: 'reports/load-chat-100-users.junit.xml',
      html: 'reports/load-chat-100-users.html',
    });
  });

  it('lets the caller override the dashboard settings', () => {
    const custom = k6Env({
      scenario: 'cached-reads',
      target,
      seedPassword: DEFAULT_SEED_PASSWORD,
      reportDir: 'out/',
      baseEnv: { K6_WEB_DASHBOARD: 'false', K6_WEB_DASHBOARD_PORT: '5665' },
    });
    expect(custom).toMatchObject({ K6_WEB_DASHBOARD: 'false', K6_WEB_DASHBOARD_PORT: '5665' });
    expect(custom.K6_WEB_DASHBOARD_EXPORT).toBe('out/load-cached-reads.html');
  });

  it('takes a given target, defaulting the worker URLs to BASE_URL', () => {
    expect(givenTarget({})).toBeUndefined();
    expect(givenTarget({ BASE_URL: '  ' })).toBeUndefined();
    expect(givenTarget({ BASE_URL: 'http://h:8000' })).toEqual({
      baseUrl: 'http://h:8000',
      worker1Url: 'http://h:8000',
      worker2Url: 'http://h:8000',
    });
    expect(
      givenTarget({ BASE_URL: 'http://h:8000', WORKER1_URL: 'http://h:8001', WORKER2_URL: 'http://h:8002' }),
    ).toEqual({ baseUrl: 'http://h:8000', worker1Url: 'http://h:8001', worker2Url: 'http://h:8002' });
  });

  it('seeds enough users for every scenario', () => {
    expect(seedUserCount({})).toBe(100);
    expect(seedUserCount({ USERS: '250' })).toBe(250);
    expect(seedUserCount({ WRITERS: '80', READERS: '40' })).toBe(120);
    expect(seedUserCount({ USERS: 'lots' })).toBe(100);
  });
});
