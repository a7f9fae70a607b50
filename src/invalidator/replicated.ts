import type { Redis } from 'ioredis';
import { parseRedisInfo } from '../redis/info.ts';

/** How many checkpoints per primary are kept (one per acknowledgement round; older ones are never needed). */
const MAX_CHECKPOINTS = 64;

/** A moment (this process's clock) and the primary's replication offset read just after it. */
interface Checkpoint {
  atMs: number;
  offset: number;
}

/** The offsets a primary reports in INFO replication: its own, and each connected replica's. */
export function replicationOffsets(info: string): { primary: number; replicas: number[] } | undefined {
  const fields = parseRedisInfo(info.replace(/\r?\n/g, '\r\n'));
  if (fields.role !== 'master') return undefined;
  const replicas: number[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (!/^slave\d+$/.test(name)) continue;
    const entry = Object.fromEntries(value.split(',').map((pair) => pair.split('=') as [string, string]));
    if (entry.state === 'online') replicas.push(Number(entry.offset));
  }
  return { primary: Number(fields.master_repl_offset ?? 0), replicas };
}

/**
 * Which writes every replica of a primary has received, in this process's time: a write that completed before
 * moment t is on every replica once each replica's offset reached the primary's offset read after t. Replication
 * is asynchronous: a deletion the primary acknowledged can be lost when a replica that had not received it is
 * promoted. The invalidator acknowledges a WAL position to PostgreSQL only once it is on the replicas too, so the
 * replication slot can still replay from the position a promoted replica holds (its marker is never behind the
 * slot: no namespace flush after a failover).
 */
export class ReplicationWatch {
  readonly #checkpoints = new Map<string, Checkpoint[]>();

  /**
   * For each primary: records a checkpoint and answers the time before which every write is on all of its online
   * replicas (now when it has none). Returns the earliest over the primaries.
   */
  async replicatedBefore(nodes: readonly Redis[]): Promise<number> {
    let before = Number.POSITIVE_INFINITY;
    for (const node of nodes) {
      const atMs = Date.now();
      const offsets = replicationOffsets(await node.info('replication'));
      const key = `${node.options.host}:${node.options.port}`;
      if (!offsets || offsets.replicas.length === 0) {
        this.#checkpoints.delete(key);
        before = Math.min(before, atMs);
        continue;
      }
      const list = this.#checkpoints.get(key) ?? [];
      list.push({ atMs, offset: offsets.primary });
      const slowest = Math.min(...offsets.replicas);
      let reached = Number.NEGATIVE_INFINITY;
      while (list.length > 0 && (list[0] as Checkpoint).offset <= slowest) {
        reached = (list.shift() as Checkpoint).atMs;
      }
      if (reached === Number.NEGATIVE_INFINITY) {
        // nothing newer is confirmed: the last confirmed checkpoint stays the answer
        reached = this.#confirmed.get(key) ?? 0;
      }
      this.#confirmed.set(key, reached);
      if (list.length > MAX_CHECKPOINTS) list.splice(0, list.length - MAX_CHECKPOINTS);
      this.#checkpoints.set(key, list);
      before = Math.min(before, reached);
    }
    return before === Number.POSITIVE_INFINITY ? Date.now() : before;
  }

  readonly #confirmed = new Map<string, number>();
}
