// The gate as a user runs it (a subprocess of src/gate/cli.ts): bad input exits 2 before anything runs or any report
// is touched — a setting a selected row needs included (ACCEPTANCE_USERS_FILE); an unreachable target, or a base URL
// that does not answer like the app (a server answering 200 or 404 to everything), exits 3 with one line; and an
// external run against the live reference service, its base URL carrying a password, shows no credential (the URL's
// password, REDIS_PASSWORD, the admin's and the seeded users' passwords from ACCEPTANCE_USERS_FILE) on stdout, on
// stderr or in any file of the reports (every file is grepped). The control of the grep is the run's own output:
// the masked URL ("qa:***@") must be there, so the grep looks where the secret would have been.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { embeddedTarget } from '../../../acceptance/target/local.ts';
import type { StartedTarget } from '../../../acceptance/target/types.ts';
import { freePort } from '../../../src/stack/index.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const BASE_PW = 'Url-Secret-4711';

function gate(args: string[], env: Record<string, string> = {}) {
  const clean = { ...process.env };
  for (const name of [
    'ACCEPTANCE_TARGET',
    'BASE_URL',
    'REDIS_URL',
    'DATABASE_URL',
    'WORKER1_URL',
    'WORKER2_URL',
    'ACCEPTANCE_USERS_FILE',
    'FASTNPC_ADMIN_USER',
    'FASTNPC_ADMIN_PASSWORD',
    'GITHUB_STEP_SUMMARY',
  ]) {
    delete clean[name];
  }
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/gate/cli.ts'), ...args], {
    cwd: ROOT,
    env: { ...clean, CI: '1', ...env },
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same as gate(), without blocking this process: for a server the test itself runs. */
function gateAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean = { ...process.env };
  for (const name of ['ACCEPTANCE_TARGET', 'BASE_URL', 'REDIS_URL', 'DATABASE_URL', 'WORKER1_URL', 'WORKER2_URL']) {
    delete clean[name];
  }
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/gate/cli.ts'), ...args], {
    cwd: ROOT,
    env: { ...clean, CI: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function allFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((f) => statSync(f).isFile());
}

let reports: string;
beforeAll(() => {
  reports = mkdtempSync(join(tmpdir(), 'gate-reports-'));
});
afterAll(() => rmSync(reports, { recursive: true, force: true }));

describe('fail fast on bad input', { timeout: 150_000 }, () => {
  test('--target external without a base URL: exit 2, the setting named, no report written', () => {
    const dir = join(reports, 'no-base-url');
    const r = gate(['--target', 'external', '--reports-dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('gate: an external target needs BASE_URL (--base-url): the app to prove');
    expect(existsSync(dir)).toBe(false);
    expect(r.stdout).toBe('');
  });
  test('a malformed setting from the environment is named: exit 2, nothing written', () => {
    const dir = join(reports, 'bad-ttl');
    const r = gate(['--reports-dir', dir], {
      ACCEPTANCE_TARGET: 'external',
      BASE_URL: 'http://127.0.0.1:1',
      REDIS_URL: 'redis://127.0.0.1:1',
      CACHE_TTL_LIST_SECONDS: 'sixty',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CACHE_TTL_LIST_SECONDS');
    expect(existsSync(dir)).toBe(false);
  });
  test('--only with a filter that matches nothing is a usage error, not an empty pass', () => {
    const r = gate(['--only', 'nothing-like-this', '--reports-dir', join(reports, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--only nothing-like-this: matches no acceptance file');
  });
  test('an unreachable base URL: one line, exit 3, the password masked, no report', async () => {
    const dir = join(reports, 'unreachable');
    const closed = await freePort();
    const r = gate([
      '--base-url',
      `http://qa:${BASE_PW}@127.0.0.1:${closed}`,
      '--redis-url',
      'redis://127.0.0.1:1',
      '--only',
      '01',
      '--reports-dir',
      dir,
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`cannot reach BASE_URL http://qa:***@127.0.0.1:${closed}`);
    expect(`${r.stdout}${r.stderr}`).not.toContain(BASE_PW);
    expect(existsSync(dir)).toBe(false);
  });
  test('a setting the selected rows need is missing (ACCEPTANCE_USERS_FILE): exit 2 naming it, nothing run', () => {
    const dir = join(reports, 'no-users-file');
    const args = ['--base-url', 'http://127.0.0.1:1', '--redis-url', 'redis://127.0.0.1:1', '--reports-dir', dir];
    const r = gate(args, {
      DATABASE_URL: 'postgres://127.0.0.1:1/db',
      FASTNPC_ADMIN_USER: 'a',
      FASTNPC_ADMIN_PASSWORD: 'b',
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^gate: the selected rows need ACCEPTANCE_USERS_FILE \(seeded users to sign in as; rows 02, 03/,
    );
    expect(r.stderr).toContain('nothing was run');
    expect(r.stdout).toBe('');
    expect(existsSync(dir)).toBe(false);
    // control: leaving out every row that needs it (01 needs no users) passes this check and reaches the
    // reachability check (exit 3: nothing listens on port 1)
    const only01 = gate([...args, '--only', '01']);
    expect(only01.code, only01.stderr).toBe(3);
    expect(only01.stderr).toContain('cannot reach BASE_URL');
  });
});

describe('a base URL that is not the app', { timeout: 150_000 }, () => {
  const servers: Server[] = [];
  async function serve(status: number, body: string, type: string): Promise<number> {
    const server = createServer((_req, res) => res.writeHead(status, { 'content-type': type }).end(body));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }
  afterAll(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
  });

  // the Redis URL only has to accept TCP before the app check: the same port serves for it
  test.each([
    [
      'a static file server answering 200 to everything',
      200,
      '<html>index</html>',
      'text/html',
      /answered 200 text\/html/,
    ],
    ['a server answering 404 to everything', 404, 'Not Found', 'text/plain', /answered 404 text\/plain/],
  ])('%s: exit 3, one line, nothing written', async (_name, status, body, type, answered) => {
    const port = await serve(status, body, type);
    const dir = join(reports, `not-the-app-${status}`);
    const r = await gateAsync([
      '--base-url',
      `http://qa:${BASE_PW}@127.0.0.1:${port}`,
      '--redis-url',
      `redis://127.0.0.1:${port}`,
      '--only',
      '01',
      '--reports-dir',
      dir,
    ]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`gate: BASE_URL http://qa:***@127.0.0.1:${port} does not behave like the app`);
    expect(r.stderr).toMatch(answered);
    expect(`${r.stdout}${r.stderr}`).not.toContain(BASE_PW);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('credentials never in any output of an external run against the live app', { timeout: 400_000 }, () => {
  let target: StartedTarget;
  let secrets: string[];
  let usersFile: string;
  beforeAll(async () => {
    // the reference service, as a deployment the gate only reaches through URLs
    target = await embeddedTarget('local');
    const info = target.info;
    usersFile = join(reports, 'users.json');
    writeFileSync(usersFile, JSON.stringify(info.users.slice(0, 5)), { mode: 0o600 });
    secrets = [
      BASE_PW,
      info.redisPassword as string,
      info.admin?.password as string,
      ...new Set(info.users.slice(0, 5).map((u) => u.password)),
    ];
  }, 240_000);
  afterAll(async () => {
    await target?.stop();
  });

  test('stdout, stderr, the step summary, the log and every report file: no password (control: masked URL)', () => {
    const info = target.info;
    const dir = join(reports, 'secrets');
    const summary = join(reports, 'step-summary.md');
    // what CI read after the last complete run: an --only run must leave it exactly as it is
    const previous = join(dir, 'runs', '2026-12-01T10-00-00-000Z');
    mkdirSync(previous, { recursive: true });
    const top: Record<string, string> = {
      'gate.json': '{"pass":true,"previous":"complete run"}',
      'junit.xml': '<testsuites name="previous complete run"/>',
      'gate.html': '<html><head></head>previous complete run</html>',
    };
    for (const [name, text] of Object.entries(top)) {
      writeFileSync(join(previous, name), text);
      writeFileSync(join(dir, name), text);
    }
    symlinkSync('runs/2026-12-01T10-00-00-000Z', join(dir, 'latest'));
    const base = new URL(info.baseUrl);
    const r = gate(
      [
        '--base-url',
        `http://qa:${BASE_PW}@${base.host}`,
        '--redis-url',
        info.redisUrl,
        '--profile',
        'reference',
        '--only',
        'audit',
        '--only',
        '01',
        '--only',
        '02',
        '--reports-dir',
        dir,
      ],
      {
        REDIS_PASSWORD: info.redisPassword as string,
        FASTNPC_ADMIN_USER: info.admin?.username as string,
        FASTNPC_ADMIN_PASSWORD: info.admin?.password as string,
        ACCEPTANCE_USERS_FILE: usersFile,
        GITHUB_STEP_SUMMARY: summary,
      },
    );
    const output = `${r.stdout}${r.stderr}`;
    expect([0, 1], output).toContain(r.code);
    // a partial run (--only): its own folder, said on the terminal; reports/gate.json, junit.xml, gate.html and
    // latest untouched
    expect(r.stdout).toMatch(/partial run \(--only audit --only 01 --only 02\): reports in \S+-partial\/ only/);
    for (const [name, text] of Object.entries(top)) expect(readFileSync(join(dir, name), 'utf8'), name).toBe(text);
    expect(readlinkSync(join(dir, 'latest'))).toBe('runs/2026-12-01T10-00-00-000Z');
    // control: the URL reached every stream it used to leak on, masked — the acceptance setup's line on stderr too
    expect(r.stderr).toContain(`[acceptance] target external: http://qa:***@${base.host}`);
    expect(output).toContain(`http://qa:***@${base.host}`);
    for (const secret of secrets) expect(output.includes(secret), 'a password on stdout/stderr').toBe(false);
    const files = [...allFiles(dir), summary];
    const names = files.map((f) => f.slice(reports.length + 1));
    // a partial run: its own folder, the step summary, a log of the suites
    expect(names).toEqual(expect.arrayContaining(['step-summary.md']));
    const markdown = readFileSync(summary, 'utf8');
    expect(markdown).toContain('| # | row | figure | bound | result | s |');
    expect(markdown).toMatch(/\| 01 \| Redis runs [^\n]*\| ✅ PASS \|/);
    expect(markdown).toContain('(partial run, not published)');
    expect(names.some((n) => /runs\/[^/]+-partial\/gate\.json$/.test(n))).toBe(true);
    expect(names.some((n) => /runs\/[^/]+-partial\/acceptance\.log$/.test(n))).toBe(true);
    const json = readFileSync(files.find((f) => f.endsWith('-partial/gate.json')) as string, 'utf8');
    expect(JSON.parse(json).metadata).toMatchObject({ complete: false, scope: 'deploy' }); // says it is partial
    expect(json).toContain('qa:***@'); // control: the masked URL is in the report
    expect(JSON.parse(json).auditChecks.length).toBeGreaterThan(5); // the audit reached Redis with the password
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const secret of secrets) expect(text.includes(secret), `a password in ${file}`).toBe(false);
    }
  });
});
