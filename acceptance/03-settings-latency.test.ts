/**
 * Criterion 3 — user-settings cache: the second read is served from Redis in < 5 ms. Measured twice:
 * end to end through HTTP (>= 200 sequential reads of GET /api/me/settings on worker 1; p50/p95/p99, every one
 * a cache hit with no DB statement where the target sends our headers). Gating: p95 < 5 ms (p50/p99 reported).
 * Every sample is kept for the histogram. The module's own latency is the reference-module row M3.
 */
import { cpus, loadavg } from 'node:os';
import { describe, expect, test } from 'vitest';
import { recorder } from './support/record.ts';
import { round, sleep, summarize } from './support/stats.ts';
import { userSession, workers } from './support/target.ts';

const rec = recorder('03');
const HTTP_READS = 250;
const BOUND_MS = 5;

describe('03 user-settings cache: second read < 5 ms', () => {
  test(`${HTTP_READS} settings reads through HTTP after the first`, async () => {
    const { client } = await userSession(1, workers()[0]);
    // Let work of earlier suites settle (a service stopping, pools draining) before timing anything.
    await sleep(1_000);
    // A write invalidates the entry, so the first read below is a real load from PostgreSQL.
    const put = await client.put('/api/me/settings', { ctx_max_chat: 1000 });
    expect(put.status).toBe(200);
    const first = await client.get<{ settings?: Record<string, unknown> }>('/api/me/settings');
    expect(first.status).toBe(200);
    expect(first.body.settings).toBeDefined();
    rec.figure('first read (load from DB)', round(first.ms), 'ms', '', null);
    if (first.cache !== undefined) rec.figure('first read X-Cache', first.cache, '', '', null);
    // warm the connection path a little (JIT, keep-alive socket) without counting it
    for (let i = 0; i < 20; i++) await client.get('/api/me/settings');

    const samples: number[] = [];
    let hits = 0;
    let withHeader = 0;
    let dbStatements = 0;
    for (let i = 0; i < HTTP_READS; i++) {
      const reply = await client.get('/api/me/settings');
      expect(reply.status).toBe(200);
      samples.push(reply.ms);
      if (reply.cache !== undefined) {
        withHeader++;
        if (reply.cache === 'hit') hits++;
      }
      dbStatements += reply.dbQueries ?? 0;
    }
    const s = summarize(samples);
    // Context for the tail: the suites share the host with whatever else runs on it.
    rec.figure('host load average (1 min) / CPUs', `${loadavg()[0]?.toFixed(2)} / ${cpus().length}`, '', '', null);
    rec.samples({
      name: 'HTTP GET /api/me/settings (cached), latency',
      unit: 'ms',
      values: samples.map((v) => round(v, 4)),
    });
    const p95ok = rec.figure('HTTP second read p95', round(s.p95), 'ms', `< ${BOUND_MS} ms`, s.p95 < BOUND_MS);
    rec.figure('HTTP second read p50', round(s.p50), 'ms', '', null);
    rec.figure('HTTP second read p99', round(s.p99), 'ms', '', null);
    rec.figure('HTTP reads measured', s.n, '', '>= 200', s.n >= 200);
    rec.figure('first read / cached p50', round(first.ms / s.p50, 1), 'x', '', null);
    let hitsOk = true;
    if (withHeader > 0) {
      hitsOk = rec.figure(
        'cached reads that were hits (X-Cache)',
        `${hits}/${withHeader}`,
        '',
        'all',
        hits === withHeader,
      );
      rec.figure('DB statements during the cached reads (X-DB-Queries)', dbStatements, '', '= 0', dbStatements === 0);
    } else {
      rec.note('target sends no X-Cache header: hit status of each read not checked');
    }
    expect(hitsOk).toBe(true);
    expect(dbStatements).toBe(0);
    expect(p95ok).toBe(true);
  });
});
