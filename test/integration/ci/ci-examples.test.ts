// The CI examples in docs/ci/ are ready to copy: the GitHub Actions workflow passes actionlint (built from the Go
// module proxy by scripts/install-actionlint.sh into .bin/), the GitLab job has the structure GitLab reads (every
// job keyword known, junit report and reports/ kept, the gate run after scripts/bootstrap.sh), and every gate
// command in both is accepted by the gate's own argument parser. Each check has a control: the same file with one
// typical mistake must fail it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseArgs } from '../../../src/gate/args.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const GITHUB = join(ROOT, 'docs/ci/github-actions.yml');
const GITLAB = join(ROOT, 'docs/ci/gitlab-ci.yml');
const ACTIONLINT = join(ROOT, '.bin/actionlint');

const tmp = mkdtempSync(join(tmpdir(), 'ci-examples-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function actionlint(file: string) {
  const r = spawnSync(ACTIONLINT, ['-no-color', '-oneline', file], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

/** The gate's flags in every `npm start -- …` / `npm run gate -- …` line, shell variables given dummy values. */
function gateCommands(text: string): string[][] {
  const lines = text.split('\n').filter((l) => /npm (start|run gate) --/.test(l) && !l.trim().startsWith('#'));
  return lines.map((line) => {
    const flags = (line.slice(line.indexOf(' -- ') + 4).split(/ \|\| | && |;/)[0] as string).trim();
    const words = flags.match(/"[^"]*"|\S+/g) ?? [];
    return words.map((w) =>
      w
        .replace(/^"|"$/g, '')
        .replace(/\$\{?GATE_SCOPE\}?/g, 'deploy')
        .replace(/\$\{?(BASE_URL)\}?/g, 'https://staging.example')
        .replace(/\$\{?(REDIS_URL)\}?/g, 'redis://redis.staging.example:6379'),
    );
  });
}

describe('docs/ci/github-actions.yml', () => {
  beforeAll(() => {
    // builds .bin/actionlint on first use (a no-op when it is there)
    const r = spawnSync('bash', [join(ROOT, 'scripts/install-actionlint.sh')], { encoding: 'utf8', timeout: 280_000 });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  }, 300_000);

  test('actionlint finds nothing (control: the same workflow with a typo fails it)', () => {
    const clean = actionlint(GITHUB);
    expect(clean, clean.output).toEqual({ code: 0, output: '' });
    const broken = join(tmp, 'broken.yml');
    writeFileSync(broken, readFileSync(GITHUB, 'utf8').replace('runs-on: ubuntu-24.04', 'runs_on: ubuntu-24.04'));
    const r = actionlint(broken);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/runs_on|runs-on/);
  });

  test('k6 from Grafana, bootstrap before the embedded gate, reports kept even when the gate fails', () => {
    const text = readFileSync(GITHUB, 'utf8');
    // exit 75 (host too busy) is retried once, any other code ends the step with it
    expect(text.match(/if \[ "\$status" -ne 75 \]; then exit "\$status"; fi/g)).toHaveLength(2);
    expect(text).toContain('uses: grafana/setup-k6-action@v1');
    expect(text.indexOf('bash scripts/bootstrap.sh --gate')).toBeLessThan(text.indexOf('npm start --'));
    expect(text.match(/uses: actions\/upload-artifact@v4/g)).toHaveLength(2);
    expect(text.match(/if: \$\{\{ !cancelled\(\) \}\}/g)).toHaveLength(2);
    // secrets come from the secret store only
    expect(text).toMatch(/REDIS_PASSWORD: \$\{\{ secrets\.STAGING_REDIS_PASSWORD \}\}/);
    expect(text).not.toMatch(/:\/\/[^\s/$]+:[^\s@$]+@/);
  });
});

/** Keywords GitLab accepts in a job (https://docs.gitlab.com/ci/yaml/). */
const JOB_KEYWORDS = new Set([
  'after_script',
  'allow_failure',
  'artifacts',
  'before_script',
  'cache',
  'coverage',
  'dast_configuration',
  'dependencies',
  'environment',
  'extends',
  'hooks',
  'identity',
  'id_tokens',
  'image',
  'inherit',
  'interruptible',
  'manual_confirmation',
  'needs',
  'pages',
  'parallel',
  'release',
  'resource_group',
  'retry',
  'rules',
  'run',
  'script',
  'secrets',
  'services',
  'stage',
  'tags',
  'timeout',
  'trigger',
  'variables',
  'when',
]);
const GLOBAL_KEYWORDS = new Set(['default', 'include', 'stages', 'variables', 'workflow', 'spec']);

interface Job {
  [key: string]: unknown;
  script?: unknown;
  extends?: string;
}

/** The problems GitLab would report, or [] (a small structural check: keys, scripts, stages, artifacts). */
async function gitlabProblems(text: string): Promise<string[]> {
  const { parseDocument } = await import('yaml');
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) return doc.errors.map((e) => e.message);
  const config = doc.toJS() as Record<string, Job>;
  const problems: string[] = [];
  const stages = (config.stages as unknown as string[]) ?? ['build', 'test', 'deploy'];
  const jobs = Object.entries(config).filter(([k]) => !GLOBAL_KEYWORDS.has(k));
  const resolved = (job: Job): Job => (job.extends ? { ...resolved(config[job.extends] as Job), ...job } : job);
  for (const [name, job] of jobs) {
    for (const key of Object.keys(job)) if (!JOB_KEYWORDS.has(key)) problems.push(`${name}: unknown keyword ${key}`);
    if (job.extends && !config[job.extends]) problems.push(`${name}: extends unknown ${job.extends}`);
    if (name.startsWith('.')) continue; // a hidden template job
    const full = resolved(job);
    if (!Array.isArray(full.script) || !full.script.every((s) => typeof s === 'string')) {
      problems.push(`${name}: script must be a list of commands`);
    }
    if (full.stage && !stages.includes(full.stage as string))
      problems.push(`${name}: stage ${full.stage} not in stages`);
  }
  return problems;
}

describe('docs/ci/gitlab-ci.yml', () => {
  test('every key is a GitLab keyword, every job has a script (control: a typo is reported)', async () => {
    const text = readFileSync(GITLAB, 'utf8');
    expect(await gitlabProblems(text)).toEqual([]);
    expect(
      await gitlabProblems(
        text.replace('gate:embedded:\n  extends: .gate\n  script:', 'gate:embedded:\n  extends: .gate\n  scripts:'),
      ),
    ).toEqual(
      expect.arrayContaining([
        'gate:embedded: unknown keyword scripts',
        'gate:embedded: script must be a list of commands',
      ]),
    );
    expect((await gitlabProblems(`${text}\ngate:embedded:\n  script: [true]\n`)).join()).toMatch(/duplicate|unique/i);
  });

  test('both jobs keep junit.xml as a test report and reports/ as an artifact, even when the gate fails', async () => {
    const { parse } = await import('yaml');
    const config = parse(readFileSync(GITLAB, 'utf8')) as Record<string, Job>;
    const template = config['.gate'] as { artifacts: Record<string, unknown>; image: string };
    expect(template.artifacts).toMatchObject({
      when: 'always',
      paths: ['reports/'],
      reports: { junit: 'reports/junit.xml' },
    });
    expect(template.image).toMatch(/^node:20/);
    expect((config['.gate'] as { retry: unknown }).retry).toEqual({ max: 1, when: 'script_failure', exit_codes: 75 });
    for (const name of ['gate:embedded', 'gate:staging']) expect(config[name]?.extends).toBe('.gate');
    const embedded = config['gate:embedded']?.script as string[];
    expect(embedded.findIndex((s) => s.includes('scripts/bootstrap.sh'))).toBeLessThan(
      embedded.findIndex((s) => s.startsWith('npm start')),
    );
    const text = readFileSync(GITLAB, 'utf8');
    expect(text).not.toMatch(/:\/\/[^\s/$]+:[^\s@$]+@/); // no URL with a password in the file
  });
});

describe('the gate commands in both examples', () => {
  test('are accepted by the gate (control: an unknown flag is refused)', () => {
    const commands = [GITHUB, GITLAB].flatMap((f) => gateCommands(readFileSync(f, 'utf8')));
    expect(commands.length).toBe(4);
    for (const argv of commands) expect(() => parseArgs(argv), argv.join(' ')).not.toThrow();
    expect(() => parseArgs([...(commands[0] as string[]), '--scopes', 'deploy'])).toThrow(/unknown option/);
  });
});
