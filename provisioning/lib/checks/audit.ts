import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { parseRedisInfo } from '../../../src/redis/info.ts';
import { supportsChannels } from '../config/acl.ts';
import { parseMemory } from '../config/budget.ts';
import { parseConfig, readTemplate, saveRulesOf } from '../config/render-config.ts';
import type { Check } from './verify.ts';

export type { Check } from './verify.ts';

/** What the live server should report. Unset fields come from the repository's redis.conf (`expectedFromConfig`). */
export interface AuditExpected {
  /** '200mb' or bytes. */
  maxmemory?: string | number;
  policy?: string;
  /** As CONFIG GET reports it: '900 1 300 10 60 10000', '' for no snapshots. */
  save?: string;
  /** As CONFIG GET reports it: '127.0.0.1 -::1'. */
  bind?: string;
  protectedMode?: 'yes' | 'no';
  timeout?: number;
  tcpKeepalive?: number;
  tcpBacklog?: number;
  appendonly?: 'yes' | 'no';
  /** @default the port of redisUrl */
  port?: number;
  /** A connection without a password must be refused. @default password !== undefined */
  requirePassword?: boolean;
  /** Nothing but loopback addresses listen (CONFIG GET bind, and /proc/net/tcp* when the server is local). @default true */
  loopbackOnly?: boolean;
}

/** Reads the listening addresses of a port on the audited host (e.g. over SSH); `where` names that host. */
export interface SocketReader {
  where: string;
  read(port: number): Promise<string[]>;
}

export interface AuditOptions {
  /** redis://host:port (a password in the URL is used but never reported). */
  redisUrl: string;
  /** The default user's password (REDIS_PASSWORD). */
  password?: string;
  expected?: AuditExpected;
  /** Connect and command timeout. @default 3_000 */
  timeoutMs?: number;
  /**
   * Where the listening addresses come from: the audited host's sockets (over SSH). Without it they are read from
   * this machine's /proc/net/tcp* only when the server is a process of this machine (INFO process_id), else the row
   * says "not checked" and judges CONFIG GET bind alone: never another machine's sockets.
   */
  sockets?: SocketReader;
}

export interface AuditReport {
  ok: boolean;
  /** redisUrl without credentials. */
  target: string;
  checks: Check[];
}

/** The expectations a config file implies (the repository's redis.conf by default). */
export function expectedFromConfig(text = readTemplate()): AuditExpected {
  const config = parseConfig(text);
  const first = (name: string): string | undefined => config.get(name)?.[0];
  const num = (name: string): number | undefined => (first(name) === undefined ? undefined : Number(first(name)));
  return {
    maxmemory: first('maxmemory'),
    policy: first('maxmemory-policy'),
    save: saveRulesOf(config),
    bind: first('bind'),
    protectedMode: first('protected-mode') as 'yes' | 'no' | undefined,
    timeout: num('timeout'),
    tcpKeepalive: num('tcp-keepalive'),
    tcpBacklog: num('tcp-backlog'),
    appendonly: first('appendonly') as 'yes' | 'no' | undefined,
    port: num('port'),
  };
}

/**
 * The bind a server of `version` runs with for the expected `bind`: Redis before 6.2 has no optional addresses
 * (`-::1`), so provisioning renders `::1` there (render-config.ts) and CONFIG GET reports it so.
 */
export function bindForVersion(bind: string, version: string): string {
  if (!version || supportsChannels(version)) return bind;
  return bind
    .split(/\s+/)
    .map((a) => a.replace(/^-/, ''))
    .join(' ');
}

const isLoopback = (address: string): boolean => {
  const a = address.replace(/^-/, '').replace(/^\[|\]$/g, '');
  return a === '::1' || a.startsWith('127.') || a.startsWith('::ffff:127.') || a === 'localhost';
};

/** Decodes a /proc/net/tcp{,6} hex address. */
export function decodeProcAddress(hex: string): string {
  if (hex.length === 8) {
    return [hex.slice(6, 8), hex.slice(4, 6), hex.slice(2, 4), hex.slice(0, 2)].map((h) => parseInt(h, 16)).join('.');
  }
  const groups: string[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    const bytes = [word.slice(6, 8), word.slice(4, 6), word.slice(2, 4), word.slice(0, 2)].join('');
    groups.push(bytes.slice(0, 4), bytes.slice(4, 8));
  }
  const full = groups.map((g) => parseInt(g, 16).toString(16)).join(':');
  if (full === '0:0:0:0:0:0:0:1') return '::1';
  if (full === '0:0:0:0:0:0:0:0') return '::';
  const v4 = /^0:0:0:0:0:ffff:([0-9a-f]+):([0-9a-f]+)$/.exec(full);
  if (v4) {
    const n = (parseInt(v4[1]!, 16) << 16) | parseInt(v4[2]!, 16);
    return `::ffff:${[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')}`;
  }
  return full;
}

/** Addresses listening on `port` in the text of /proc/net/tcp and/or /proc/net/tcp6. */
export function parseListeners(text: string, port: number): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/);
    const [addr, portHex] = (cols[1] ?? '').split(':');
    if (cols[3] !== '0A' || !addr || !portHex || !/^[0-9A-F]+$/i.test(addr)) continue; // 0A = LISTEN
    if (parseInt(portHex, 16) === port) out.push(decodeProcAddress(addr));
  }
  return [...new Set(out)];
}

/** Addresses listening on `port` in this network namespace, from /proc/net/tcp and /proc/net/tcp6. */
export function listeningAddresses(port: number, procNet = '/proc/net'): string[] {
  let text = '';
  for (const file of ['tcp', 'tcp6']) {
    try {
      text += readFileSync(`${procNet}/${file}`, 'utf8');
    } catch {
      // no IPv6 here
    }
  }
  return parseListeners(text, port);
}

/** Whether pid is a redis-server process of this machine (then its sockets are this machine's to read). */
function isLocalRedis(pid: string | undefined): boolean {
  if (!pid) return false;
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('redis-server');
  } catch {
    return false;
  }
}

/** The last error event of each client: "Connection is closed." hides why (e.g. WRONGPASS during connect). */
const lastErrors = new WeakMap<Redis, string>();

function clientFor(url: string, password: string | undefined, timeoutMs: number): Redis {
  const client = new Redis(url, {
    ...(password !== undefined ? { password } : {}),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    enableReadyCheck: false,
    reconnectOnError: () => false,
  });
  client.on('error', (error: Error) => {
    lastErrors.set(client, error.message);
  });
  return client;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split('\n')[0]!;

/** What ioredis throws at a command on a connection already gone: it does not say why the connection went. */
const CONNECTION_GONE = /^(Connection is closed\.|Stream isn't writeable)/;

/**
 * Why a connection check failed: the client's last error event (e.g. WRONGPASS answered to the AUTH sent on
 * connect) when the command itself only failed because that connection was gone — which of the two messages a
 * command gets depends on whether the server closed before or after it was written (a busy host sees both).
 */
export function connectionFailure(thrown: unknown, lastError: string | undefined): string {
  const message = errorText(thrown);
  return CONNECTION_GONE.test(message) ? (lastError ?? message) : message;
}

/**
 * Compares a running Redis with what it should be (CI runs this before a deploy): CONFIG GET of the plan's settings,
 * INFO persistence health, that a password is enforced when one is expected, and that only loopback listens.
 */
export async function auditRedis(options: AuditOptions): Promise<AuditReport> {
  const url = new URL(options.redisUrl);
  const target = `${url.protocol}//${url.hostname.includes(':') && !url.hostname.startsWith('[') ? `[${url.hostname}]` : url.hostname}:${url.port || 6379}`;
  const urlPort = Number(url.port || 6379);
  const expected: AuditExpected = { ...expectedFromConfig(), port: urlPort, ...options.expected };
  const password = options.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
  const requirePassword = expected.requirePassword ?? password !== undefined;
  const timeoutMs = options.timeoutMs ?? 3_000;
  const checks: Check[] = [];
  const add = (setting: string, want: unknown, actual: string, note?: string, ok?: boolean): void => {
    const exp = String(want);
    checks.push({ setting, expected: exp, actual, ok: ok ?? exp === actual, ...(note ? { note } : {}) });
  };

  const client = clientFor(options.redisUrl, password, timeoutMs);
  try {
    try {
      await client.connect();
      const pong = await client.ping();
      add('connection', 'PONG', pong);
    } catch (error) {
      const message = connectionFailure(error, lastErrors.get(client));
      add(
        'connection',
        'PONG',
        message,
        /NOAUTH/.test(message) ? 'a password is required: set REDIS_PASSWORD or --password-file' : undefined,
        false,
      );
      return { ok: false, target, checks };
    }
    const config = async (name: string): Promise<string> => {
      try {
        const reply = (await client.call('CONFIG', 'GET', name)) as string[];
        return reply[1] ?? '(unset)';
      } catch (error) {
        return `error: ${errorText(error)}`;
      }
    };
    if (expected.maxmemory !== undefined) {
      const want = typeof expected.maxmemory === 'number' ? expected.maxmemory : parseMemory(expected.maxmemory);
      add('maxmemory', want, await config('maxmemory'), `${expected.maxmemory} in bytes`);
    }
    if (expected.policy !== undefined) add('maxmemory-policy', expected.policy, await config('maxmemory-policy'));
    if (expected.save !== undefined) add('save', expected.save, await config('save'));
    if (expected.appendonly !== undefined) add('appendonly', expected.appendonly, await config('appendonly'));
    const bind = await config('bind');
    if (expected.bind !== undefined) {
      const version = parseRedisInfo(await client.info('server')).redis_version ?? '';
      const want = bindForVersion(expected.bind, version);
      add('bind', want, bind, want !== expected.bind ? `Redis ${version}: no optional "-addr" bind (6.2+)` : undefined);
    }
    if (expected.protectedMode !== undefined)
      add('protected-mode', expected.protectedMode, await config('protected-mode'));
    if (expected.timeout !== undefined) add('timeout', expected.timeout, await config('timeout'));
    if (expected.tcpKeepalive !== undefined) add('tcp-keepalive', expected.tcpKeepalive, await config('tcp-keepalive'));
    if (expected.tcpBacklog !== undefined) add('tcp-backlog', expected.tcpBacklog, await config('tcp-backlog'));
    if (expected.port !== undefined) add('port', expected.port, await config('port'));

    const persistence = parseRedisInfo(await client.info('persistence'));
    add(
      'rdb_last_bgsave_status',
      'ok',
      persistence.rdb_last_bgsave_status ?? '(missing)',
      `rdb_last_cow_size=${persistence.rdb_last_cow_size ?? '?'} rdb_changes_since_last_save=${persistence.rdb_changes_since_last_save ?? '?'}`,
    );

    if (requirePassword) {
      const anonymous = clientFor(options.redisUrl.replace(/\/\/[^@/]*@/, '//'), undefined, timeoutMs);
      let actual: string;
      try {
        await anonymous.connect();
        await anonymous.ping();
        actual = 'not required';
      } catch (error) {
        actual = /NOAUTH|WRONGPASS/.test(errorText(error)) ? 'required' : `error: ${errorText(error)}`;
      } finally {
        anonymous.disconnect();
      }
      add('auth', 'required', actual, 'a connection without the password must get NOAUTH');
    }

    if (expected.loopbackOnly ?? true) {
      const bound = bind.split(/\s+/).filter(Boolean);
      const bindOk = bound.length > 0 && bound.every((a) => a !== '*' && isLoopback(a));
      const port = Number((await config('port')) || urlPort);
      let sockets: string[] | undefined;
      let note: string;
      if (options.sockets) {
        sockets = await options.sockets.read(port);
        note = `sockets of ${options.sockets.where} (/proc/net/tcp*); bind ${bind}`;
      } else if (isLoopback(url.hostname) && isLocalRedis(parseRedisInfo(await client.info('server')).process_id)) {
        sockets = listeningAddresses(port);
        note = `sockets of this machine (/proc/net/tcp*); bind ${bind}`;
      } else {
        note =
          'sockets not checked: the server is not a process of this machine (give --host to read its sockets); judged from CONFIG GET bind';
      }
      const socketsOk = (sockets ?? []).every((a) => isLoopback(a));
      const actual =
        sockets === undefined
          ? `not checked (bind ${bind})`
          : sockets.length > 0
            ? sockets.join(' ')
            : `no listener on ${port}`;
      add(
        'listening addresses',
        'loopback only',
        actual,
        note,
        bindOk && socketsOk && (sockets === undefined || sockets.length > 0),
      );
    }
  } finally {
    client.disconnect();
  }
  return { ok: checks.every((c) => c.ok), target, checks };
}
