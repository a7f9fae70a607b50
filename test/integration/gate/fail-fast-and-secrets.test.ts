// The gate as a user runs it (a subprocess of src/gate/cli.ts): bad input exits 2 before anything runs or any report
// is touched; an unreachable target exits 3 with one line; and the passwords given in URLs and REDIS_PASSWORD appear
// in no output and in no file of the reports (every file is grepped). The control of the grep is the run's own
// output: the masked URL ("user:***@") must be there, so the grep looks where the secret would have been.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort, type StartedRedisServer, startRedisServer } from '../../../src/stack/index.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const BASE_PW = 'Url-Secret-4711';
const REDIS_PW = 'Redis-Secret-0815';

function gate(args: string[], env: Record<string, string> = {}) {
  const clean = { ...process.env };
  for (const name of ['ACCEPTANCE_TARGET', 'BASE_URL', 'REDIS_URL', 'DATABASE_URL', 'WORKER1_URL', 'WORKER2_URL']) {
    delete clean[name];
  }
  const result = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'src/gate/cli.ts'), ...args], {
    cwd: ROOT,
    env: { ...clean, CI: '1', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
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
      '--reports-dir',
      dir,
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`cannot reach BASE_URL http://qa:***@127.0.0.1:${closed}`);
    expect(`${r.stdout}${r.stderr}`).not.toContain(BASE_PW);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('credentials never in output or reports', { timeout: 150_000 }, () => {
  let redis: StartedRedisServer;
  let app: Server;
  let appPort: number;
  beforeAll(async () => {
    redis = await startRedisServer();
    const admin = new Redis(redis.url);
    await admin.config('SET', 'requirepass', REDIS_PW);
    admin.disconnect();
    app = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    appPort = (app.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => app?.close(r));
    await redis?.stop();
  });

  test('a run with a password in --base-url and REDIS_PASSWORD: grep every output and every report file', () => {
    const dir = join(reports, 'secrets');
    const r = gate(
      [
        '--base-url',
        `http://qa:${BASE_PW}@127.0.0.1:${appPort}`,
        '--redis-url',
        redis.url,
        '--only',
        'audit',
        '--reports-dir',
        dir,
      ],
      { REDIS_PASSWORD: REDIS_PW },
    );
    const output = `${r.stdout}${r.stderr}`;
    expect([0, 1], output).toContain(r.code);
    // control: the URL is in the output, masked — so the grep below looks where the secret would be
    expect(output).toContain(`http://qa:***@127.0.0.1:${appPort}`);
    expect(output).not.toContain(BASE_PW);
    expect(output).not.toContain(REDIS_PW);
    const files = allFiles(dir);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(
      expect.arrayContaining(['gate.json', 'junit.xml', 'gate.html', 'latest/gate.json']),
    );
    const json = readFileSync(join(dir, 'latest/gate.json'), 'utf8');
    expect(json).toContain('qa:***@'); // control: the masked URL is in the report
    expect(JSON.parse(json).auditChecks.length).toBeGreaterThan(5); // the audit reached Redis with the password
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(text.includes(BASE_PW), file).toBe(false);
      expect(text.includes(REDIS_PW), file).toBe(false);
    }
  });
});
