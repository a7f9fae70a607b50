import type { Redis } from 'ioredis';
import { primaries } from '../redis/connect.ts';
import type { BreakerGate } from './breaker-gate.ts';
import type { Connection } from './connection.ts';

/** SCAN batch size of deletePattern/clearAll. */
const SCAN_COUNT = 1_000;

/**
 * SCAN + UNLINK of the keys that match a pattern, on every primary: one on a single server or Sentinel's primary,
 * each of a Cluster's (where a node refuses keys of different slots in one command, so one UNLINK per key, all in
 * one round trip). Every command goes through the breaker gate; an error is thrown to the caller.
 */
export class PatternDeletes {
  readonly #connection: Connection;
  readonly #gate: BreakerGate;
  /** Keys under this prefix are the cache's own (markers, statistics) and survive a scan that skips them. */
  readonly #internalPrefix: string;

  constructor(connection: Connection, gate: BreakerGate, internalPrefix: string) {
    this.#connection = connection;
    this.#gate = gate;
    this.#internalPrefix = internalPrefix;
  }

  /** Removes every key matching `match` (the cache's own keys too unless `skipInternal`); returns how many. */
  async unlink(match: string, skipInternal: boolean): Promise<number> {
    let removed = 0;
    for (const node of primaries(this.#connection.client)) removed += await this.#unlinkOn(node, match, skipInternal);
    return removed;
  }

  async #unlinkOn(node: Redis, match: string, skipInternal: boolean): Promise<number> {
    let cursor = '0';
    let removed = 0;
    do {
      const [next, found] = await this.#gate.command(() => node.scan(cursor, 'MATCH', match, 'COUNT', SCAN_COUNT));
      this.#gate.success();
      cursor = next;
      const batch = skipInternal ? found.filter((k) => !k.startsWith(this.#internalPrefix)) : found;
      if (batch.length === 0) continue;
      if (!this.#connection.cluster) removed += await this.#gate.command(() => node.unlink(...batch));
      else {
        const pipeline = node.pipeline();
        for (const key of batch) pipeline.unlink(key);
        const replies = (await this.#gate.command(() => pipeline.exec())) ?? [];
        for (const [error, n] of replies) {
          if (error) throw error;
          removed += Number(n);
        }
      }
    } while (cursor !== '0');
    return removed;
  }
}
