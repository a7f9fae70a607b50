import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sentinelClientOptions } from '../../../src/redis/connect.ts';
import { SentinelClient } from '../../../src/redis/sentinel-client.ts';
import type { RedisTopology } from '../../../src/redis/topology.ts';
import { type StartedSentinelTopology, startSentinelTopology } from '../../../src/stack/index.ts';

async function until(what: string, timeoutMs: number, probe: () => boolean | Promise<boolean>): Promise<void> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what} not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/**
 * What ioredis' failover detector does on `+switch-master` while the client is asking the Sentinels again (the
 * usual moment: the old primary just went away): it closes the connector. Done here on purpose, at that moment.
 */
async function closeConnectorWhileConnecting(client: Redis): Promise<void> {
  await until('the client ready', 10_000, () => client.status === 'ready');
  const connecting = once(client, 'connecting');
  client.disconnect(true); // drop the connection and let the client reconnect
  await connecting;
  (client as unknown as { connector: { disconnect(): void } }).connector.disconnect();
}

describe('a Sentinel client whose failover detector fires while it connects', () => {
  let topology: StartedSentinelTopology;
  let sentinel: Extract<RedisTopology, { kind: 'sentinel' }>;
  beforeAll(async () => {
    topology = await startSentinelTopology({ replicas: 1 });
    sentinel = { kind: 'sentinel', sentinels: [...topology.sentinelAddresses], name: topology.masterName };
  }, 60_000);
  afterAll(async () => {
    await topology?.stop();
  });

  it('control: a plain ioredis client ends for good ("Connection is closed.")', async () => {
    const client = new Redis(sentinelClientOptions(sentinel));
    client.on('error', () => {});
    try {
      await closeConnectorWhileConnecting(client);
      await until('the client ended', 5_000, () => client.status === 'end');
      await sleep(1_500);
      expect(client.status).toBe('end');
      await expect(client.set('k', 'v')).rejects.toThrow('Connection is closed');
    } finally {
      client.disconnect();
    }
  });

  it('SentinelClient connects again and writes', async () => {
    const client = new SentinelClient(sentinelClientOptions(sentinel));
    client.on('error', () => {});
    try {
      await closeConnectorWhileConnecting(client);
      await until('the client ended', 5_000, () => client.status === 'end' || client.revived > 0);
      await until('the client ready again', 10_000, () => client.status === 'ready');
      expect(client.revived).toBeGreaterThanOrEqual(1);
      expect(await client.set('k', 'v')).toBe('OK');
    } finally {
      client.disconnect();
    }
  });

  it('quit() and disconnect() still end it for good', async () => {
    for (const close of [(c: Redis) => c.quit(), (c: Redis) => c.disconnect()]) {
      const client = new SentinelClient(sentinelClientOptions(sentinel));
      client.on('error', () => {});
      await until('the client ready', 10_000, () => client.status === 'ready');
      await close(client);
      await until('the client ended', 5_000, () => client.status === 'end');
      await sleep(500);
      expect(client.status).toBe('end');
      expect(client.revived).toBe(0);
    }
  });
});
