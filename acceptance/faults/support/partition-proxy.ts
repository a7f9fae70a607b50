/**
 * A TCP proxy between the service and Redis that can partition the network: while partitioned it stops moving
 * bytes in both directions but keeps every connection open (packets dropped, not refused — what a partition
 * looks like to both ends); on heal the bytes queued meanwhile are delivered late, as TCP retransmission would.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface PartitionProxy {
  readonly url: string;
  partition(): void;
  heal(): void;
  close(): Promise<void>;
}

interface Link {
  client: Socket;
  upstream: Socket;
  /** Bytes that arrived while partitioned, in order, with the side they are for. */
  held: [Socket, Buffer][];
}

export async function startPartitionProxy(upstreamHost: string, upstreamPort: number): Promise<PartitionProxy> {
  let partitioned = false;
  const pairs = new Set<Link>();
  const server: Server = createServer((client) => {
    const upstream = connect(upstreamPort, upstreamHost);
    const link: Link = { client, upstream, held: [] };
    pairs.add(link);
    const end = (): void => {
      pairs.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (chunk: Buffer) => {
      if (partitioned) link.held.push([upstream, chunk]);
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (partitioned) link.held.push([client, chunk]);
      else client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `redis://127.0.0.1:${port}`,
    partition() {
      partitioned = true;
    },
    heal() {
      partitioned = false;
      for (const link of pairs) {
        for (const [socket, chunk] of link.held) if (!socket.destroyed) socket.write(chunk);
        link.held = [];
      }
    },
    close: async () => {
      for (const link of pairs) {
        link.client.destroy();
        link.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
