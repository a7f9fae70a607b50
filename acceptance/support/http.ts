/**
 * A small HTTP client for the suites: keep-alive, the `fastnpc_auth` cookie, and the time of each request measured
 * from send to the last byte of the body (what a caller of the API waits for).
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';

const AGENT = new Agent({ keepAlive: true, maxSockets: 256 });
const COOKIE_NAME = 'fastnpc_auth';

export interface Reply<T = unknown> {
  status: number;
  headers: IncomingHttpHeaders;
  body: T;
  text: string;
  /** Wall time of the request in milliseconds. */
  ms: number;
  /** X-Worker (1-based), undefined when the target does not send it. */
  worker?: number;
  /** X-Cache: hit | miss | bypass, undefined when absent. */
  cache?: string;
  /** X-Cache-Detail parsed: entry → outcome. */
  cacheDetail: Record<string, string>;
  /** X-DB-Queries, undefined when absent. */
  dbQueries?: number;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function parseDetail(detail: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (detail ?? '').split(';')) {
    const [k, v] = part.split('=');
    if (k && v) out[k.trim()] = v.trim();
  }
  return out;
}

/** Encodes a role name for a path segment, as the real app's clients do. */
export const seg = (name: string): string => encodeURIComponent(name);

export class Client {
  readonly baseUrl: string;
  /** Shared by clients made with `on()`, so one login is valid on every worker. */
  private jar: { cookie?: string };

  constructor(baseUrl: string, jar: { cookie?: string } = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.jar = jar;
  }

  /** The same session against another base URL (e.g. worker 2). */
  on(baseUrl: string): Client {
    return new Client(baseUrl, this.jar);
  }

  get loggedIn(): boolean {
    return Boolean(this.jar.cookie);
  }

  /** A client holding a copy of this session's cookie (kept even when the server later clears it). */
  snapshot(baseUrl = this.baseUrl): Client {
    return new Client(baseUrl, { cookie: this.jar.cookie });
  }

  async login(username: string, password: string): Promise<Reply<{ ok?: boolean; user?: { id: number } }>> {
    const reply = await this.send<{ ok?: boolean; user?: { id: number } }>('POST', '/auth/login', {
      username,
      password,
    });
    if (reply.status !== 200) {
      throw new Error(`login of ${username} failed: ${reply.status} ${reply.text.slice(0, 200)}`);
    }
    return reply;
  }

  async register(username: string, password: string): Promise<Reply<{ ok?: boolean; user?: { id: number } }>> {
    return await this.send('POST', '/auth/register', { username, password });
  }

  get<T = unknown>(path: string): Promise<Reply<T>> {
    return this.send<T>('GET', path);
  }
  put<T = unknown>(path: string, body: unknown): Promise<Reply<T>> {
    return this.send<T>('PUT', path, body);
  }
  post<T = unknown>(path: string, body?: unknown): Promise<Reply<T>> {
    return this.send<T>('POST', path, body);
  }
  delete<T = unknown>(path: string): Promise<Reply<T>> {
    return this.send<T>('DELETE', path);
  }

  /**
   * One request. A keep-alive socket the server closed while idle (uvicorn closes them after 5 s) fails with
   * ECONNRESET/EPIPE before the request reached the app: that one case is retried once on a fresh socket.
   */
  async send<T = unknown>(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<Reply<T>> {
    try {
      return await this.#sendOnce<T>(method, path, body, timeoutMs);
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { reusedSocket?: boolean };
      if (e.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) {
        return await this.#sendOnce<T>(method, path, body, timeoutMs);
      }
      throw error;
    }
  }

  #sendOnce<T>(method: string, path: string, body: unknown, timeoutMs: number): Promise<Reply<T>> {
    const url = new URL(this.baseUrl + path);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    if (this.jar.cookie) headers.cookie = this.jar.cookie;
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const req = httpRequest(
        {
          agent: AGENT,
          method,
          hostname: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          headers,
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const ms = performance.now() - started;
            const text = Buffer.concat(chunks).toString('utf8');
            for (const raw of res.headers['set-cookie'] ?? []) {
              const first = raw.split(';')[0] ?? '';
              if (first.startsWith(`${COOKIE_NAME}=`)) {
                this.jar.cookie = first.endsWith('=') ? undefined : first;
              }
            }
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {}
            const worker = header(res.headers, 'x-worker');
            const db = header(res.headers, 'x-db-queries');
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: parsed as T,
              text,
              ms,
              worker: worker === undefined ? undefined : Number(worker),
              cache: header(res.headers, 'x-cache'),
              cacheDetail: parseDetail(header(res.headers, 'x-cache-detail')),
              dbQueries: db === undefined ? undefined : Number(db),
            });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
      req.on('error', (error: Error & { reusedSocket?: boolean }) => {
        error.reusedSocket = req.reusedSocket;
        reject(error);
      });
      if (payload) req.write(payload);
      req.end();
    });
  }
}
