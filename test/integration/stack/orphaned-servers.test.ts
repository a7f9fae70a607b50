// A process that started a private redis-server and PostgreSQL and is then killed with SIGKILL (a vitest worker
// killed, a gate timed out) runs no exit hook: its servers stay (the control shows them still running once their
// owner is dead). The next start removes them — found by the owner file in their temp folder and checked by their
// working directory before any signal — while the servers of a live owner (this test's own) are left alone.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { startPostgres, startRedisServer } from '../../../src/stack/index.ts';
import { reapOrphanedServers } from '../../../src/stack/orphaned-servers.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

interface Servers {
  redisDir: string;
  redisPid: number;
  pgDir: string;
  postmaster: number;
}

/** A child process that starts both servers, reports them and waits to be killed. */
function startInChild(): { child: ChildProcess; servers: Promise<Servers> } {
  const script = `
    import { readFileSync } from 'node:fs';
    import { startPostgres, startRedisServer } from ${JSON.stringify(join(ROOT, 'src/stack/index.ts'))};
    const redis = await startRedisServer();
    const pg = await startPostgres();
    const postmaster = Number(readFileSync(pg.dir + '/data/postmaster.pid', 'utf8').split('\\n')[0]);
    console.log('SERVERS ' + JSON.stringify({ redisDir: redis.dir, redisPid: redis.pid(), pgDir: pg.dir, postmaster }));
    setInterval(() => {}, 60_000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const servers = new Promise<Servers>((resolveServers, reject) => {
    child.stdout?.on('data', (c) => {
      out += c;
      const line = out.split('\n').find((l) => l.startsWith('SERVERS '));
      if (line) resolveServers(JSON.parse(line.slice('SERVERS '.length)) as Servers);
    });
    child.stderr?.on('data', (c) => (out += c));
    child.on('exit', (code) => reject(new Error(`the owner exited (${code}) before its servers ran: ${out}`)));
  });
  return { child, servers };
}

let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
});

test('servers whose owner was killed with SIGKILL stay (control) until the next start removes them', async () => {
  const mine = await startRedisServer();
  const myPg = await startPostgres();
  try {
    const started = startInChild();
    child = started.child;
    const orphan = await started.servers;
    started.servers.catch(() => {});
    child.kill('SIGKILL'); // no exit hook runs
    await new Promise((r) => child?.once('exit', r));
    await sleep(1_000);
    // control: nothing stopped them
    expect(alive(orphan.redisPid)).toBe(true);
    expect(alive(orphan.postmaster)).toBe(true);

    const reaped = reapOrphanedServers();
    expect(reaped).toEqual(expect.arrayContaining([orphan.redisDir, orphan.pgDir]));
    expect(reaped).not.toContain(mine.dir);
    expect(reaped).not.toContain(myPg.dir);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (alive(orphan.redisPid) || alive(orphan.postmaster))) await sleep(100);
    expect(alive(orphan.redisPid)).toBe(false);
    expect(alive(orphan.postmaster)).toBe(false);
    expect(existsSync(orphan.redisDir)).toBe(false);
    expect(existsSync(orphan.pgDir)).toBe(false);
    // this process's own servers still run
    expect(mine.pid()).toBeDefined();
    expect(alive(mine.pid() as number)).toBe(true);
    expect(existsSync(join(myPg.dir, 'data/postmaster.pid'))).toBe(true);
  } finally {
    await mine.stop();
    await myPg.stop();
  }
}, 120_000);
