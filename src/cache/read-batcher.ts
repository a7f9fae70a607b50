/**
 * Batches the cache's reads: every `get` issued while the current piece of work runs (one incoming reply waking
 * many awaiting requests, a burst of requests in one poll phase) leaves as ONE `MGET` on the next tick, instead of
 * one `GET` each. Redis parses one command, ioredis builds one command object and one promise, the watchdog tracks
 * one operation: at 16–64 reads in flight this is what lets the cache keep pace with, and pass, ioredis' own
 * auto-pipelining (see docs/benchmarks.md).
 *
 * Semantics are those of the separate GETs: a read is sent after it was asked for, so it sees every write that
 * completed before it was asked; `MGET` is atomic, so the keys of one batch are read at one instant. Reads are
 * never shared: the same key asked twice is sent twice in the batch (a read joining an earlier, still-running
 * read could miss an invalidation confirmed in between). A failed batch fails each of its reads.
 */
export type SendBatch = (keys: string[]) => Promise<(string | null)[]>;

interface Waiter {
  resolve(value: string | null): void;
  reject(error: unknown): void;
}

export class ReadBatcher {
  readonly #send: SendBatch;
  readonly #maxBatch: number;
  #keys: string[] = [];
  #waiters: Waiter[] = [];
  #scheduled = false;

  /** @param maxBatch largest MGET sent; a larger burst leaves as several. */
  constructor(send: SendBatch, maxBatch = 256) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError('maxBatch must be a positive integer');
    this.#send = send;
    this.#maxBatch = maxBatch;
  }

  /** The raw value of `key` (null when absent), read in the next batch. */
  get(key: string): Promise<string | null> {
    return new Promise<string | null>((resolve, reject) => {
      this.#keys.push(key);
      this.#waiters.push({ resolve, reject });
      if (this.#keys.length >= this.#maxBatch) this.#flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        // After the promise jobs of the current turn have run, so that every request they wake joins the batch.
        process.nextTick(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#keys.length === 0) return;
    const keys = this.#keys;
    const waiters = this.#waiters;
    this.#keys = [];
    this.#waiters = [];
    let sent: Promise<(string | null)[]>;
    try {
      sent = this.#send(keys);
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      (values) => {
        for (let i = 0; i < waiters.length; i += 1) (waiters[i] as Waiter).resolve(values[i] ?? null);
      },
      (error: unknown) => {
        for (const waiter of waiters) waiter.reject(error);
      },
    );
  }
}
