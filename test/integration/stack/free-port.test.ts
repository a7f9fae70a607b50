// Ports for private servers come from below the kernel's ephemeral range (where outgoing connections take their
// local ports and a port seen free by listen(0) can be taken again before the server binds it — CI's EADDRINUSE),
// every offset of a block is free, and one process never hands out the same port twice.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { expect, test } from 'vitest';
import { freePort, freePortBlock, freePortWith, portFree } from '../../../src/stack/index.ts';

const firstEphemeral = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

test('ports lie below the ephemeral range, free, and are never handed out twice', async () => {
  const seen = new Set<number>();
  for (let i = 0; i < 100; i += 1) {
    const port = await freePort();
    expect(port).toBeLessThan(firstEphemeral);
    expect(seen.has(port)).toBe(false);
    seen.add(port);
  }
  const block = await freePortBlock(2);
  for (const p of [block, block + 1, block + 2]) expect(await portFree(p)).toBe(true);
  const node = await freePortWith([0, 10_000]);
  expect(node + 10_000).toBeLessThan(firstEphemeral);
  expect(await portFree(node + 10_000)).toBe(true);
});

test('portFree sees a bound port as taken (the check freePort relies on)', async () => {
  const server = createServer();
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  try {
    expect(await portFree(port)).toBe(false);
  } finally {
    await new Promise((r) => server.close(r));
  }
  expect(await portFree(port)).toBe(true);
});
