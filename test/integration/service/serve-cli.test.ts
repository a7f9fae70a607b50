// `npm run serve` / `npm run seed` as a user runs them: usage errors exit 2 with one line, --help works, and a serve
// whose parent dies (npm killed with SIGKILL) stops its workers and the redis-server / PostgreSQL it started. The
// control: while the parent lives, the service's processes are there.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { freePort, freePortBlock } from '../../../src/stack/index.ts';
import { alive, commandsOf, descendants, postgresOf } from '../../support/processes.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
// the commands' own processes, as the npm scripts run them (no tsx CLI relaying signals)
const NODE_TSX = `"${process.execPath}" --import tsx`;

function cli(script: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('serve and seed command lines', () => {
  test.each([
    [['--users', 'abc'], '--users must be a whole number, got "abc"'],
    [['--workers', '0'], '--workers must be between 1 and 32, got 0'],
    [['--bogus'], "Unknown option '--bogus'"],
    [['--seed', '--no-seed'], '--seed and --no-seed contradict each other'],
  ])('serve %j: exit 2, one line', (args, message) => {
    const r = cli('src/service/cli.ts', args);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe(`fastnpc serve: ${message} (see --help)`);
  });
  test('seed --help works; a bad count or a missing DATABASE_URL is exit 2', () => {
    const help = cli('src/service/seed-cli.ts', ['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('usage: DATABASE_URL=postgres://… npm run seed');
    expect(cli('src/service/seed-cli.ts', ['--users', 'x'], { DATABASE_URL: 'postgres://a@b/c' }).code).toBe(2);
    expect(cli('src/service/seed-cli.ts', [], { DATABASE_URL: '' }).err).toContain('DATABASE_URL is required');
  });
  test('seed against a closed port: exit 3, one line', async () => {
    const port = await freePort();
    const r = cli('src/service/seed-cli.ts', ['--users', '1'], { DATABASE_URL: `postgres://a@127.0.0.1:${port}/x` });
    expect(r.code).toBe(3);
    expect(r.err.trim()).toBe('fastnpc seed: cannot reach the database at DATABASE_URL (ECONNREFUSED)');
  });

  test('serve stops its workers, redis-server and PostgreSQL when its parent is killed with SIGKILL', async () => {
    const port = await freePortBlock(2); // the shared port and one per worker
    const log = join(mkdtempSync(join(tmpdir(), 'serve-cli-')), 'serve.log');
    // the parent: a shell that runs serve (as npm does) and is then killed without a chance to clean up
    const parent = spawn(
      'sh',
      ['-c', `${NODE_TSX} src/service/cli.ts --port ${port} --users 2 --characters 1 --memories 1 > "${log}" 2>&1`],
      { cwd: ROOT, env: { ...process.env, REDIS_URL: '', DATABASE_URL: '' }, stdio: 'ignore' },
    );
    let started: number[] = [];
    let parentExited = false;
    parent.once('exit', () => (parentExited = true));
    const serveLog = (): string => {
      try {
        return readFileSync(log, 'utf8');
      } catch {
        return '';
      }
    };
    try {
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline && !parentExited && !serveLog().includes('worker 2:')) {
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(parentExited, `serve exited before its workers answered:\n${serveLog()}`).toBe(false);
      expect(serveLog(), 'worker 2 did not answer within 120 s').toContain('worker 2:');
      const tree = descendants(parent.pid as number);
      started = [...tree, ...postgresOf(tree)];
      const names = commandsOf(started);
      // control: the service, its workers, redis-server and PostgreSQL run while the parent lives
      expect(names, serveLog()).toContain('redis-server');
      expect(names, serveLog()).toContain('postgres');
      expect(started.length).toBeGreaterThanOrEqual(5);
      process.kill(parent.pid as number, 'SIGKILL');
      const gone = Date.now() + 30_000;
      while (Date.now() < gone && started.some(alive)) await new Promise((r) => setTimeout(r, 500));
      expect(started.filter(alive), readFileSync(log, 'utf8')).toEqual([]);
    } finally {
      // whatever failed above, nothing this test started outlives it
      const leftovers = [parent.pid as number, ...descendants(parent.pid as number), ...started].filter(alive);
      for (const pid of leftovers) process.kill(pid, 'SIGKILL');
    }
  }, 150_000);
});
