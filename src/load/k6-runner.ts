/**
 * Where k6 runs, in this order: a `k6` on PATH or in the repository's `.bin/`; else the `grafana/k6` image through
 * testcontainers when a container runtime answers (load/ mounted read-only, the report directory read-write, host
 * network so the target's loopback URLs work); else nowhere — the caller says so (never a look-alike runner).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { findK6 } from './k6-binary.ts';

/** The k6 image: the version scripts/install-k6.sh builds. */
export const K6_IMAGE = 'grafana/k6:2.3.0';
/** Printed by the container's shell after k6 ends, so its exit code can be read back from the log. */
export const EXIT_MARKER = 'fastnpc-k6-exit=';

export interface K6Invocation {
  /** k6's arguments, e.g. ["run", "--quiet", "load/chat-100-users.ts"] (never a target or a secret). */
  args: string[];
  /** The environment the scripts read (__ENV): targets, seed password, REPORT_DIR, knobs. */
  env: NodeJS.ProcessEnv;
  /** Repository root: k6's working directory. */
  repoRoot: string;
  /** Where handleSummary writes (REPORT_DIR), relative to repoRoot or absolute. */
  reportDir: string;
  /** Where k6's output goes. @default 'inherit' */
  output?: 'inherit' | 'ignore';
}

export interface K6Runner {
  /** e.g. "k6 /usr/bin/k6" or "grafana/k6:2.3.0 via docker". */
  readonly description: string;
  run(invocation: K6Invocation): Promise<number>;
}

export interface ContainerSpec {
  image: string;
  entrypoint: string[];
  command: string[];
  env: Record<string, string>;
  binds: Array<{ source: string; target: string; mode: 'ro' | 'rw' }>;
  workingDir: string;
  networkMode: 'host';
  user: string;
}

/** What the container path needs from a runtime (testcontainers in production, a fake in the unit tests). */
export interface ContainerRuntime {
  readonly name: string;
  /** Runs the container until k6 ends; resolves with everything it logged. */
  runToEnd(spec: ContainerSpec, onLine: (line: string) => void): Promise<string>;
}

/** The variables the scenarios and k6 itself read; nothing else of the caller's environment enters the container. */
const SCRIPT_VARIABLES = [
  'BASE_URL',
  'WORKER1_URL',
  'WORKER2_URL',
  'SEED_PASSWORD',
  'USER_PREFIX',
  'REPORT_DIR',
  'PROFILE',
  'DURATION',
  'STAGE_DURATION',
  'USERS',
  'MESSAGES_PER_MINUTE',
  'RATES',
  'WRITERS',
  'READERS',
  'WRITE_RATE',
  'READ_RATE',
];

export function containerEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (SCRIPT_VARIABLES.includes(key) || key.startsWith('K6_')) out[key] = value;
  }
  return out;
}

export function binaryRunner(path: string): K6Runner {
  return {
    description: `k6 ${path}`,
    run: (inv) =>
      new Promise((resolvePromise, reject) => {
        const child = spawn(path, inv.args, { cwd: inv.repoRoot, env: inv.env, stdio: inv.output ?? 'inherit' });
        // Ctrl-C reaches k6 directly (same process group): only keep alive for the clean-up. SIGTERM is passed on.
        const keepAlive = (): void => {};
        const forward = (): void => void child.kill('SIGTERM');
        process.on('SIGINT', keepAlive);
        process.on('SIGTERM', forward);
        child.on('error', reject);
        child.on('exit', (code, signal) => {
          process.off('SIGINT', keepAlive);
          process.off('SIGTERM', forward);
          resolvePromise(code ?? (signal === 'SIGINT' ? 130 : 1));
        });
      }),
  };
}

/** The container that runs k6 like the binary would: same working directory, scripts and report paths. */
export function containerSpec(inv: K6Invocation, image = K6_IMAGE): ContainerSpec {
  const reportDir = resolve(inv.repoRoot, inv.reportDir);
  const load = resolve(inv.repoRoot, 'load');
  return {
    image,
    entrypoint: ['sh', '-c', `k6 "$@"; echo "${EXIT_MARKER}$?"`, 'k6'],
    command: inv.args,
    env: containerEnv(inv.env),
    binds: [
      { source: load, target: load, mode: 'ro' },
      { source: reportDir, target: reportDir, mode: 'rw' },
    ],
    workingDir: inv.repoRoot,
    networkMode: 'host',
    user: `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
  };
}

/** k6's exit code from the container's log (the marker line), or 1 when k6 never got to print it. */
export function exitCodeFromLog(log: string): number {
  const match = [...log.matchAll(new RegExp(`${EXIT_MARKER}(\\d+)`, 'g'))].at(-1);
  return match ? Number(match[1]) : 1;
}

export function containerRunner(runtime: ContainerRuntime, image = K6_IMAGE): K6Runner {
  return {
    description: `${image} via ${runtime.name}`,
    async run(inv) {
      const print = inv.output === 'ignore' ? () => {} : (line: string) => process.stdout.write(`${line}\n`);
      const log = await runtime.runToEnd(containerSpec(inv, image), (line) => {
        if (!line.startsWith(EXIT_MARKER)) print(line);
      });
      return exitCodeFromLog(log);
    },
  };
}

export type RunnerChoice = { runner: K6Runner } | { none: string };

/** k6 on PATH / in .bin/, else the image when a runtime answers, else why neither is there. */
export async function chooseK6Runner(options: {
  repoRoot: string;
  path?: string;
  isExecutable?: (file: string) => boolean;
  probeRuntime?: () => Promise<ContainerRuntime | string>;
}): Promise<RunnerChoice> {
  const binary = findK6({ path: options.path, repoRoot: options.repoRoot, isExecutable: options.isExecutable });
  if (binary) return { runner: binaryRunner(binary) };
  const probe = options.probeRuntime ?? testcontainersRuntime;
  const runtime = await probe();
  if (typeof runtime !== 'string') return { runner: containerRunner(runtime) };
  return { none: `k6 not installed and no container runtime for ${K6_IMAGE} (${runtime})` };
}

/** testcontainers as the runtime, or the reason none answers. */
export async function testcontainersRuntime(): Promise<ContainerRuntime | string> {
  let client: { info: { containerRuntime: { host: string } } };
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    client = await getContainerRuntimeClient();
  } catch (error) {
    return (error as Error).message.split('\n')[0] ?? 'no container runtime';
  }
  return {
    name: `container runtime at ${client.info.containerRuntime.host}`,
    async runToEnd(spec, onLine) {
      const { GenericContainer, Wait } = await import('testcontainers');
      const lines: string[] = [];
      const container = await new GenericContainer(spec.image)
        .withEntrypoint(spec.entrypoint)
        .withCommand(spec.command)
        .withEnvironment(spec.env)
        .withBindMounts(spec.binds)
        .withWorkingDir(spec.workingDir)
        .withNetworkMode(spec.networkMode)
        .withUser(spec.user)
        .withLogConsumer((stream) => {
          let rest = '';
          stream.on('data', (chunk: Buffer | string) => {
            const parts = (rest + chunk.toString()).split('\n');
            rest = parts.pop() ?? '';
            for (const line of parts) {
              lines.push(line);
              onLine(line);
            }
          });
        })
        .withWaitStrategy(Wait.forLogMessage(new RegExp(`${EXIT_MARKER}\\d+`)))
        .withStartupTimeout(6 * 60 * 60 * 1000)
        .start();
      // the wait strategy reads the log on its own: give the consumer a moment to see the marker too
      for (let i = 0; i < 50 && !lines.some((l) => l.startsWith(EXIT_MARKER)); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await container.stop().catch(() => {});
      return lines.join('\n');
    },
  };
}
