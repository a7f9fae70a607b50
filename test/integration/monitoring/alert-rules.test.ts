import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../../src/cache/metrics.ts';

// The alerting rules and the dashboard ops watch (monitoring/, docs/alerts.md): `promtool check rules` and
// `promtool test rules` (a case per alert that fires and one that does not); a broken rule file is refused (the
// control); every fastnpc_* metric they use is one the service exports. promtool comes with Debian's `prometheus`
// package (scripts/install-system-deps.sh); without it the test fails with that reason.
const RULES = 'monitoring/prometheus/fastnpc-alerts.yml';
const RULE_TESTS = 'monitoring/prometheus/fastnpc-alerts.test.yml';
const DASHBOARD = 'monitoring/grafana/fastnpc-cache.json';
const SERVICE_METRICS = [
  ...Object.values(METRIC_NAMES),
  'fastnpc_http_request_duration_seconds',
  'fastnpc_db_statements_total',
  'fastnpc_service_cache_reads_total',
  'fastnpc_invalidation_failures_total',
];

function promtool(...args: string[]) {
  const run = spawnSync('promtool', args, { encoding: 'utf8' });
  if (run.error) throw new Error(`promtool not runnable (apt-get install prometheus): ${run.error.message}`);
  return run;
}

/** fastnpc_* names a text uses (histogram series suffixes removed). */
function fastnpcMetrics(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/\bfastnpc_[a-z_]+/g)) names.add(m[0].replace(/_(bucket|count|sum)$/, ''));
  names.delete('fastnpc_auth');
  return [...names];
}

describe('alerting rules and dashboard', () => {
  it('promtool check rules: the rule file is valid', () => {
    const run = promtool('check', 'rules', RULES);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/SUCCESS: 7 rules found/);
  });

  it('promtool test rules: each alert fires where it should and not where it should not', () => {
    const run = promtool('test', 'rules', RULE_TESTS);
    expect(run.status, run.stdout + run.stderr).toBe(0);
  });

  it('control: a rule with a wrong threshold fails its rule test', () => {
    const dir = mkdtempSync(join(tmpdir(), 'alert-rules-'));
    try {
      cpSync(RULE_TESTS, join(dir, 'fastnpc-alerts.test.yml'));
      // the hit-rate alert at 70 % instead of 90 %: the 80 % case no longer fires
      writeFileSync(join(dir, 'fastnpc-alerts.yml'), readFileSync(RULES, 'utf8').replace(') < 0.9', ') < 0.7'));
      const run = promtool('test', 'rules', join(dir, 'fastnpc-alerts.test.yml'));
      expect(run.status).not.toBe(0);
      expect(run.stdout + run.stderr).toMatch(/FastnpcCacheHitRateLow/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rules and dashboard use only metrics the service exports', () => {
    const used = [...fastnpcMetrics(readFileSync(RULES, 'utf8')), ...fastnpcMetrics(readFileSync(DASHBOARD, 'utf8'))];
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((name) => !SERVICE_METRICS.includes(name))).toEqual([]);
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    expect(dashboard.panels.length).toBeGreaterThan(5);
  });
});
