/** The target the globalSetup started or was given, and sessions on it. */
import { inject } from 'vitest';
import type { TargetInfo, TargetUser } from '../target/index.ts';
import { Client } from './http.ts';

export function target(): TargetInfo {
  const info = inject('target');
  if (!info) throw new Error('no target provided: run through the acceptance project (vitest --project acceptance)');
  return info;
}

/** Base URLs of worker 1 and worker 2; both fall back to the shared URL when the deployment exposes none. */
export function workers(): [string, string] {
  const t = target();
  return [t.workerUrls[0] ?? t.baseUrl, t.workerUrls[1] ?? t.workerUrls[0] ?? t.baseUrl];
}

/** True when per-worker URLs are known, so "the other worker" can be addressed. */
export function hasWorkerUrls(): boolean {
  return target().workerUrls.length >= 2;
}

export function users(): TargetUser[] {
  return target().users;
}

/** A logged-in session for seeded user `index`, on worker 1 (use `.on(url)` for worker 2). */
export async function userSession(index: number, base = workers()[0]): Promise<{ client: Client; user: TargetUser }> {
  const user = users()[index];
  if (!user) throw new Error(`the target has no user #${index} (set ACCEPTANCE_USERS_FILE for an external target)`);
  const client = new Client(base);
  await client.login(user.username, user.password);
  return { client, user };
}

export async function adminSession(base = target().baseUrl): Promise<Client> {
  const admin = target().admin;
  if (!admin)
    throw new Error('no admin credentials (FASTNPC_ADMIN_USER / FASTNPC_ADMIN_PASSWORD for an external target)');
  const client = new Client(base);
  await client.login(admin.username, admin.password);
  return client;
}

/** A fresh user registered for one test (works on the real app too). */
export async function freshUser(
  prefix: string,
  base = workers()[0],
): Promise<{ client: Client; username: string; password: string }> {
  const username = `${prefix}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const client = new Client(base);
  const reply = await client.register(username, password);
  if (reply.status !== 200) throw new Error(`register ${username}: ${reply.status} ${reply.text.slice(0, 200)}`);
  if (!client.loggedIn) await client.login(username, password);
  return { client, username, password };
}

/** POST to the local stack control (kill/restart Redis); only the local target has it. */
export async function control(path: '/redis/kill' | '/redis/restart'): Promise<void> {
  const url = target().controlUrl;
  if (!url) throw new Error('stack control is only available on the local target');
  const res = await fetch(url + path, { method: 'POST' });
  if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`);
}
