import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import pg from 'pg';
import { findPostgresBinary } from './binaries.ts';
import { onProcessExit } from './cleanup.ts';
import { inheritedEnv } from './config.ts';
import { StackError } from './errors.ts';
import { freePort } from './free-port.ts';
import { POSTGRES_DIR_PREFIX, reapOrphanedServers } from './orphaned-servers.ts';
import { claimDir } from './ownership.ts';
import { createDataDir } from './postgres-template.ts';

export interface PostgresServerOptions {
  /** Port to listen on (127.0.0.1 only). @default a free port */
  port?: number;
  /** Database created for the app. @default 'fastnpc' */
  database?: string;
  /** How long pg_ctl may wait for start-up. @default 30_000 */
  startTimeoutMs?: number;
  /**
   * The most WAL a replication slot may hold back; null = not set on the command line (PostgreSQL's -1, unlimited,
   * changeable with ALTER SYSTEM — the invalidator's lost-slot tests). @default '256MB'
   */
  maxSlotWalKeepSize?: string | null;
}

/** A private PostgreSQL cluster started by the local stack (a copy of initdb's template + pg_ctl, temp dir, loopback). */
export interface StartedPostgres {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Whether pg_stat_statements is preloaded and created in the app database. */
  readonly statStatements: boolean;
  /**
   * Stops the server (`pg_ctl stop -m fast`: sessions are terminated), waits `downMs`, starts it again on the same
   * port and data (fault injection: a PostgreSQL restart). Resolves to how long the stop and the start took (ms).
   */
  restart(downMs?: number): Promise<{ stopMs: number; startMs: number }>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** PostgreSQL refuses to run as root: when we are root, run its binaries as the `postgres` system user. */
function runAs(): RunAs {
  if (process.getuid?.() !== 0) return {};
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((line) => line.startsWith('postgres:'));
  if (!entry) {
    throw new StackError(
      'E_START_FAILED',
      'PostgreSQL cannot run as root and there is no "postgres" user. Install it with: apt-get install -y postgresql',
    );
  }
  const [, , uid, gid] = entry.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * Run as root, PostgreSQL runs as "postgres", which must be able to reach the data folder: a TMPDIR only root may
 * enter (mode 0700, as mkdtemp makes) would otherwise fail deep inside initdb with a message about file ownership.
 */
function assertReachable(dir: string, as: RunAs): void {
  const probe = spawnSync('test', ['-w', dir, '-a', '-x', dir], { ...as, stdio: 'ignore' });
  if (probe.status === 0) return;
  rmSync(dir, { recursive: true, force: true });
  throw new StackError(
    'E_START_FAILED',
    `PostgreSQL runs as user "postgres" here (root may not run it), and that user cannot reach ${dirname(dir)}: ` +
      'let others enter it (chmod o+x on it and its parents) or point TMPDIR at a folder they can (e.g. /tmp)',
  );
}

function run(binary: string, args: string[], as: RunAs, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      ...as,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: inheritedEnv({ LC_ALL: 'C.UTF-8' }),
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else
        reject(
          new StackError(
            'E_START_FAILED',
            `${basename(binary)} ${args[0] ?? ''} failed (exit ${code}): ${output.trim().slice(-800)}`,
          ),
        );
    });
  });
}

/** Starts a throwaway PostgreSQL cluster; fsync is off because its data is disposable. */
export async function startPostgres(options: PostgresServerOptions = {}): Promise<StartedPostgres> {
  const initdb = findPostgresBinary('initdb');
  const pgCtl = findPostgresBinary('pg_ctl');
  const port = options.port ?? (await freePort());
  const database = options.database ?? 'fastnpc';
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  if (options.maxSlotWalKeepSize != null && !/^(-1|\d+(kB|MB|GB|TB)?)$/.test(options.maxSlotWalKeepSize))
    throw new Error(`maxSlotWalKeepSize: a size such as 256MB, or -1 (got ${options.maxSlotWalKeepSize})`);
  const as = runAs();
  reapOrphanedServers();
  const dir = mkdtempSync(join(tmpdir(), POSTGRES_DIR_PREFIX));
  claimDir(dir);
  const dataDir = join(dir, 'data');
  if (as.uid !== undefined) {
    chownSync(dir, as.uid, as.gid ?? as.uid);
    assertReachable(dir, as);
  }
  const major = basename(dirname(dirname(initdb)));
  const statStatements = existsSync(`/usr/share/postgresql/${major}/extension/pg_stat_statements.control`);

  let running = false;
  let startServer: () => Promise<void> = async () => {};
  const stopSync = (): void => {
    if (running) spawnSync(pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w'], { ...as, stdio: 'ignore' });
    running = false;
  };
  const unregister = onProcessExit(() => {
    stopSync();
    rmSync(dir, { recursive: true, force: true });
  });

  try {
    await createDataDir(initdb, dataDir, { as, run: (binary, args) => run(binary, args, as, 60_000) });
    const serverOptions = [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
      // logical decoding for the invalidator (a replication slot per namespace); the slot may keep at most this
      // much WAL when its consumer stops (see docs/invalidation.md)
      '-c wal_level=logical',
      '-c max_replication_slots=10',
      '-c max_wal_senders=10',
      ...(options.maxSlotWalKeepSize === null
        ? []
        : [`-c max_slot_wal_keep_size=${options.maxSlotWalKeepSize ?? '256MB'}`]),
      // synchronous_commit is off: WAL reaches the walsender when the WAL writer flushes it (default every 200 ms)
      '-c wal_writer_delay=10ms',
      ...(statStatements ? ['-c shared_preload_libraries=pg_stat_statements', '-c pg_stat_statements.track=all'] : []),
    ].join(' ');
    startServer = async () => {
      running = true;
      await run(
        pgCtl,
        [
          'start',
          '-D',
          dataDir,
          '-w',
          '-t',
          String(Math.ceil(startTimeoutMs / 1000)),
          '-l',
          join(dir, 'postgres.log'),
          '-o',
          serverOptions,
        ],
        as,
        startTimeoutMs + 5_000,
      );
    };
    await startServer();
    const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
    } finally {
      await admin.end();
    }
    if (statStatements) {
      const app = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database });
      await app.connect();
      try {
        await app.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      } finally {
        await app.end();
      }
    }
  } catch (error) {
    stopSync();
    unregister();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  let stopped = false;
  const server: StartedPostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    port,
    dir,
    statStatements,
    restart: async (downMs = 0) => {
      if (stopped) throw new StackError('E_START_FAILED', 'PostgreSQL was stopped; it cannot be restarted');
      const stopping = performance.now();
      await run(pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w'], as, 30_000);
      const stopMs = performance.now() - stopping;
      running = false;
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      const starting = performance.now();
      await startServer();
      return { stopMs, startMs: performance.now() - starting };
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (running) {
        await run(pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w'], as, 30_000).catch(() => stopSync());
        running = false;
      }
      unregister();
      rmSync(dir, { recursive: true, force: true });
    },
    [Symbol.asyncDispose]: () => server.stop(),
  };
  return server;
}
