import { createServer, request, type Server } from 'node:http';

/**
 * A small forwarding HTTP proxy for the test host's apt (`Acquire::http::Proxy`), bound on the machine's veth address
 * and restricted to one mirror host (the one this machine's own apt uses): any other host, and CONNECT, get 403.
 */
export interface AptProxy {
  readonly url: string;
  /** Requests refused because they named another host (should stay 0). */
  readonly refused: string[];
  readonly forwarded: number;
  close(): Promise<void>;
}

export async function startAptProxy(bindAddress: string, mirrorHost: string): Promise<AptProxy> {
  const refused: string[] = [];
  let forwarded = 0;
  const server: Server = createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute URL expected\n');
      return;
    }
    if (url.protocol !== 'http:' || url.hostname !== mirrorHost || (req.method !== 'GET' && req.method !== 'HEAD')) {
      refused.push(`${req.method} ${url.protocol}//${url.host}`);
      res.writeHead(403).end(`only GET http://${mirrorHost}/ is allowed\n`);
      return;
    }
    forwarded++;
    const headers: Record<string, string | string[] | undefined> = { ...req.headers, host: url.host };
    delete headers['proxy-connection'];
    const upstream = request(url, { method: req.method, headers, timeout: 60_000 }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('timeout', () => upstream.destroy(new Error('upstream timeout')));
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  server.on('connect', (req, socket) => {
    refused.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, bindAddress, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${bindAddress}:${port}/`,
    refused,
    get forwarded() {
      return forwarded;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
