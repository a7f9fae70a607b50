import type { BreakerGate } from './breaker-gate.ts';
import type { CacheCounters } from './counters.ts';
import type { KeySpace } from './key-space.ts';
import type { CacheLogger } from './options.ts';
import { DROP_IF_SAME } from './scripts.ts';

/** Corrupt keys remembered so each is logged once. */
const MAX_LOGGED_CORRUPT_KEYS = 1_000;

/**
 * Entries that do not parse as JSON: counted (an error and a corrupt entry), logged once per key without their
 * content, and deleted only if they still hold the same bytes (a value written meanwhile is kept).
 */
export class CorruptEntries {
  readonly #logged = new Set<string>();
  readonly #keys: KeySpace;
  readonly #gate: BreakerGate;
  readonly #counters: CacheCounters;
  readonly #logger: CacheLogger;

  constructor(keys: KeySpace, gate: BreakerGate, counters: CacheCounters, logger: CacheLogger) {
    this.#keys = keys;
    this.#gate = gate;
    this.#counters = counters;
    this.#logger = logger;
  }

  async drop(key: string, raw: string | Buffer): Promise<void> {
    this.#counters.count('errors');
    this.#counters.event('corruptEntries');
    if (!this.#logged.has(key) && this.#logged.size < MAX_LOGGED_CORRUPT_KEYS) {
      this.#logged.add(key);
      this.#logger.warn('cache entry is not valid JSON: deleted and served as a miss', { key, bytes: raw.length });
    }
    try {
      await this.#gate.run(DROP_IF_SAME, [this.#keys.value(key)], [raw]);
    } catch (error) {
      this.#gate.failed('delete corrupt entry', error);
    }
  }
}
