// A process that started a private redis-server and PostgreSQL and is then killed with SIGKILL (a vitest worker
// killed, a gate timed out) runs no exit hook: its servers stay (the control shows them still running once their
// owner is dead). The next start removes them — found by the owner file in their temp folder and checked by their
// working directory before any signal — while the servers of a live owner (this test's own) are left alone.
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { startPostgres, startRedisServer } from '../../../src/stack/index.ts';
import { reapOrphanedServers } from '../../../src/stack/orphaned-servers.ts';
import { alive, runReporting } from '../../support/processes.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
// Every server of this file (and of its child) lives in a temp folder of its own: another test file starting a stack
// at the same time reaps orphans in the shared /tmp and would remove this test's orphans before its control looks.
const OWN_TMP = mkdtempSync(join(tmpdir(), 'orphans-test-'));
chmodSync(OWN_TMP, 0o755); // PostgreSQL runs as "postgres" when the tests run as root
process.env.TMPDIR = OWN_TMP;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
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
  const { child, report } = runReporting<Servers>(script, 'SERVERS', { cwd: ROOT });
  return { child, servers: report };
}

let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(OWN_TMP, { recursive: true, force: true });
});

test('servers whose owner was killed with SIGKILL stay (control) until the next start removes them', async () => {
  const mine = await startRedisServer();
  const myPg = await startPostgres();
  try {
    const started = startInChild();
    child = started.child;
    const orphan = await started.servers;
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
