import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBinary } from './binaries.ts';
import { onProcessExit } from './cleanup.ts';
import { StackError } from './errors.ts';
import { freePort, waitForPort } from './free-port.ts';
import { REDIS_DIR_PREFIX, reapOrphanedServers } from './orphaned-servers.ts';
import { claimDir } from './ownership.ts';

/**
 * A fresh password for a private redis-server (`startRedisServer({ password })`): the project's commands never leave a
 * Redis that answers without one (hex: no blanks or quotes, as the included file needs).
 */
export function privateRedisPassword(): string {
  return randomBytes(24).toString('hex');
}

/** The repository's redis.conf: the file provisioning installs and every test runs on. */
export const REPOSITORY_REDIS_CONF = resolve(dirname(fileURLToPath(import.meta.url)), '../../redis.conf');

export interface RedisServerOptions {
  /** Config file to run on. @default the repository's redis.conf */
  configFile?: string;
  /** Port to listen on. @default a free port */
  port?: number;
  /** Extra `--name value` overrides after the file (tests only, e.g. a shortened setting). @default [] */
  extraArgs?: string[];
  /**
   * The `default` user's password (requirepass), set from the start: written to a 0600 file in the server's own
   * directory that the command line `include`s (only its path is in argv), and carried by `url`. @default none
   */
  password?: string;
  /** How long to wait for the server to accept connections. @default 10_000 */
  startTimeoutMs?: number;
}

/** A private redis-server started by the local stack. */
export interface StartedRedisServer {
  /** redis://host:port, with the password (`redis://:…@`) when the server has one: never print it. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Temp directory holding dump.rdb, the pidfile and the log. */
  readonly dir: string;
  readonly logFile: string;
  /** PID of the running server, undefined while stopped. */
  pid(): number | undefined;
  /** Kills the server with SIGKILL (a crash: no save), keeping its directory. */
  kill(): Promise<void>;
  /**
   * A clean shutdown (SIGTERM: Redis saves a snapshot first when it has save rules), keeping its directory; `restart()`
   * starts it again on it, loading that snapshot.
   */
  terminate(): Promise<void>;
  /** Starts it again on the same port and directory (after kill or stop). */
  restart(): Promise<void>;
  /** Stops the server (SIGTERM) and removes its directory. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The requirepass of a private server in a 0600 file of its directory (never argv); returns its path. */
function writeAuthFile(dir: string, password: string): string {
  if (/[\s"'\\]/.test(password) || password === '') {
    throw new StackError(
      'E_BAD_PASSWORD',
      'a private redis-server password must be non-empty, without blanks or quotes',
    );
  }
  const file = join(dir, 'auth.conf');
  writeFileSync(file, `requirepass ${password}\n`, { mode: 0o600 });
  return file;
}

/** Starts redis-server on the repository's redis.conf, overriding only port, dir, pidfile, logfile, daemonize. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<StartedRedisServer> {
  const binary = findBinary('redis-server', 'redis-server');
  const configFile = options.configFile ?? REPOSITORY_REDIS_CONF;
  const port = options.port ?? (await freePort());
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  reapOrphanedServers();
  const dir = mkdtempSync(join(tmpdir(), REDIS_DIR_PREFIX));
  claimDir(dir);
  const logFile = join(dir, 'redis.log');
  const host = '127.0.0.1';
  let child: ChildProcess | undefined;
  let removed = false;

  const args = [
    configFile,
    '--port',
    String(port),
    '--dir',
    dir,
    '--pidfile',
    join(dir, 'redis.pid'),
    '--logfile',
    logFile,
    '--daemonize',
    'no',
    ...(options.password === undefined ? [] : ['--include', writeAuthFile(dir, options.password)]),
    ...(options.extraArgs ?? []),
  ];

  const killSync = (): void => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const unregister = onProcessExit(() => {
    killSync();
    if (!removed) rmSync(dir, { recursive: true, force: true });
  });

  const launch = async (): Promise<void> => {
    const proc = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<never>((_, reject) =>
      proc.once('exit', (code) => {
        let log = '';
        try {
          log = readFileSync(logFile, 'utf8').split('\n').slice(-5).join('\n');
        } catch {}
        reject(
          new StackError('E_START_FAILED', `redis-server exited with code ${code} on start: ${stderr.trim() || log}`),
        );
      }),
    );
    exited.catch(() => {});
    try {
      await Promise.race([waitForPort(host, port, startTimeoutMs), exited]);
    } catch (error) {
      killSync();
      if (error instanceof StackError) throw error;
      throw new StackError(
        'E_START_TIMEOUT',
        `redis-server did not accept connections on ${host}:${port} within ${startTimeoutMs} ms`,
        {
          cause: error,
        },
      );
    }
  };

  const waitExit = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolveExit) => {
      proc.once('exit', () => resolveExit());
      proc.kill(signal);
    });
  };

  try {
    await launch();
  } catch (error) {
    unregister();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const server: StartedRedisServer = {
    url: `redis://${options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`}${host}:${port}`,
    host,
    port,
    dir,
    logFile,
    pid: () => (child && child.exitCode === null && child.signalCode === null ? child.pid : undefined),
    kill: () => waitExit('SIGKILL'),
    terminate: () => waitExit('SIGTERM'),
    restart: async () => {
      await waitExit('SIGKILL');
      await launch();
    },
    stop: async () => {
      await waitExit('SIGTERM');
      unregister();
      if (!removed) {
        removed = true;
        rmSync(dir, { recursive: true, force: true });
      }
    },
    [Symbol.asyncDispose]: () => server.stop(),
  };
  return server;
}
