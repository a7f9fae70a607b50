// Child process of stampede.test.ts: waits for "go", then fires N concurrent reads of one key and reports.
// Loads are counted with INCR on a key outside the namespace, so both processes count into one number.
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createCache } from '../../../src/cache/cache.ts';
import { NaiveCacheAside } from './naive-cache-aside.ts';

interface Go {
  redisUrl: string;
  key: string;
  counterKey: string;
  concurrency: number;
  loaderMs: number;
  mode: 'lease' | 'naive';
}

const silent = { debug() {}, warn() {}, error() {} };

async function run(go: Go): Promise<string[]> {
  const counter = new Redis(go.redisUrl);
  const loader = async (): Promise<string> => {
    await counter.incr(go.counterKey);
    await new Promise((r) => setTimeout(r, go.loaderMs));
    return 'profile-v1';
  };
  try {
    if (go.mode === 'naive') {
      const naiveClient = new Redis(go.redisUrl);
      const naive = new NaiveCacheAside(naiveClient, 'fastnpc');
      const values = await Promise.all(Array.from({ length: go.concurrency }, () => naive.getOrLoad(go.key, loader)));
      naiveClient.disconnect();
      return values;
    }
    const cache = createCache({
      redis: go.redisUrl,
      registry: new Registry(),
      logger: silent,
      leaseWaitMs: 4_000,
      leaseTtlMs: 5_000,
      commandTimeoutMs: 1_000, // two processes starting on a shared 2-core machine: no spurious timeouts
    });
    // make sure the connection is up before the race starts
    await cache.ping();
    const values = await Promise.all(Array.from({ length: go.concurrency }, () => cache.getOrLoad(go.key, loader)));
    await cache.close();
    return values;
  } finally {
    counter.disconnect();
  }
}

process.on('message', (message: { go: Go }) => {
  run(message.go).then(
    (values) => process.send?.({ values }, () => process.exit(0)),
    (error: unknown) => process.send?.({ error: String(error) }, () => process.exit(1)),
  );
});
process.send?.({ ready: true });
