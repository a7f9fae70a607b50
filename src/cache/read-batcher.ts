/**
 * Batches the cache's reads: every `get` issued while the current piece of work runs (one incoming reply waking
 * many awaiting requests, a burst of requests in one poll phase) leaves as ONE `MGET` in the check phase that
 * follows, instead of one `GET` each. Redis parses one command, ioredis builds one command object and one promise, the watchdog tracks
 * one operation: at 16–64 reads in flight this is what lets the cache keep pace with, and pass, ioredis' own
 * auto-pipelining (see docs/benchmarks.md).
 *
 * Semantics are those of the separate GETs: a read is sent after it was asked for, so it sees every write that
 * completed before it was asked; `MGET` is atomic, so the keys of one batch are read at one instant. Reads are
 * never shared: the same key asked twice is sent twice in the batch (a read joining an earlier, still-running
 * read could miss an invalidation confirmed in between). A failed batch fails each of its reads.
 */
export type SendBatch<Raw = string | null> = (keys: string[]) => Promise<Raw[]>;

/**
 * What the owner does per batch and per read, so that a hit needs no promise of its own beyond the read's: the
 * reply is decoded and counted here, once per batch, and the caller gets the final value.
 */
export interface BatchHooks<R, Tag, Raw = string | null> {
  /** As a batch leaves; returns a token handed to `settled` (the watchdog's operation id). */
  leaving(): number;
  /** When the batch's reply or error arrived, before its reads are answered. */
  settled(token: number): void;
  /** What a read of an answered batch resolves to (a promise is adopted). */
  value(raw: Raw, key: string, tag: Tag): R | PromiseLike<R>;
  /** What a read of a failed batch resolves to (instead of a rejection). */
  failed(error: unknown, key: string, tag: Tag): R | PromiseLike<R>;
}

interface Waiter<R> {
  resolve(value: R | PromiseLike<R>): void;
  reject(error: unknown): void;
}

export class ReadBatcher<R = string | null, Tag = number | undefined, Raw = string | null> {
  readonly #send: SendBatch<Raw>;
  readonly #maxBatch: number;
  readonly #hooks: BatchHooks<R, Tag, Raw> | undefined;
  #keys: string[] = [];
  #tags: Tag[] = [];
  #waiters: Waiter<R>[] = [];
  #scheduled = false;
  readonly #flushSoon = (): void => this.#flush();

  /**
   * @param maxBatch largest MGET sent; a larger burst leaves as several.
   * @param hooks without them a read resolves to its raw value (null when absent) and rejects when its batch fails.
   */
  constructor(send: SendBatch<Raw>, maxBatch = 256, hooks?: BatchHooks<R, Tag, Raw>) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError('maxBatch must be a positive integer');
    this.#send = send;
    this.#maxBatch = maxBatch;
    this.#hooks = hooks;
  }

  /** The value of `key` (raw, or as the hooks make it), read in the next batch; `tag` is handed to the hooks. */
  get(key: string, tag?: Tag): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#keys.push(key);
      this.#tags.push(tag as Tag);
      this.#waiters.push({ resolve, reject });
      if (this.#keys.length >= this.#maxBatch) this.#flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        // In the check phase after this poll phase: every read asked meanwhile joins the batch — the promise jobs
        // one reply wakes, and the requests of every socket this poll phase reads (each socket is its own I/O
        // callback, and a process.nextTick flush would leave after the first one: one GET per HTTP request).
        setImmediate(this.#flushSoon);
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#keys.length === 0) return;
    const keys = this.#keys;
    const tags = this.#tags;
    const waiters = this.#waiters;
    this.#keys = [];
    this.#tags = [];
    this.#waiters = [];
    const hooks = this.#hooks;
    const token = hooks ? hooks.leaving() : 0;
    let sent: Promise<Raw[]>;
    try {
      sent = this.#send(keys);
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      (values) => {
        if (hooks) {
          hooks.settled(token);
          for (let i = 0; i < waiters.length; i += 1) {
            const waiter = waiters[i] as Waiter<R>;
            try {
              waiter.resolve(hooks.value((values[i] ?? null) as Raw, keys[i] as string, tags[i] as Tag));
            } catch (thrown) {
              waiter.reject(thrown); // a hook that throws fails its own read, never the others
            }
          }
        } else {
          for (let i = 0; i < waiters.length; i += 1) (waiters[i] as Waiter<R>).resolve((values[i] ?? null) as R);
        }
      },
      (error: unknown) => {
        if (hooks) {
          hooks.settled(token);
          for (let i = 0; i < waiters.length; i += 1) {
            const waiter = waiters[i] as Waiter<R>;
            try {
              waiter.resolve(hooks.failed(error, keys[i] as string, tags[i] as Tag));
            } catch (thrown) {
              waiter.reject(thrown);
            }
          }
        } else {
          for (const waiter of waiters) waiter.reject(error);
        }
      },
    );
  }
}
