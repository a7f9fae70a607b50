// Static text checks of the k6 scripts. These read the files as text instead of running them because the k6 binary
// cannot be built on this machine (docs/load.md, "Installing k6"); the day k6 is available, the smoke runs in
// `npm run load` prove the same things for real. Imports nothing from k6.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCENARIO_NAMES, SCENARIOS } from '../../../src/load/scenarios.ts';

const LOAD_DIR = join(import.meta.dirname, '../../../load');
const scripts = readdirSync(LOAD_DIR).filter((f) => f.endsWith('.ts'));
const libs = readdirSync(join(LOAD_DIR, 'lib')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
const read = (...parts: string[]) => readFileSync(join(LOAD_DIR, ...parts), 'utf8');
const importsOf = (source: string) =>
  [...source.matchAll(/^import\s[^;]*?from\s+'([^']+)';/gms)].map((m) => m[1] ?? '');

describe('load/ scenario files', () => {
  it('are exactly the scenarios the runner knows', () => {
    expect(scripts.map((f) => f.replace(/\.ts$/, '')).sort()).toEqual([...SCENARIO_NAMES].sort());
    for (const name of SCENARIO_NAMES) expect(SCENARIOS[name].script).toBe(`load/${name}.ts`);
  });

  describe.each(scripts)('%s', (file) => {
    const source = read(file);
    const name = file.replace(/\.ts$/, '');

    it('exports options with thresholds, setup() and handleSummary()', () => {
      expect(source).toMatch(/^export const options: Options = \{/m);
      expect(source).toMatch(/^\s+thresholds[,:]/m);
      expect(source).toMatch(/^export function setup\(\)/m);
      expect(source).toMatch(/^export function handleSummary\(data: SummaryData\)/m);
    });

    it('writes its reports under its own name', () => {
      expect(source).toContain(`summaryWriter('${name}'`);
    });

    it('enforces failed requests < 1 % and no dropped iterations', () => {
      expect(source).toContain("http_req_failed: ['rate<0.01']");
      expect(source).toMatch(/dropped_iterations[^\n]*count==0/);
    });
  });

  it('each carries the thresholds of its purpose', () => {
    const chat = read('chat-100-users.ts');
    expect(chat).toContain("fastnpc_cache_hit: ['rate>0.9']");
    expect(chat).toContain("fastnpc_cached_read_duration: ['p(95)<5']");
    const cached = read('cached-reads.ts');
    expect(cached).toContain('export const CEILING_P95_MS = 5;');
    expect(cached).toMatch(/`p\(95\)<\$\{CEILING_P95_MS\}`/);
    const twc = read('two-worker-consistency.ts');
    expect(twc).toContain("fastnpc_stale_reads: ['count==0']");
    expect(twc).toContain('WORKER1_URL');
    expect(twc).toContain('WORKER2_URL');
    // The baseline runs with the cache off: no hit-rate or cached-read ceiling there.
    expect(read('cache-off-baseline.ts')).not.toContain('fastnpc_cache_hit:');
  });
});

describe('imports k6 can resolve', () => {
  const files = [...scripts, ...libs.map((f) => join('lib', f))];

  it.each(files)('%s imports only k6 modules and local files named with .ts', (file) => {
    for (const spec of importsOf(read(file))) {
      if (spec.startsWith('.')) expect(spec).toMatch(/\.ts$/);
      else expect(spec).toMatch(/^k6(\/[a-z-]+)?$/); // no node:, no npm packages, no remote jslib URLs
    }
  });

  it('no script fetches code from the network', () => {
    for (const file of files) expect(read(file)).not.toMatch(/from\s+'https?:/);
  });
});
