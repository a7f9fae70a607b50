// `npm run serve` stopped as a user stops it — SIGTERM to npm (a process manager) or Ctrl-C (SIGINT to the whole
// process group) — exits 0 as docs/exit-codes.md says, and leaves no private PostgreSQL / redis-server folder behind.
// The control is the script without `exec`: npm's `sh -c` then sits between npm and the service, dies by the signal,
// and npm reports 143 while the service is left to notice its dead parent.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { freePortBlock } from '../../../src/stack/index.ts';
import { alive, descendants, postgresOf } from '../../support/processes.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SERVE_SCRIPT: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.serve;
const temps: string[] = [];

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

interface Stopped {
  code: number | null;
  signal: NodeJS.Signals | null;
  log: string;
  /** Folders the private PostgreSQL and redis-server left in the run's own TMPDIR. */
  leftovers: string[];
}

/** Starts `npm <args>` in its own process group and a private TMPDIR, waits for both workers, then stops it. */
async function serveAndStop(
  npmArgs: (serveFlags: string) => string[],
  stop: 'SIGTERM to npm' | 'SIGINT to the group',
): Promise<Stopped> {
  const tmp = mkdtempSync(join(tmpdir(), 'serve-signals-'));
  chmodSync(tmp, 0o755); // PostgreSQL runs as "postgres" when the tests run as root
  temps.push(tmp);
  const port = await freePortBlock(2);
  const args = npmArgs(`--port ${port} --users 2 --characters 1 --memories 1`);
  const npm = spawn('npm', args, {
    cwd: ROOT,
    env: { ...process.env, TMPDIR: tmp, REDIS_URL: '', DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, as a terminal gives a command
  });
  let log = '';
  npm.stdout.on('data', (c) => (log += c));
  npm.stderr.on('data', (c) => (log += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    npm.once('exit', (code, signal) => r({ code, signal })),
  );
  let started: number[] = [];
  try {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && npm.exitCode === null && !log.includes('worker 2:')) {
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(log, 'serve did not start within 120 s').toContain('worker 2:');
    const tree = descendants(npm.pid as number);
    started = [...tree, ...postgresOf(tree)];
    if (stop === 'SIGTERM to npm') process.kill(npm.pid as number, 'SIGTERM');
    else process.kill(-(npm.pid as number), 'SIGINT');
    const result = await exited;
    // the service is stopped either way (the control's orphan notices its dead parent): wait for it to finish
    const gone = Date.now() + 30_000;
    while (Date.now() < gone && started.some(alive)) await new Promise((r) => setTimeout(r, 250));
    const leftovers = readdirSync(tmp).filter((name) => /^fastnpc-(pg|redis)-/.test(name));
    return { ...result, log, leftovers };
  } finally {
    for (const pid of [npm.pid as number, ...descendants(npm.pid as number), ...started].filter(alive)) {
      process.kill(pid, 'SIGKILL');
    }
  }
}

describe('npm run serve stopped by a signal', { concurrent: true }, () => {
  test('the serve script execs the service: no shell between npm and it', () => {
    expect(SERVE_SCRIPT).toMatch(/^exec node --import tsx /);
  });

  test.each(['SIGTERM to npm', 'SIGINT to the group'] as const)(
    '%s: exit 0, nothing left behind',
    async (stop) => {
      const r = await serveAndStop((flags) => ['run', 'serve', '--', ...flags.split(' ')], stop);
      expect({ code: r.code, signal: r.signal }, r.log).toEqual({ code: 0, signal: null });
      expect(r.log).toContain(
        `${stop === 'SIGTERM to npm' ? 'SIGTERM' : 'SIGINT'}: stopping workers and the local stack`,
      );
      expect(r.leftovers, r.log).toEqual([]);
    },
    180_000,
  );

  test('control: the same script through a shell (no exec) makes npm report SIGTERM as a failure', async () => {
    const naive = SERVE_SCRIPT.replace(/^exec /, '');
    const r = await serveAndStop((flags) => ['exec', '-c', `${naive} ${flags}`], 'SIGTERM to npm');
    expect(r.code === 0 && r.signal === null, r.log).toBe(false);
  }, 180_000);
});
