/**
 * Criterion 3 — user-settings cache: the second read after a write is served from Redis in < 5 ms. Timed literally:
 * 250 cycles on worker 1 over keep-alive, each a settings write with a fresh value (the write invalidates the entry),
 * the first read (a miss that loads from PostgreSQL and fills the entry), then the timed second read — wall time to
 * the last body byte. The entry must be in Redis before every timed read (EXISTS, outside the timing; 1 % of cycles may
 * lose their refill to a late commit-log invalidation, MAX_LOST_REFILLS), the timed read
 * must carry the written value, and where the target sends our headers it must say `hit` with no DB statement.
 * Gating: p95 < 5 ms (p50/p99 reported). Each timed read is followed by a calibration probe with the read's two round
 * trips and none of its work: the no-work liveness route (`/health/live`, else `/health`) on the same keep-alive
 * socket and worker, then a Redis PING (the read's GET to Redis; on a saturated host each hop to another process waits
 * for a core, which a liveness call alone does not show) — and the row is judged against it
 * (support/timing-judgement.ts): a p95 over the bound FAILs on a quiet host, and on a busy one only when the read is
 * slow net of the calibration; otherwise it reads NOT MEASURABLE "host too busy" with both figures. Every sample is
 * kept for the histogram; the host's load average is recorded beside the timings. The module's own latency is the
 * reference-module row M3.
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, test } from 'vitest';
import { keyProfile, uidOf } from './support/observe.ts';
import { recorder } from './support/record.ts';
import { adminRedis } from './support/redis.ts';
import { round, sleep, summarize } from './support/stats.ts';
import { userSession, workers } from './support/target.ts';
import { judgeTiming } from './support/timing-judgement.ts';

const rec = recorder('03');
const CYCLES = 250;
const WARM_UP = 20;
const BOUND_MS = 5;
/**
 * Cycles whose refill may be gone before the timed read: the reference service's commit-log invalidator deletes the
 * key once more when the commit reaches it, and on a busy host that can land after the first read refilled it (1 of
 * 250 at load average 23 on 2 cores; 0 on a quiet host). 1 % of the cycles; a cache that does not serve the second
 * read loses every one.
 */
const MAX_LOST_REFILLS = Math.floor(CYCLES / 100);
/**
 * On a host the calibration calls busy, more cycles lose their refill (the invalidator's lag, the service's Redis
 * probe timing out into a bypass: 4 of 250 at load 32): up to 10 % reads NOT MEASURABLE "host too busy" rather than
 * FAIL; beyond it the cache is not serving the second read, whatever the host (a cache that never does loses all).
 */
const MAX_LOST_REFILLS_BUSY = Math.floor(CYCLES / 10);
/** Diagnostic cycles (not gating): the same, with a pause between the write and the first read. */
const SETTLED = { cycles: 50, pauseMs: 100 } as const;
const redis = adminRedis();
afterAll(() => redis.quit());

type SettingsBody = { settings?: { profile?: string | null } };

/** The calibration routes, first that answers 200 wins: ours (no work at all), then FastNPC's `{"ok":true}`. */
const LIVENESS_PATHS = ['/health/live', '/health'] as const;

describe('03 user-settings cache: second read < 5 ms', () => {
  test(`${CYCLES} cycles: write, first read (miss), timed second read`, { timeout: 600_000 }, async () => {
    const { client } = await userSession(1, workers()[0]);
    const key = keyProfile().settings(await uidOf(client));
    // Let work of earlier suites settle (a service stopping, pools draining) before timing anything.
    await sleep(1_000);
    let liveness: string | undefined;
    for (const path of LIVENESS_PATHS) {
      if ((await client.get(path)).status === 200) {
        liveness = path;
        break;
      }
    }
    const probes: number[] = [];
    const seconds: number[] = [];
    const firsts: number[] = [];
    let entryPresent = 0;
    let fresh = 0;
    let hits = 0;
    let withHeader = 0;
    const outcomes = new Map<string, number>();
    let firstMisses = 0;
    let firstWithHeader = 0;
    let dbStatements = 0;
    /** Cycles whose timed read was not served from the cache: the entry gone before it, or a miss / bypass. */
    let lost = 0;
    for (let i = -WARM_UP; i < CYCLES; i++) {
      const value = `acc03-${i}-${Date.now().toString(36)}`;
      const put = await client.put('/api/me/settings', { profile: value });
      expect(put.status).toBe(200);
      const first = await client.get<SettingsBody>('/api/me/settings');
      expect(first.status).toBe(200);
      const present = (await redis.exists(key)) === 1;
      const second = await client.get<SettingsBody>('/api/me/settings');
      expect(second.status).toBe(200);
      // the calibration: the same socket, the same worker, right after the timed read
      const probe = liveness ? await client.get(liveness) : undefined;
      const pingStart = performance.now();
      await redis.ping();
      const pingMs = performance.now() - pingStart;
      if (i < 0) continue; // warm-up (JIT, keep-alive socket), not counted
      if (probe?.status === 200) probes.push(probe.ms + pingMs);
      firsts.push(first.ms);
      seconds.push(second.ms);
      if (present) entryPresent++;
      if (second.body.settings?.profile === value) fresh++;
      if (first.cache !== undefined) {
        firstWithHeader++;
        if (first.cache === 'miss') firstMisses++;
      }
      if (second.cache !== undefined) {
        withHeader++;
        if (second.cache === 'hit') hits++;
        outcomes.set(second.cache, (outcomes.get(second.cache) ?? 0) + 1);
      }
      // statements are counted on the reads that were served from the cache (a lost refill loads, and is counted below)
      const served = present && (second.cache === undefined || second.cache === 'hit');
      if (served) dbStatements += second.dbQueries ?? 0;
      else lost++;
    }
    const s = summarize(seconds);
    const f = summarize(firsts);
    // Context for the tail: the suites share the host with whatever else runs on it.
    rec.figure('host load average (1 min) / CPUs', `${loadavg()[0]?.toFixed(2)} / ${cpus().length}`, '', '', null);
    rec.samples({
      name: 'HTTP GET /api/me/settings, second read after a write, latency',
      unit: 'ms',
      values: seconds.map((v) => round(v, 4)),
    });
    const judged = judgeTiming({
      timed: seconds,
      calibration: probes.length > 0 ? probes : [0],
      boundMs: BOUND_MS,
      calibrationName: `liveness ${liveness ?? '(none)'} + PING`,
    });
    if (!liveness || probes.length < seconds.length) {
      rec.note(
        `calibration: ${liveness ? `${probes.length}/${seconds.length} liveness probes answered` : 'no liveness route answered (/health/live, /health)'}; judged on the plain bound`,
      );
    }
    const calibrated = liveness !== undefined && probes.length === seconds.length;
    const status = calibrated ? judged.status : judged.timedP95 < BOUND_MS ? 'pass' : 'fail';
    const p95ok = status !== 'fail';
    rec.figure(
      'HTTP second read p95',
      round(s.p95),
      'ms',
      `< ${BOUND_MS} ms`,
      status === 'pass' ? true : status === 'fail' ? false : null,
    );
    if (calibrated) {
      rec.samples({
        name: `calibration: GET ${liveness} + Redis PING latency`,
        unit: 'ms',
        values: probes.map((v) => round(v, 4)),
      });
      rec.figure(
        `calibration: GET ${liveness} + Redis PING p95 (same socket, after each timed read)`,
        round(judged.calibrationP95),
        'ms',
        '',
        null,
      );
      rec.figure(`calibration: GET ${liveness} + Redis PING p50`, round(judged.calibrationP50), 'ms', '', null);
      rec.figure("second read's own part p95 (read p95 − calibration p95)", round(judged.ownP95), 'ms', '', null);
      rec.figure("second read's own part p50", round(judged.ownP50), 'ms', '', null);
      if (judged.status === 'fail') rec.note(judged.reason);
    }
    rec.figure('HTTP second read p50', round(s.p50), 'ms', '', null);
    rec.figure('HTTP second read p99', round(s.p99), 'ms', '', null);
    rec.figure('second reads timed (each right after write → first read)', s.n, '', '>= 200', s.n >= 200);
    rec.figure('first read after the write (load from DB) p50', round(f.p50), 'ms', '', null);
    rec.figure('first read p50 / second read p50', round(f.p50 / s.p50, 1), 'x', '', null);
    rec.figure('entry in Redis before each timed read (EXISTS)', `${entryPresent}/${CYCLES}`, '', '', null);
    const busyHost = calibrated && judged.hostBusy;
    const lostLimit = busyHost ? MAX_LOST_REFILLS_BUSY : MAX_LOST_REFILLS;
    const presentOk = rec.figure(
      'timed reads not served from the cache (entry gone before it, miss or bypass)',
      lost,
      '',
      `<= ${lostLimit}${busyHost ? ' (busy host)' : ''}`,
      lost <= lostLimit,
    );
    const lostOnBusyHost = busyHost && lost > MAX_LOST_REFILLS && lost <= MAX_LOST_REFILLS_BUSY;
    const freshOk = rec.figure(
      'timed reads carrying the written value',
      `${fresh}/${CYCLES}`,
      '',
      'all',
      fresh === CYCLES,
    );
    if (withHeader > 0) {
      rec.figure('timed second reads that were hits (X-Cache)', `${hits}/${withHeader}`, '', '', null);
      rec.figure('first reads that were misses (X-Cache, extra)', `${firstMisses}/${firstWithHeader}`, '', '', null);
      rec.figure(
        'DB statements during the timed reads served from the cache (X-DB-Queries)',
        dbStatements,
        '',
        '= 0',
        dbStatements === 0,
      );
    } else {
      rec.note('target sends no X-Cache header: hit status of each read checked by the entry in Redis only');
    }
    if (outcomes.size > 0)
      rec.figure(
        'timed second reads by X-Cache (extra)',
        [...outcomes.entries()].map(([k, n]) => `${k} ${n}`).join(', '),
        '',
        '',
        null,
      );
    // Diagnostic: with the write settled first (e.g. an asynchronous invalidation replayed), is the second read a hit?
    let settledPresent = 0;
    for (let i = 0; i < SETTLED.cycles; i++) {
      const value = `acc03s-${i}-${Date.now().toString(36)}`;
      expect((await client.put('/api/me/settings', { profile: value })).status).toBe(200);
      await sleep(SETTLED.pauseMs);
      await client.get('/api/me/settings');
      if ((await redis.exists(key)) === 1) settledPresent++;
    }
    rec.figure(
      `diagnostic: entry in Redis after the first read when the write had ${SETTLED.pauseMs} ms to settle`,
      `${settledPresent}/${SETTLED.cycles}`,
      '',
      '',
      null,
    );
    rec.headline('HTTP second read p95');
    if (calibrated && judged.status === 'not-measurable') rec.hostTooBusy(judged.reason);
    else if (lostOnBusyHost && status !== 'fail') {
      rec.hostTooBusy(
        `host too busy: ${lost} of ${CYCLES} timed reads lost their refill (> ${MAX_LOST_REFILLS}; calibration p95 ${round(judged.calibrationP95, 1)} ms) — run it again on a quieter host`,
      );
    }
    expect(presentOk && freshOk).toBe(true);
    expect(dbStatements).toBe(0);
    expect(p95ok, judged.reason).toBe(true);
  });
});
