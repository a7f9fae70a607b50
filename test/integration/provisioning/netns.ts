import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { programArgs } from '../../../src/service/programs.ts';
import { onProcessExit } from '../../../src/stack/cleanup.ts';
import { canRunHere } from '../../support/can-run.ts';
import { runCaptured } from '../../support/run-captured.ts';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Why the namespace tests cannot run here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: network namespaces and the redis user need root';
  if (spawnSync('ip', ['netns', 'list']).status !== 0) return '`ip netns` is unavailable (install iproute2)';
  for (const bin of ['redis-server', 'redis-cli', 'setpriv', 'dpkg-query']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} is not installed`;
  }
  if (spawnSync('getent', ['passwd', 'redis']).status !== 0) return 'no redis user (apt-get install redis-server)';
  return undefined;
}

/**
 * True when network namespaces can run here. Otherwise registers, under `title`, a test that fails with the reason —
 * or, with FASTNPC_NETNS=off (a developer machine without root; CI never sets it), a skip that says so — and returns
 * false. Never a silent skip: a CI machine that lost `ip netns` fails instead of passing with the checks unrun.
 */
export function netnsCanRun(title: string): boolean {
  return canRunHere(
    title,
    netnsUnavailable(),
    'FASTNPC_NETNS',
    (why) => `network namespaces cannot run here: ${why} (FASTNPC_NETNS=off skips on purpose)`,
  );
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Two namespaces joined by a veth pair on a private /30 (10.213.x.y), plus a temp root for provisioning. */
export interface Sandbox {
  a: string;
  b: string;
  addrA: string;
  addrB: string;
  root: string;
  /** Every stdout/stderr seen, to search for secrets. */
  outputs: string[];
  /** Secrets found in /proc/<pid>/cmdline while scripts ran (pid: argv). */
  argvHits: string[];
  secrets: string[];
  run(ns: string, argv: string[], options?: { env?: Record<string, string>; input?: string }): Promise<RunResult>;
  script(name: 'provision' | 'audit' | 'rollback', args: string[], env?: Record<string, string>): Promise<RunResult>;
  /** Spawns a long-running process in a namespace (killed by cleanup). */
  background(ns: string, argv: string[]): ChildProcess;
  cleanup(): void;
}

function sh(argv: string[]): void {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
}

function scanCmdlines(secrets: string[], hits: string[]): void {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    for (const s of secrets) if (cmdline.includes(s)) hits.push(`${pid}: ${cmdline.replaceAll('\0', ' ')}`);
  }
}

/** A fake kernel under the root: /proc/sys and THP files provisioning tunes (the real ones stay untouched). */
export function fakeKernel(root: string): void {
  const files: Record<string, string> = {
    'proc/sys/vm/overcommit_memory': '0\n',
    'proc/sys/net/core/somaxconn': '128\n',
    'sys/kernel/mm/transparent_hugepage/enabled': 'always [madvise] never\n',
    'sys/kernel/mm/transparent_hugepage/defrag': 'always defer defer+madvise [madvise] never\n',
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  mkdirSync(join(root, 'etc'), { recursive: true });
  copyFileSync('/etc/os-release', join(root, 'etc/os-release'));
}

export function createSandbox(secrets: string[]): Sandbox {
  const tag = `${(process.pid % 10_000).toString(36)}${randomBytes(3).toString('hex')}`;
  const a = `fnpc-prov-${tag}-a`;
  const b = `fnpc-prov-${tag}-b`;
  const vethA = `vfa${tag}`.slice(0, 15);
  const vethB = `vfb${tag}`.slice(0, 15);
  const x = randomBytes(1)[0]!;
  const block = (randomBytes(1)[0]! % 63) * 4;
  const addrA = `10.213.${x}.${block + 1}`;
  const addrB = `10.213.${x}.${block + 2}`;
  const root = mkdtempSync(join(tmpdir(), 'fastnpc-prov-'));
  chmodSync(root, 0o755); // the redis user must reach <root>/etc/redis and <root>/var/lib/redis
  const children: ChildProcess[] = [];
  const outputs: string[] = [];
  const argvHits: string[] = [];

  let cleaned = false;
  const cleanup = (): void => {
    if (cleaned) return;
    cleaned = true;
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    const supervisorPid = join(root, 'run/redis/supervisor.pid');
    if (existsSync(supervisorPid)) {
      spawnSync('sh', ['-c', 'kill -TERM "$(cat "$1")" 2>/dev/null; sleep 0.5', 'sh', supervisorPid]);
    }
    for (const ns of [a, b]) {
      const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
      for (const pid of pids) spawnSync('kill', ['-KILL', pid]);
      spawnSync('ip', ['netns', 'del', ns]);
    }
    spawnSync('ip', ['link', 'del', vethA], { stdio: 'ignore' }); // only left in the root namespace by a failed setup
    rmSync(root, { recursive: true, force: true });
  };
  const unregister = onProcessExit(cleanup);

  try {
    sh(['ip', 'netns', 'add', a]);
    sh(['ip', 'netns', 'add', b]);
    sh(['ip', 'link', 'add', vethA, 'type', 'veth', 'peer', 'name', vethB]);
    sh(['ip', 'link', 'set', vethA, 'netns', a]);
    sh(['ip', 'link', 'set', vethB, 'netns', b]);
    for (const [ns, dev, addr] of [
      [a, vethA, addrA],
      [b, vethB, addrB],
    ] as const) {
      sh(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
      sh(['ip', 'netns', 'exec', ns, 'ip', 'addr', 'add', `${addr}/30`, 'dev', dev]);
      sh(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', dev, 'up']);
    }
    fakeKernel(root);
  } catch (error) {
    cleanup();
    unregister();
    throw error;
  }

  const run: Sandbox['run'] = async (ns, argv, options = {}) => {
    const result = await runCaptured('ip', ['netns', 'exec', ns, ...argv], {
      cwd: REPO,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', ...options.env },
      input: options.input,
      // look for the secrets in every process's argv while the script runs
      watch: () => scanCmdlines(secrets, argvHits),
    });
    outputs.push(result.stdout, result.stderr);
    return result;
  };

  return {
    a,
    b,
    addrA,
    addrB,
    root,
    outputs,
    argvHits,
    secrets,
    run,
    script: (name, args, env) => run(a, ['node', ...programArgs(`provisioning/cli/${name}.ts`, args)], { env }),
    background: (ns, argv) => {
      const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      return child;
    },
    cleanup: () => {
      cleanup();
      unregister();
    },
  };
}

/** Connects from a namespace to host:port with Node and reports CONNECTED, ECONNREFUSED, ... */
export async function probeTcp(sandbox: Sandbox, ns: string, host: string, port: number): Promise<string> {
  const code = `const s=require('net').connect(${port},'${host}');s.on('connect',()=>{console.log('CONNECTED');process.exit(0)});s.on('error',e=>{console.log(e.code);process.exit(0)});setTimeout(()=>{console.log('TIMEOUT');process.exit(0)},3000)`;
  const result = await sandbox.run(ns, ['node', '-e', code]);
  return result.stdout.trim();
}
