/**
 * Was a read served from the cache? Observed in Redis itself, per read: the entry existed just before the read
 * (EXISTS) and the app touched that key while the read ran — every command Redis executed in the read's window, seen
 * through MONITOR between two ECHO markers the harness sends (commands a script runs show too, and the script's own
 * EVALSHA names its keys). A service with its cache off touches no key; a cache-aside that missed finds no entry.
 * Where MONITOR is refused (some managed Redis), the weaker channel is INFO keyspace_hits: the entry existed and the
 * server counted ≥ 1 hit in the window (background reads of the app may inflate it; the row says which channel ran).
 * Our own X-Cache header, where sent, is only an extra the rows report beside it.
 */
import type { Redis } from 'ioredis';
import { keyspaceCounters, type RedisClient, serverNodes } from './redis.ts';

export interface ProbedRead<T> {
  value: T;
  /** The candidate key that existed just before the read; undefined when none did. */
  entry?: string;
  /** The app ran a command on that key during the read (MONITOR), or Redis counted a hit (keyspace channel). */
  touched: boolean;
  /** Served from the cache: the entry existed and the app read it. */
  hit: boolean;
}

interface MonitorEvent {
  args: string[];
  source: string;
}

const MARK = 'acceptance-probe';

/** The reason a row gives when the reads it judged were not cache hits (its control looks for it). */
export const NOT_FROM_CACHE = 'reads were not served from the cache';

/**
 * MONITOR on a connection of its own, with an error listener from its first moment, closed again when MONITOR is not
 * confirmed within 5 s. ioredis' `monitor()` leaves a connection whose MONITOR failed reconnecting with no error
 * listener; when it later received monitor lines in a state it did not expect, its "Command queue state error" was an
 * unhandled error that failed a gate run (the run row, in a matrix column at load 12).
 */
async function openMonitor(server: Redis): Promise<Redis> {
  const monitor = server.duplicate({ monitor: true, lazyConnect: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('MONITOR was not confirmed within 5 s')), 5_000);
      monitor.once('monitoring', () => {
        clearTimeout(timer);
        resolve();
      });
      monitor.on('error', (error: Error) => {
        clearTimeout(timer);
        reject(error); // a no-op once settled: the listener stays, so no later error is unhandled
      });
      monitor.connect().catch(() => {}); // an error of the connection reaches the listener above
    });
    return monitor;
  } catch (error) {
    monitor.disconnect();
    throw error;
  }
}

/**
 * A key as MONITOR prints it (Redis's sdscatrepr: non-printable bytes — every byte of a non-ASCII name — as `\xNN`,
 * `\\`, `\n` …; ioredis only turns `\"` back into `"`), so keys such as `char_profile:7:李白` can be found.
 */
export function monitorRepr(key: string): string {
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const escapes: Record<number, string> = { 92: '\\\\', 10: '\\n', 13: '\\r', 9: '\\t', 7: '\\a', 8: '\\b' };
    const escaped = escapes[byte];
    if (escaped !== undefined) out += escaped;
    else if (byte >= 0x20 && byte <= 0x7e) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

export class CacheReadProbe {
  readonly channel: 'MONITOR' | 'INFO keyspace_hits';
  /** Why MONITOR could not be opened, when the weaker channel runs. */
  readonly monitorError: string | undefined;
  readonly #admin: RedisClient;
  /** One MONITOR per server (a Cluster: per primary), each beside the server its markers are sent to. */
  readonly #monitors: { server: Redis; monitor: Redis }[];
  #window: MonitorEvent[] | undefined;
  /** Servers whose begin marker arrived: their later events belong to the window. */
  #open = new Set<Redis>();
  #waiting: { marker: string; pending: Set<Redis>; resolve: () => void } | undefined;
  #seq = 0;

  private constructor(admin: RedisClient, monitors: { server: Redis; monitor: Redis }[], monitorError?: string) {
    this.#admin = admin;
    this.#monitors = monitors;
    this.monitorError = monitorError;
    this.channel = monitors.length > 0 ? 'MONITOR' : 'INFO keyspace_hits';
    for (const { server, monitor } of monitors) {
      monitor.on('monitor', (_time: string, args: string[], source: string) => this.#seen(server, { args, source }));
      // Monitor lines still in flight when the connection closes reach ioredis as replies to no command ("Command
      // queue state error"); a lost connection shows as a marker that never arrives (read() then throws).
      monitor.on('error', () => {});
    }
  }

  /**
   * Opens the probe on an admin connection: MONITOR on a connection of its own to every server (one, or every
   * primary of a Cluster), else the keyspace channel.
   */
  static async open(admin: RedisClient): Promise<CacheReadProbe> {
    let error = '';
    const servers = await serverNodes(admin);
    for (let attempt = 0; attempt < 2; attempt++) {
      const opened: { server: Redis; monitor: Redis }[] = [];
      try {
        for (const server of servers) opened.push({ server, monitor: await openMonitor(server) });
        return new CacheReadProbe(admin, opened);
      } catch (e) {
        for (const { monitor } of opened) monitor.disconnect();
        error = (e as Error).message;
      }
    }
    return new CacheReadProbe(admin, [], error);
  }

  #seen(server: Redis, event: MonitorEvent): void {
    const [command = '', arg = ''] = event.args;
    if (command.toLowerCase() === 'echo' && arg.startsWith(MARK)) {
      if (arg.endsWith(':begin')) {
        this.#window ??= [];
        this.#open.add(server);
      } else this.#open.delete(server);
      if (this.#waiting?.marker === arg) {
        this.#waiting.pending.delete(server);
        if (this.#waiting.pending.size === 0) {
          const { resolve } = this.#waiting;
          this.#waiting = undefined;
          resolve();
        }
      }
      return;
    }
    if (this.#open.has(server)) this.#window?.push(event);
  }

  /** Runs `read` inside an observed window and says whether it was served from one of `keys`. */
  async read<T>(keys: string[], read: () => Promise<T>): Promise<ProbedRead<T>> {
    let entry: string | undefined;
    for (const key of keys) {
      if ((await this.#admin.exists(key)) === 1) {
        entry = key;
        break;
      }
    }
    if (this.#monitors.length === 0) {
      const before = await keyspaceCounters(this.#admin);
      const value = await read();
      const after = await keyspaceCounters(this.#admin);
      const touched = after.hits - before.hits >= 1;
      return { value, entry, touched, hit: entry !== undefined && touched };
    }
    const id = `${MARK}:${process.pid}:${++this.#seq}`;
    await this.#marker(`${id}:begin`);
    const value = await read();
    await this.#marker(`${id}:end`);
    const events = this.#window ?? [];
    this.#window = undefined;
    const forms = entry === undefined ? [] : [entry, monitorRepr(entry)];
    const touched = events.some((e) => e.args.slice(1).some((a) => forms.includes(a)));
    return { value, entry, touched, hit: entry !== undefined && touched };
  }

  /** Sends an ECHO marker to every monitored server and waits until each MONITOR delivered it. */
  async #marker(marker: string): Promise<void> {
    const seen = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`MONITOR did not deliver ${marker} within 5 s`)), 5_000);
      this.#waiting = {
        marker,
        pending: new Set(this.#monitors.map((m) => m.server)),
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
    await Promise.all(this.#monitors.map(({ server }) => server.echo(marker)));
    await seen;
  }

  close(): void {
    for (const { monitor } of this.#monitors) monitor.disconnect();
  }
}
