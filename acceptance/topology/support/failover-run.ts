/**
 * One topology row in one mode: the fault rows' write → cross-worker-read workload (settings, memories, character
 * list on both workers, 8 users) plus a chat user sending messages throughout, on a private Sentinel topology or
 * Cluster. Every user's entry cached, the replicas stop applying the stream, one acknowledged settings write per
 * user (its invalidation reaches the old primary only), the primary killed. The workload stays parked until the
 * promotion (a write during the outage would repair the entry it finds, hiding what the failover lost), then both
 * workers read every user for 2 s and the workload runs on for 20 s (the slow half only reading, so a lost
 * invalidation is never repaired by a later write); finally every cached entry is compared with PostgreSQL.
 * The chat messages go on through the outage: they are the writes whose availability is measured.
 */
import type { RedisClient } from '../../../src/redis/connect.ts';
import { compareEntries, type EntryComparison } from '../../faults/support/entries.ts';
import { describeStaleRead, startWorkload, type Workload } from '../../faults/support/workload.ts';
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
  /** Kill → the first chat message (a write) started after the kill and answered 200 (-1: none). */
  writesBackMs: number;
  /** Chat messages started after the kill and not answered 200 before that one. */
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
async function chatLoop(url: string, stopped: () => boolean): Promise<{ since: (at: number) => ChatSample[] }> {
  const client = new Client(url);
  const sent: ChatSample[] = [];
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
        sent.push({ at, end: Date.now(), status: reply.status });
      } catch {
        sent.push({ at, end: Date.now(), status: 0 });
      }
      await sleep(100);
    }
  })();
  return { since: (at) => sent.filter((s) => s.at >= at) };
}

interface ChatSample {
  at: number;
  end: number;
  status: number;
}

/** Reads every user's settings through both workers for `ms` (stale reads are recorded by the workload). */
async function readAcross(workload: Workload, ms: number): Promise<void> {
  const until = Date.now() + ms;
  do {
    await workload.readEveryUserVia(1);
    await workload.readEveryUserVia(0);
    await sleep(250);
  } while (Date.now() < until);
}

export async function runFailover(kind: 'sentinel' | 'cluster', mode: FailoverMode): Promise<FailoverFigures> {
  const environment: FailoverEnvironment = await startFailoverEnvironment(kind, mode);
  // opened after the failover: a Cluster client from before it still lists the killed primary among the primaries
  let admin: RedisClient | undefined;
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
    const { failoverMs } = await environment.killAndWaitForFailover(primary);
    workload.freezeSlowWriters();
    await readAcross(workload, 2_000);
    workload.resume();
    let cacheBack: number | undefined;
    while (Date.now() - killedAt < failoverMs + WATCH_MS) {
      cacheBack ??= workload.recoveredAt(killedAt);
      await sleep(200);
    }
    await workload.stop();
    chatting = false;
    if (mode !== 'control') await sleep(500); // the invalidator's last deletions
    admin = environment.admin();
    admin.on('error', () => {});
    const entries = await compareEntries(admin, environment.databaseUrl);
    const after = workload.samples.filter((s) => s.at >= killedAt);
    const chatAfter = chat.since(killedAt);
    const firstOk = chatAfter.find((s) => s.status === 200);
    return {
      kind,
      mode,
      requests: after.length + chatAfter.length,
      errors5xx: after.filter((s) => s.status >= 500).length + chatAfter.filter((s) => s.status >= 500).length,
      unanswered: after.filter((s) => s.status === 0).length + chatAfter.filter((s) => s.status === 0).length,
      stale: workload.stale.length,
      failoverMs,
      writesBackMs: firstOk ? firstOk.end - killedAt : -1,
      failedWrites: chatAfter.filter((s) => s.status !== 200 && (!firstOk || s.at < firstOk.at)).length,
      cacheBackMs: cacheBack === undefined ? -1 : cacheBack - killedAt,
      chatMessages: chatAfter.length,
      chatFailed: chatAfter.filter((s) => s.status !== 200).length,
      entries,
      staleExamples: workload.stale
        .slice(0, 5)
        .map((s) => `+${s.at - killedAt} ms after the kill: ${describeStaleRead(s)}`),
    };
  } finally {
    chatting = false;
    admin?.disconnect();
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
