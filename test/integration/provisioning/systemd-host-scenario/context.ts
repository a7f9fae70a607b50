/**
 * One run of the systemd-host scenario (one release, as root or as a sudo user): its passwords and their 0600 files,
 * the fresh host it starts in beforeAll and stops in afterAll, and the commands the steps use on it — the project's
 * provision / audit over SSH (recorded by a CliRunner), redis-cli on the host, the kernel values in force, a tunnel
 * to the host's Redis for the audit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import {
  BUILT_IN_SAVE_RULES,
  parseConfig,
  readTemplate,
  saveRulesOf,
} from '../../../../provisioning/lib/config/render-config.ts';
import { freePort, waitForPort } from '../../../../src/stack/free-port.ts';
import { type CliRun, CliRunner } from '../../../support/systemd-host/cli-runner.ts';
import {
  HOST_RELEASES,
  type HostRelease,
  type SystemdHost,
  startSystemdHost,
} from '../../../support/systemd-host/host.ts';

export const STEP_MS = 600_000; // one step on a machine shared with parallel work (measured up to 470 s there)
export const PLAN_SAVE = saveRulesOf(parseConfig(readTemplate()));
const secret = (tag: string): string => `${tag}-${Math.random().toString(36).slice(2, 12)}X9`;

/** The kernel settings provisioning tunes (global: a container shares the machine's kernel) and the plan's values. */
export const KERNEL = {
  'vm.overcommit_memory': { path: '/proc/sys/vm/overcommit_memory', want: (v: string) => v === '1' },
  'net.core.somaxconn': { path: '/proc/sys/net/core/somaxconn', want: (v: string) => Number(v) >= 511 },
  'transparent_hugepage/enabled': {
    path: '/sys/kernel/mm/transparent_hugepage/enabled',
    want: (v: string) => v === 'never',
  },
  'transparent_hugepage/defrag': {
    path: '/sys/kernel/mm/transparent_hugepage/defrag',
    want: (v: string) => v === 'never',
  },
} as const;

/** Who runs the commands: root, or a user with --sudo. */
export interface RunAs {
  user: 'root' | 'ops';
  sudo: boolean;
}

/** What differs between the releases. */
export interface ReleaseFacts {
  title: string;
  redis: string;
  /** The bind line provisioning renders (Redis 6.0 has no optional bind addresses: `::1` there). */
  planBind: string;
  /** The save rules of the package's own redis.conf (Debian 11: the classic lines; Debian 12: Redis's built-in). */
  packageSave: string;
}

export function releaseFacts(release: HostRelease): ReleaseFacts {
  const { title, redis } = HOST_RELEASES[release];
  const legacy = redis === '6.0';
  return {
    title,
    redis,
    planBind: legacy ? '127.0.0.1 ::1' : '127.0.0.1 -::1',
    packageSave: legacy ? '900 1 300 10 60 10000' : BUILT_IN_SAVE_RULES,
  };
}

export class ScenarioContext {
  readonly password = secret('Pw1');
  readonly appPassword = secret('App1');
  readonly rotated = secret('Pw2');
  /** The password the host's Redis has now (the rotation step changes it). */
  currentPassword = this.password;
  /** Created in beforeAll (not when the file loads: a filtered or failed run left 0600 password files behind). */
  temp = '';
  files = { pw: '', app: '', rotated: '' };
  readonly runner = new CliRunner(() => [this.password, this.appPassword, this.rotated]);
  host!: SystemdHost;
  tunnelPort = 0;
  private tunnel: ChildProcess | undefined;

  constructor(
    readonly release: ReleaseFacts,
    readonly as: RunAs,
  ) {}

  /** Starts a fresh host (a new overlay over the pristine cached root) before the steps, stops it after them. */
  hooks(inputs: () => { root: string; key: string; mirrorHost: string }): void {
    beforeAll(async () => {
      this.temp = mkdtempSync(join(tmpdir(), 'fastnpc-systemd-scenario-'));
      this.files = { pw: join(this.temp, 'pw'), app: join(this.temp, 'app'), rotated: join(this.temp, 'pw2') };
      writeFileSync(this.files.pw, `${this.password}\n`, { mode: 0o600 });
      writeFileSync(this.files.app, `${this.appPassword}\n`, { mode: 0o600 });
      writeFileSync(this.files.rotated, `${this.rotated}\n`, { mode: 0o600 });
      this.host = await startSystemdHost(inputs());
    }, STEP_MS);
    afterAll(async () => {
      this.tunnel?.kill('SIGTERM');
      await this.host?.stop();
      const { title, redis } = this.release;
      const as = this.as;
      console.log(
        this.runner.table(
          `systemd host scenario on ${title} (Redis ${redis}) as ${as.user}${as.sudo ? ' --sudo' : ''}`,
        ),
      );
      if (this.temp) rmSync(this.temp, { recursive: true, force: true });
    }, 60_000);
  }

  /** How the commands reach the host: `--host user@address [--sudo] --ssh-config …`. */
  conn(): string[] {
    return [
      '--host',
      `${this.as.user}@${this.host.address}`,
      ...(this.as.sudo ? ['--sudo'] : []),
      '--ssh-config',
      this.host.sshConfig,
    ];
  }

  provision(step: string, mode: '--check' | '--yes', pwFile = this.files.pw): Promise<CliRun> {
    return this.runner.run(step, 'provision', [
      mode,
      ...this.conn(),
      '--password-file',
      pwFile,
      '--app-user',
      'fastnpc_app',
      '--app-password-file',
      this.files.app,
    ]);
  }

  /** The audit of the host's Redis through the tunnel (openTunnel first). */
  audit(step: string, extra: string[]): Promise<CliRun> {
    return this.runner.run(step, 'audit', [
      '--redis-url',
      `redis://127.0.0.1:${this.tunnelPort}`,
      '--json',
      join(this.temp, 'audit.json'),
      ...extra,
    ]);
  }

  /** The audit as ops runs it through the tunnel: with the password, the server's own port and the host's sockets. */
  auditHost(step: string): Promise<CliRun> {
    return this.audit(step, ['--password-file', this.files.pw, '--expect-port', '6379', ...this.sockets()]);
  }

  /** redis-cli on the host, commands (and the AUTH line) on stdin; `null` = no AUTH. */
  async cli(lines: string[], auth: string | null = this.currentPassword): Promise<string[]> {
    const input = `${auth !== null ? `AUTH ${auth}\n` : ''}${lines.join('\n')}\n`;
    const r = await this.host.ssh('redis-cli --no-auth-warning', { input });
    return r.stdout.replace(/\n$/, '').split('\n');
  }

  /** The audit's way to read the host's own listening sockets. */
  sockets(): string[] {
    return ['--host', `${this.as.user}@${this.host.address}`, '--ssh-config', this.host.sshConfig];
  }

  /** The kernel values in force on the host (THP as its selected mode). */
  async kernel(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [key, { path }] of Object.entries(KERNEL)) {
      const text = (await this.host.ssh(`cat ${path}`)).stdout.trim();
      out[key] = /\[([a-z+]+)\]/.exec(text)?.[1] ?? text;
    }
    return out;
  }

  async openTunnel(): Promise<void> {
    this.tunnelPort = await freePort();
    this.tunnel = spawn(
      'ssh',
      [
        '-F',
        this.host.sshConfig,
        '-N',
        '-L',
        `127.0.0.1:${this.tunnelPort}:127.0.0.1:6379`,
        `${this.as.user}@${this.host.address}`,
      ],
      { stdio: 'ignore' },
    );
    await waitForPort('127.0.0.1', this.tunnelPort, 15_000);
  }

  async mainPid(): Promise<number> {
    return Number((await this.host.ssh('systemctl show -p MainPID --value redis-server')).stdout.trim());
  }
}
