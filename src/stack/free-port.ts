import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Ports for the private servers the tests and the gate start. They are drawn at random from below the kernel's
 * ephemeral range (net.ipv4.ip_local_port_range, 32768–60999 by default): a port the kernel gave out for `listen(0)`
 * sits in that range, where every outgoing connection (thousands per load test) also takes its local port, so it
 * could be taken again between the check and the server's own bind (CI saw `bind EADDRINUSE` that way).
 */
const LOWEST = 10_000;

function firstEphemeralPort(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > LOWEST ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** Ports this process has handed out: never handed out twice, even when the first server has not bound yet. */
const handedOut = new Set<number>();

/**
 * A port p on 127.0.0.1 such that p + each of `offsets` is free right now and below the ephemeral range, e.g.
 * `[0, 1, 2]` for a service and its two workers, `[0, 10000]` for a Cluster node and its bus port.
 */
export async function freePortWith(offsets: readonly number[]): Promise<number> {
  const highest = firstEphemeralPort() - 1 - Math.max(0, ...offsets);
  if (highest < LOWEST) throw new Error(`no room below the ephemeral ports for offsets ${offsets.join(', ')}`);
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const base = LOWEST + Math.floor(Math.random() * (highest - LOWEST + 1));
    const ports = offsets.map((o) => base + o);
    if (ports.some((p) => handedOut.has(p))) continue;
    let free = true;
    for (const p of ports) if (free) free = await portFree(p);
    if (!free) continue;
    for (const p of ports) handedOut.add(p);
    return base;
  }
  throw new Error(`no free ports for offsets ${offsets.join(', ')} below ${highest + 1} after 200 tries`);
}

/** A free TCP port on 127.0.0.1 (checked by binding it and closing again). */
export async function freePort(): Promise<number> {
  return await freePortWith([0]);
}

/** A port p such that p … p + count are all free (a service's shared port and one port per worker). */
export async function freePortBlock(count: number): Promise<number> {
  return await freePortWith(Array.from({ length: count + 1 }, (_, i) => i));
}

/** True when `port` on 127.0.0.1 can be bound right now (checked by binding it and closing again). */
export async function portFree(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Resolves once a TCP connection to host:port succeeds, or rejects after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
