/** Whether a URL's host and port accept a TCP connection: the one-line "cannot reach" check before any run. */
import { connect } from 'node:net';

/** Resolves when a TCP connection to the URL's host and port opens within `timeoutMs`. */
export function tcpProbe(urlText: string, timeoutMs = 3000): Promise<void> {
  const url = new URL(urlText);
  const defaults: Record<string, number> = { 'http:': 80, 'https:': 443, 'redis:': 6379, 'rediss:': 6379 };
  const port = Number(url.port || defaults[url.protocol] || 5432);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const fail = (reason: string): void => {
      socket.destroy();
      reject(new Error(reason));
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
  });
}
