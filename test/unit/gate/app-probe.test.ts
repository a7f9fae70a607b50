// Is the base URL the app? A server answering as FastNPC does (401 {"error"} without a session, a refused login of an
// unknown user) passes; the usual wrong URLs — a static file server, a 404 everywhere, an app that lets anyone in —
// are refused with one line naming the route and the answer, the URL's password masked.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { checkIsTheApp, NotTheAppError } from '../../../src/gate/app-probe.ts';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => server?.close(r));
  server = undefined;
});

async function serve(handler: RequestListener): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return `http://qa:Probe-Secret-1@127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const json = (res: Parameters<RequestListener>[1], status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

/** Like FastNPC: /api/* needs the session cookie, a wrong login is 401. */
const app: RequestListener = (req, res) => {
  if (req.url === '/api/me/settings') return json(res, 401, { error: 'unauthorized' });
  if (req.url === '/auth/login' && req.method === 'POST') return json(res, 401, { error: 'invalid credentials' });
  json(res, 404, { error: 'not_found' });
};

describe('checkIsTheApp', () => {
  test('an app that answers like FastNPC passes (the control of the refusals below)', async () => {
    await expect(checkIsTheApp(await serve(app))).resolves.toBeUndefined();
  });

  test.each([
    [
      'a static file server (200 text/html everywhere)',
      ((_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>')) as RequestListener,
      /GET \/api\/me\/settings without a session answered 200 text\/html without \{"error": …\}/,
    ],
    ['404 everywhere', ((_q, r) => r.writeHead(404).end('Not Found')) as RequestListener, /answered 404/],
    [
      'an app that lets anyone read settings',
      ((q, r) => (q.url === '/api/me/settings' ? json(r, 200, { settings: {} }) : app(q, r))) as RequestListener,
      /settings without a session answered 200 application\/json/,
    ],
    [
      'a login that accepts an unknown user',
      ((q, r) => (q.url === '/auth/login' ? json(r, 200, { ok: true }) : app(q, r))) as RequestListener,
      /POST \/auth\/login of an unknown user answered 200/,
    ],
  ])('%s is refused with one line', async (_name, handler, reason) => {
    const url = await serve(handler);
    const error = await checkIsTheApp(url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotTheAppError);
    const message = (error as Error).message;
    expect(message).toMatch(reason);
    expect(message).toContain('http://qa:***@127.0.0.1:');
    expect(message).not.toContain('Probe-Secret-1');
    expect(message.split('\n')).toHaveLength(1);
  });

  test('a server that never answers: refused after the timeout', async () => {
    const url = await serve(() => {});
    await expect(checkIsTheApp(url, 300)).rejects.toThrow(
      /does not answer GET \/api\/me\/settings: no answer within 300 ms/,
    );
  });
});
