/**
 * One topology row in one mode: the fault rows' write → cross-worker-read workload (settings, memories, character
 * list on both workers, 8 users) plus chat messages of the seeded user, on a private Sentinel topology or Cluster.
 * Every user's entry cached, the replicas stop applying the stream, one acknowledged settings write per user (its
 * invalidation reaches the old primary only), the primary killed; then the workload runs on through the failover
 * and every cached entry is compared with PostgreSQL. Returns the row's figures.
 */
import { compareEntries, type EntryComparison } from '../../faults/support/entries.ts';
import { startWorkload } from '../../faults/support/workload.ts';
import { Client, seg } from '../../support/http.ts';
import { type FailoverEnvironment, type FailoverMode, startFailoverEnvironment } from './failover-environment.ts';

export interface FailoverFigures {
  kind: 'sentinel' | 'cluster';
  mode: FailoverMode;
  /** Requests from the kill on (workload + chat). */
  requests: number;
  errors5xx: number;
  /** Requests without an HTTP answer. */
  unanswered: number;
  stale: number;
  /** Kill → another node serves as primary (Sentinel / the slot map). */
  failoverMs: number;
  /** Kill → the first acknowledged write that started after the kill (-1: none). */
  writesBackMs: number;
  /** Writes that started after the kill and were not answered 200 (before they came back). */
  failedWrites: number;
  /** Kill → every user's round went through the cache again (-1: not within the wait). */
  cacheBackMs: number;
  chatMessages: number;
  chatFailed: number;
  entries: EntryComparison;
  staleExamples: string[];
}

/** How long the workload runs on after the promotion (the fence lifts once the invalidator replayed). */
const WATCH_MS = 20_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Chat messages of one seeded user until `stopped()`: the chat load beside the workload. */
async function chatLoop(
  url: string,
  stopped: () => boolean,
): Promise<{ messages: number; failed: number; since: (at: number) => { messages: number; failed: number } }> {
  const client = new Client(url);
  const sent: { at: number; ok: boolean; status: number }[] = [];
  const name = `h_chat_${Date.now().toString(36)}`;
  const created = await client.register(name, 'pw-h-chat-1');
  if (created.status !== 200) throw new Error(`register the chat user: ${created.status}`);
  if (!client.loggedIn) await client.login(name, 'pw-h-chat-1');
  const role = '聊天角色';
  const character = await client.send('POST', '/api/characters', { role, source: 'topology row' });
  if (character.status !== 200) throw new Error(`create the chat character: ${character.status}`);
  void (async () => {
    while (!stopped()) {
      const at = Date.now();
      try {
        const reply = await client.send('POST', `/api/chat/${seg(role)}/messages`, { content: '你好' }, 5_000);
        sent.push({ at, ok: reply.status === 200, status: reply.status });
      } catch {
        sent.push({ at, ok: false, status: 0 });
      }
      await sleep(100);
    }
  })();
  return {
    get messages() {
      return sent.length;
    },
    get failed() {
      return sent.filter((s) => !s.ok).length;
    },
    since: (at) => {
      const after = sent.filter((s) => s.at >= at);
      return { messages: after.length, failed: after.filter((s) => !s.ok).length };
    },
  };
}

export async function runFailover(kind: 'sentinel' | 'cluster', mode: FailoverMode): Promise<FailoverFigures> {
  const environment: FailoverEnvironment = await startFailoverEnvironment(kind, mode);
  const admin = environment.admin();
  admin.on('error', () => {});
  let chatting = true;
  try {
    const urls = environment.workerUrls;
    const workload = await startWorkload(urls);
    const chat = await chatLoop(urls[0], () => !chatting);
    await sleep(1_500); // warm: every entry cached on both workers
    // every user's settings cached (read through worker 2), then the replicas stop applying the stream and one
    // acknowledged write per user through worker 1 deletes the entries — on the old primary only
    await workload.pause();
    await workload.readEveryUserVia(1);
    const primary = await environment.primaryFor('fastnpc:user_settings:*');
    await environment.pauseReplicas();
    await workload.writeEveryUserVia(0);
    await sleep(300); // the invalidator applies the commits too — on the old primary
    const killedAt = Date.now();
    const failover = environment.killAndWaitForFailover(primary);
    workload.resume();
    const { failoverMs } = await failover;
    workload.freezeSlowWriters();
    let cacheBack: number | undefined;
    while (Date.now() - killedAt < failoverMs + WATCH_MS) {
      cacheBack ??= workload.recoveredAt(killedAt);
      await sleep(200);
    }
    await workload.stop();
    chatting = false;
    if (mode === 'guarded') await sleep(500); // the invalidator's last deletions
    const entries = await compareEntries(admin, environment.databaseUrl);
    const after = workload.samples.filter((s) => s.at >= killedAt);
    const writes = after.filter((s) => s.method === 'PUT').sort((a, b) => a.at - b.at);
    const firstOk = writes.find((s) => s.status === 200);
    const chatAfter = chat.since(killedAt);
    return {
      kind,
      mode,
      requests: after.length + chatAfter.messages,
      errors5xx: after.filter((s) => s.status >= 500).length,
      unanswered: after.filter((s) => s.status === 0).length,
      stale: workload.stale.length,
      failoverMs,
      writesBackMs: firstOk ? firstOk.at + firstOk.ms - killedAt : -1,
      failedWrites: writes.filter((s) => s.status !== 200 && (!firstOk || s.at < firstOk.at)).length,
      cacheBackMs: cacheBack === undefined ? -1 : cacheBack - killedAt,
      chatMessages: chatAfter.messages,
      chatFailed: chatAfter.failed,
      entries,
      staleExamples: workload.stale
        .slice(0, 5)
        .map((s) => `+${s.at - killedAt} ms after the kill: ${s.user} expected ${s.expected} got ${String(s.got)}`),
    };
  } finally {
    chatting = false;
    admin.disconnect();
    await environment.stop();
  }
}

/** One line of the topology table. */
export function formatFailover(f: FailoverFigures): string {
  return (
    `${f.kind} ${f.mode}: requests ${f.requests}, 5xx ${f.errors5xx}, unanswered ${f.unanswered}, stale ${f.stale}, ` +
    `failover ${f.failoverMs} ms, writes back ${f.writesBackMs} ms (${f.failedWrites} failed before), cache back ` +
    `${f.cacheBackMs} ms, chat ${f.chatMessages} messages (${f.chatFailed} failed), entries compared ` +
    `${f.entries.compared}, mismatches ${f.entries.mismatches}`
  );
}
