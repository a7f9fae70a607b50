/**
 * The namespace checks: the real provision / audit / rollback scripts run inside a network namespace of
 * their own (port 6379 free there) on the no-systemd path, with every host path under a temp root and a fake
 * /proc/sys + THP, so this machine's /etc/redis, kernel settings and its own Redis on 127.0.0.1:6379 stay untouched.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, fakeKernel, netnsCanRun, probeTcp, type Sandbox } from './netns.ts';

const TITLE = 'provisioning in a network namespace (no systemd)';
const canRun = netnsCanRun(TITLE);

const password = `Pw-${randomBytes(18).toString('hex')}`;
const appPassword = `App-${randomBytes(18).toString('hex')}`;
const env = { REDIS_PASSWORD: password, REDIS_APP_PASSWORD: appPassword };
const APP = ['--app-user', 'fastnpc_app'];

// Each step runs the real scripts (tsx start-up included) several times: on a busy shared machine 60 s is too short.
describe.runIf(canRun)(TITLE, { timeout: 240_000 }, () => {
  let sb: Sandbox;
  let conf: string;
  const sha = (): string => createHash('sha256').update(readFileSync(conf)).digest('hex');
  const redisPid = (): number => Number(readFileSync(join(sb.root, 'run/redis/redis-server.pid'), 'utf8').trim());
  const provision = (...args: string[]) => sb.script('provision', ['--root', sb.root, ...APP, ...args], env);
  const audit = (...args: string[]) =>
    sb.script('audit', ['--json', join(sb.root, 'audit.json'), ...args], { REDIS_PASSWORD: password });
  const ping = async (): Promise<string> =>
    (await sb.run(sb.a, ['redis-cli', '--no-auth-warning', '-p', '6379'], { input: `AUTH ${password}\nPING\n` }))
      .stdout;

  beforeAll(() => {
    sb = createSandbox([password, appPassword]);
    conf = join(sb.root, 'etc/redis/redis.conf');
  });
  afterAll(() => sb?.cleanup());

  it('provision from nothing → exit 0, says it supervises directly, then audit passes', async () => {
    const result = await provision('--yes');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/no systemd here: redis-server is started and supervised directly/);
    expect(result.stdout).toMatch(/candidate accepted by a throwaway redis-server/);
    const st = statSync(conf);
    expect((st.mode & 0o777).toString(8)).toBe('640');
    expect(readFileSync('/etc/passwd', 'utf8')).toMatch(new RegExp(`^redis:x:${st.uid}:`, 'm'));
    expect(readFileSync(join(sb.root, 'proc/sys/vm/overcommit_memory'), 'utf8').trim()).toBe('1');
    expect(readFileSync(join(sb.root, 'proc/sys/net/core/somaxconn'), 'utf8').trim()).toBe('511');
    expect(readFileSync(join(sb.root, 'etc/sysctl.d/60-fastnpc-redis.conf'), 'utf8')).toMatch(
      /vm\.overcommit_memory = 1\nnet\.core\.somaxconn = 511/,
    );
    expect(readFileSync(join(sb.root, 'sys/kernel/mm/transparent_hugepage/enabled'), 'utf8').trim()).toBe('never');
    expect(readFileSync(join(sb.root, 'etc/tmpfiles.d/fastnpc-redis-thp.conf'), 'utf8')).toMatch(
      /enabled - - - - never/,
    );

    const report = await audit();
    expect(report.code, report.stdout + report.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(sb.root, 'audit.json'), 'utf8'));
    expect(json.ok).toBe(true);
    const settings = json.checks.map((c: { setting: string }) => c.setting);
    for (const s of ['maxmemory', 'maxmemory-policy', 'save', 'bind', 'protected-mode', 'timeout', 'auth']) {
      expect(settings).toContain(s);
    }
    const listening = json.checks.find((c: { setting: string }) => c.setting === 'listening addresses');
    expect(listening).toMatchObject({ ok: true, actual: '127.0.0.1 ::1' });
  });

  it('provision again → "no changes", no restart (same PID); --check exits 0', async () => {
    const before = redisPid();
    const result = await provision('--yes');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/no changes; redis-server \(pid \d+\) not restarted/);
    expect(redisPid()).toBe(before);
    const check = await provision('--check');
    expect(check.code).toBe(0);
    expect(redisPid()).toBe(before);
  });

  it('from a second namespace over the veth pair, the Redis port is refused (bind holds)', async () => {
    // Control: the veth path works — a listener on the first namespace's address is reachable from the second.
    const listener = sb.background(sb.a, [
      'node',
      '-e',
      `require('net').createServer(s=>s.end()).listen(7001,'${sb.addrA}',()=>console.log('LISTENING'))`,
    ]);
    await new Promise<void>((resolve) => listener.stdout?.on('data', () => resolve()));
    expect(await probeTcp(sb, sb.b, sb.addrA, 7001)).toBe('CONNECTED');
    listener.kill('SIGKILL');
    expect(await probeTcp(sb, sb.b, sb.addrA, 6379)).toBe('ECONNREFUSED');
  });

  it('with the password set, a connection without it is refused (NOAUTH); the app user is confined', async () => {
    const anonymous = await sb.run(sb.a, ['redis-cli', '-p', '6379', 'PING']);
    expect(anonymous.stdout).toMatch(/NOAUTH/);
    expect(await ping()).toMatch(/PONG/);
    const app = await sb.run(sb.a, ['redis-cli', '--no-auth-warning', '-p', '6379'], {
      input: `AUTH fastnpc_app ${appPassword}\nSET fastnpc:t 1\nSET other:t 1\nFLUSHALL\n`,
    });
    const lines = app.stdout.split('\n').filter(Boolean);
    expect(lines[0]).toBe('OK');
    expect(lines[1]).toBe('OK');
    expect(lines[2]).toMatch(/NOPERM/);
    expect(lines[3]).toMatch(/NOPERM/);
  });

  it('the supervisor restarts redis-server after a crash (SIGKILL)', async () => {
    const old = redisPid();
    await sb.run(sb.a, ['kill', '-KILL', String(old)]);
    await expect
      .poll(() => (existsSync(join(sb.root, 'run/redis/redis-server.pid')) ? redisPid() : old), { timeout: 10_000 })
      .not.toBe(old);
    await expect.poll(ping, { timeout: 10_000 }).toMatch(/PONG/);
    expect(readFileSync(join(sb.root, 'var/log/redis/supervisor.log'), 'utf8')).toMatch(/exited with status 137/);
  });

  it('a hand edit of the live config → --check shows the drift (exit 1), audit fails naming the setting', async () => {
    const text = readFileSync(conf, 'utf8');
    writeFileSync(conf, text.replace('maxmemory-policy allkeys-lru', 'maxmemory-policy volatile-lru'));
    const old = redisPid();
    await sb.run(sb.a, ['kill', '-TERM', String(old)]); // the operator restarts Redis on the edited file
    for (let i = 0; i < 100 && (!existsSync(join(sb.root, 'run/redis/redis-server.pid')) || redisPid() === old); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await expect.poll(ping, { timeout: 10_000 }).toMatch(/PONG/);

    const check = await provision('--check');
    expect(check.code).toBe(1); // drift (docs/exit-codes.md)
    expect(check.stdout).toMatch(/^ *-maxmemory-policy volatile-lru$/m);
    expect(check.stdout).toMatch(/^ *\+maxmemory-policy allkeys-lru$/m);
    expect(check.stdout).toMatch(/restart redis-server/);

    const report = await audit();
    expect(report.code).toBe(1);
    expect(report.stderr).toMatch(/drift .*maxmemory-policy \(expected allkeys-lru, actual volatile-lru\)/);

    const fix = await provision('--yes');
    expect(fix.code).toBe(0);
    expect(fix.stdout).toMatch(/previous file kept as/);
    expect((await audit()).code).toBe(0);
  });

  it('a candidate Redis rejects (unknown directive via --extra) → live config untouched, Redis still answers', async () => {
    const before = sha();
    const pid = redisPid();
    const result = await provision('--yes', '--extra', 'no-such-directive yes');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /candidate config rejected by redis-server .*no-such-directive.*the live config is untouched/,
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1); // one line, no stack trace
    expect(sha()).toBe(before);
    expect(redisPid()).toBe(pid);
    expect(await ping()).toMatch(/PONG/);
  });

  it('--maxmemory 2000gb on the 2 GB budget → refused with the reason, nothing changed', async () => {
    const before = sha();
    const pid = redisPid();
    const backups = readdirSync(join(sb.root, 'var/backups/redis')).length;
    const result = await provision('--yes', '--maxmemory', '2000gb');
    expect(result.code).toBe(2); // usage: nothing ran
    expect(result.stderr).toMatch(/--maxmemory 2000gb refused: the plan's 2048 MB host reserves/);
    expect(result.stderr).toMatch(/half of this host's RAM/);
    expect(sha()).toBe(before);
    expect(redisPid()).toBe(pid);
    expect(readdirSync(join(sb.root, 'var/backups/redis')).length).toBe(backups);
  });

  it('rollback restores the previous file byte for byte, restarts and verifies', async () => {
    const previous = readFileSync(conf);
    const changed = await provision('--yes', '--maxmemory', '300mb');
    expect(changed.code).toBe(0);
    expect(readFileSync(conf).equals(previous)).toBe(false);
    const pid = redisPid();

    const preview = await sb.script('rollback', ['--root', sb.root]);
    expect(preview.code).toBe(1);
    expect(preview.stdout).toMatch(/^ *\+maxmemory 200mb$/m);

    const rollback = await sb.script('rollback', ['--root', sb.root, '--yes']);
    expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0);
    expect(readFileSync(conf).equals(previous)).toBe(true);
    expect((statSync(conf).mode & 0o777).toString(8)).toBe('640');
    expect(redisPid()).not.toBe(pid);
    expect((await audit()).code).toBe(0);
  });

  it('a port held by a server provisioning did not start → refused before anything changes', async () => {
    const other = join(sb.root, 'other');
    mkdirSync(other, { mode: 0o755 });
    fakeKernel(other);
    const squatter = sb.background(sb.b, [
      'node',
      '-e',
      "require('net').createServer(s=>s.end()).listen(6379,'127.0.0.1',()=>console.log('LISTENING'))",
    ]);
    await new Promise<void>((resolve) => squatter.stdout?.on('data', () => resolve()));
    try {
      const result = await sb.run(
        sb.b,
        ['node', '--import', 'tsx', 'provisioning/cli/provision.ts', '--yes', '--root', other, ...APP],
        { env },
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /nothing changed: port 6379 .* already held by a server provisioning did not start/,
      );
      expect(existsSync(join(other, 'etc/redis/redis.conf'))).toBe(false);
      expect(readFileSync(join(other, 'proc/sys/vm/overcommit_memory'), 'utf8').trim()).toBe('0');
    } finally {
      squatter.kill('SIGKILL');
      await new Promise((r) => squatter.once('close', r));
    }
  });

  it('--host user@server --sudo runs every step through ssh (a fake ssh that runs the command in the second namespace)', async () => {
    const remoteRoot = join(sb.root, 'remote');
    mkdirSync(remoteRoot, { mode: 0o755 });
    fakeKernel(remoteRoot);
    const fakeBin = join(sb.root, 'fake-bin');
    mkdirSync(fakeBin);
    const log = join(sb.root, 'ssh.log');
    // ssh [-o opt]... -- DEST COMMAND: log DEST COMMAND on one line, then run COMMAND with sh (stdin passes through)
    writeFileSync(
      join(fakeBin, 'ssh'),
      '#!/bin/sh\nwhile [ $# -gt 0 ]; do case "$1" in -o) shift 2;; --) shift; break;; *) break;; esac; done\n' +
        'dest=$1; shift\nprintf "%s %s\\n" "$dest" "$(printf %s "$*" | tr "\\n" " ")" >> "$FAKE_SSH_LOG"\nexec sh -c "$*"\n',
    );
    writeFileSync(join(fakeBin, 'sudo'), '#!/bin/sh\n[ "$1" = -n ] && shift\n[ "$1" = -- ] && shift\nexec "$@"\n');
    chmodSync(join(fakeBin, 'ssh'), 0o755);
    chmodSync(join(fakeBin, 'sudo'), 0o755);
    const remoteEnv = { ...env, PATH: `${fakeBin}:${process.env.PATH}`, FAKE_SSH_LOG: log };
    const args = [
      'node',
      '--import',
      'tsx',
      'provisioning/cli/provision.ts',
      '--yes',
      '--host',
      'ops@cache1',
      '--sudo',
    ];
    const first = await sb.run(sb.b, [...args, '--root', remoteRoot, ...APP], { env: remoteEnv });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toMatch(/on ops@cache1/);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.every((l) => l.startsWith('ops@cache1 sudo -n -- '))).toBe(true);
    expect(lines.some((l) => l.includes('redis-cli'))).toBe(true);
    const pong = await sb.run(sb.b, ['redis-cli', '--no-auth-warning', '-p', '6379'], {
      input: `AUTH ${password}\nPING\n`,
    });
    expect(pong.stdout).toMatch(/PONG/);
    const again = await sb.run(sb.b, [...args, '--root', remoteRoot, ...APP], { env: remoteEnv });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/no changes; redis-server \(pid \d+\) not restarted/);
    const logText = readFileSync(log, 'utf8');
    expect(logText.includes(password) || logText.includes(appPassword)).toBe(false);
  });

  it('the passwords appear in no process argument list, log or output', () => {
    expect(sb.argvHits).toEqual([]);
    for (const output of sb.outputs) {
      expect(output.includes(password) || output.includes(appPassword)).toBe(false);
    }
    const logDir = join(sb.root, 'var/log/redis');
    const logs = readdirSync(logDir).map((f) => readFileSync(join(logDir, f), 'utf8'));
    expect(logs.length).toBeGreaterThan(0);
    for (const log of logs) expect(log.includes(password) || log.includes(appPassword)).toBe(false);
    const json = readFileSync(join(sb.root, 'audit.json'), 'utf8');
    expect(json.includes(password)).toBe(false);
  });
});
