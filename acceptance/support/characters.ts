/** Character helpers that work on our service and on the real app (whose create runs as a background task). */
import type { Client } from './http.ts';
import { seg } from './http.ts';
import { sleep } from './stats.ts';

/** Creates a character and waits until its task is done (the real FastNPC builds it in the background). */
export async function createCharacter(client: Client, role: string, source = 'baike'): Promise<void> {
  const reply = await client.post<{ task_id?: string; error?: string }>('/api/characters', { role, source });
  if (reply.status !== 200) throw new Error(`create ${role}: ${reply.status} ${reply.text.slice(0, 200)}`);
  const taskId = reply.body?.task_id;
  if (!taskId) return;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const task = await client.get<{ status?: string; error?: string }>(`/api/tasks/${seg(taskId)}`);
    const status = task.body?.status;
    if (task.status === 200 && (status === 'done' || status === 'completed' || status === 'success')) return;
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
