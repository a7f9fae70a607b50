import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ReplicationWatch, replicationOffsets } from '../../../src/invalidator/replicated.ts';

const info = (primary: number, replicas: (number | 'wait_bgsave')[]) =>
  [
    '# Replication',
    'role:master',
    `connected_slaves:${replicas.length}`,
    ...replicas.map((r, i) =>
      r === 'wait_bgsave'
        ? `slave${i}:ip=127.0.0.1,port=${7000 + i},state=wait_bgsave,offset=0,lag=0`
        : `slave${i}:ip=127.0.0.1,port=${7000 + i},state=online,offset=${r},lag=0`,
    ),
    `master_repl_offset:${primary}`,
    '',
  ].join('\r\n');

/** A primary whose INFO replication answers from a script of readings. */
function node(readings: string[]): Redis {
  return { options: { host: '127.0.0.1', port: 6379 }, info: async () => readings.shift() ?? '' } as unknown as Redis;
}

describe('replicationOffsets', () => {
  it('reads the primary offset and the online replicas only', () => {
    expect(replicationOffsets(info(500, [400, 'wait_bgsave', 500]))).toEqual({ primary: 500, replicas: [400, 500] });
    expect(replicationOffsets('# Replication\r\nrole:slave\r\n')).toBeUndefined();
  });
});

describe('ReplicationWatch', () => {
  it('confirms a moment only once the slowest replica reached the offset read after it', async () => {
    const watch = new ReplicationWatch();
    const primary = node([info(100, [100]), info(200, [150]), info(300, [200]), info(300, [300])]);
    const t0 = Date.now();
    expect(await watch.replicatedBefore([primary])).toBeGreaterThanOrEqual(t0); // idle: everything is there
    const first = await watch.replicatedBefore([primary]); // replica at 150 < 200: stays at the first checkpoint
    expect(first).toBeLessThanOrEqual(Date.now());
    const second = await watch.replicatedBefore([primary]); // replica reached 200: the second checkpoint
    expect(second).toBeGreaterThanOrEqual(first);
    const third = await watch.replicatedBefore([primary]);
    expect(third).toBeGreaterThanOrEqual(second);
  });

  it('never confirms while a replica does not move', async () => {
    const watch = new ReplicationWatch();
    const stuck = node([info(100, [50]), info(200, [50]), info(300, [50])]);
    for (let i = 0; i < 3; i += 1) expect(await watch.replicatedBefore([stuck])).toBe(0);
  });

  it('answers now for a primary without replicas', async () => {
    const t0 = Date.now();
    expect(await new ReplicationWatch().replicatedBefore([node([info(100, [])])])).toBeGreaterThanOrEqual(t0);
  });
});
