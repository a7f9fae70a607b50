/** Character helpers that work on our service and on the real app (whose create runs as a background task). */

import { setting } from '../config.ts';
import type { Client } from './http.ts';
import { seg } from './http.ts';
import { sleep } from './stats.ts';
import { target } from './target.ts';

/**
 * Whether the gate may create characters through the app's creation route: always on the embedded targets; on an
 * external one only with ACCEPTANCE_ALLOW_CREATE=1 (on the real FastNPC it runs a paid scraping + LLM pipeline).
 */
export function canCreateCharacters(): boolean {
  return target().kind !== 'external' || setting('ACCEPTANCE_ALLOW_CREATE');
}

/** Creates a character and waits until its task is done (the real FastNPC builds it in the background). */
export async function createCharacter(client: Client, role: string, source = 'baike'): Promise<string | undefined> {
  if (!canCreateCharacters()) {
    throw new Error('character creation through the app is not allowed on this target (ACCEPTANCE_ALLOW_CREATE)');
  }
  const reply = await client.post<{ task_id?: string; error?: string }>('/api/characters', { role, source });
  if (reply.status !== 200) throw new Error(`create ${role}: ${reply.status} ${reply.text.slice(0, 200)}`);
  const taskId = reply.body?.task_id;
  if (!taskId) return undefined;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const task = await client.get<{ status?: string; error?: string }>(`/api/tasks/${seg(taskId)}`);
    const status = task.body?.status;
    if (task.status === 200 && (status === 'done' || status === 'completed' || status === 'success')) return taskId;
    if (status === 'failed' || status === 'error')
      throw new Error(`create ${role}: task ${status} ${task.body?.error}`);
    if (Date.now() > deadline) throw new Error(`create ${role}: task not done after 60 s (${task.status} ${status})`);
    await sleep(200);
  }
}

export async function listRoles(client: Client): Promise<string[]> {
  const reply = await client.get<{ items?: Array<{ role: string }> }>('/api/characters');
  if (reply.status !== 200) throw new Error(`list: ${reply.status} ${reply.text.slice(0, 200)}`);
  return (reply.body.items ?? []).map((i) => i.role);
}
