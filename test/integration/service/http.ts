/** JSON bodies in tests are checked by assertions, not by types. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted at run time
export type Json = any;

/** A tiny HTTP client with one cookie jar (the session cookie), for the service tests. */
export interface Reply<T = Json> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export class Client {
  cookie: string | undefined;

  /** `base` is used when a path (not a full URL) is given. */
  constructor(public base: string) {}

  async request<T = Json>(method: string, pathOrUrl: string, body?: unknown, raw?: string): Promise<Reply<T>> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.base}${pathOrUrl}`;
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    let payload: string | undefined;
    if (raw !== undefined) {
      headers['content-type'] = 'application/json';
      payload = raw;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const response = await fetch(url, { method, headers, body: payload });
    for (const c of response.headers.getSetCookie()) {
      const [pair] = c.split(';');
      if (!pair) continue;
      const [name, value] = pair.split('=');
      if (name !== 'fastnpc_auth') continue;
      this.cookie = value ? pair : undefined;
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (metrics)
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  get<T = Json>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = Json>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body);
  }
  put<T = Json>(path: string, body?: unknown) {
    return this.request<T>('PUT', path, body);
  }
  delete<T = Json>(path: string, body?: unknown) {
    return this.request<T>('DELETE', path, body);
  }

  async login(username: string, password: string): Promise<void> {
    const reply = await this.post('/auth/login', { username, password });
    if (reply.status !== 200) throw new Error(`login of ${username} failed: ${reply.status} ${reply.text}`);
  }

  /** The same session, another base URL (e.g. the other worker). */
  on(base: string): Client {
    const other = new Client(base);
    other.cookie = this.cookie;
    return other;
  }
}

/** A role name as it travels in a path. */
export const enc = (name: string): string => encodeURIComponent(name);

let counter = 0;
/** A fresh username per call (tests never share users, so they never share cache entries). */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/** Registers a fresh user on `base` and returns its client. */
export async function registerUser(base: string, prefix = 'u'): Promise<Client> {
  const client = new Client(base);
  const reply = await client.post('/auth/register', { username: uniqueName(prefix), password: 'test-password' });
  if (reply.status !== 200) throw new Error(`register failed: ${reply.status} ${reply.text}`);
  return client;
}
