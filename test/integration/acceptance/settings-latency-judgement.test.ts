/**
 * Criterion 03 judges the app, not the runner: the gate on the local stack, 03 only, with no defect and with the
 * emulated `slow-cached-read` (+10 ms on every settings read served from the cache) as its control — once on the host
 * as it is and once with both cores saturated (two busy loops through the gate's acceptance step, 03's calibration and
 * measurement; not while the gate starts or stops its target, which 03 does not judge: in CI that only took the CPU
 * from the files running beside this one). The control must FAIL in both; the healthy service must never FAIL (PASS,
 * or NOT MEASURABLE "host too busy" with its calibration figure). Each run's figures (read p95, liveness p95, own
 * part, load average) are printed for the record.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { CriterionRecord } from '../../../acceptance/record-format.ts';
import { type Column, newestRunDir, runGateOnce } from '../../../src/gate/matrix.ts';

const FILTER = 'acceptance/03-settings-latency.test.ts';
const dir = mkdtempSync(join(tmpdir(), 'gate-03-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * One busy loop per core: the shell itself (killing a `timeout` wrapper would leave its child spinning), killed in
 * `finally` and, should the test process be killed first, by its own 600 s alarm.
 */
function saturate(): ChildProcess[] {
  return cpus().map(() =>
    spawn('sh', ['-c', 'trap "exit 0" ALRM; (sleep 600; kill -ALRM $$) & while :; do :; done'], { stdio: 'ignore' }),
  );
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** True once the gate's log (non-TTY progress: one line per step) has `step`; false if the run ended first. */
async function gateStep(log: string, step: string, run: Promise<unknown>): Promise<boolean> {
  let ended = false;
  void run.finally(() => {
    ended = true;
  });
  while (!ended) {
    const text = await readFile(log, 'utf8').catch(() => '');
    if (text.includes(`] ${step}`)) return true;
    await sleep(200);
  }
  return false;
}

function figuresOf(runDir: string): string {
  try {
    const record = JSON.parse(
      readFileSync(join(newestRunDir(runDir), 'acceptance', '03.json'), 'utf8'),
    ) as CriterionRecord;
    const pick = (prefix: string): string => {
      const f = record.figures.find((x) => x.name.startsWith(prefix));
      return f ? `${f.value} ${f.unit}`.trim() : '—';
    };
    return `read p95 ${pick('HTTP second read p95')}, p50 ${pick('HTTP second read p50')}; calibration p95 ${pick('calibration: GET')}; own part p95 ${pick("second read's own part p95")}; ${record.notMeasurable ?? ''}`;
  } catch (error) {
    return `(no record: ${(error as Error).message.split('\n')[0]})`;
  }
}

describe('03 judged against its calibration', () => {
  for (const host of ['as it is', 'saturated'] as const) {
    test(`host ${host}: slow-cached-read fails 03, the healthy service does not`, { timeout: 900_000 }, async () => {
      let loops: ChildProcess[] = [];
      try {
        for (const column of ['slow-cached-read', 'none'] as Column[]) {
          const name = `${host === 'saturated' ? 'busy' : 'asis'}-${column}`;
          const running = runGateOnce(column, [FILTER], dir, name);
          let saturated = '';
          if (host === 'saturated') {
            const log = join(dir, name, 'gate.log');
            const reached = await gateStep(log, 'acceptance suites…', running);
            // a gate whose log no longer says so would leave this case unsaturated: then it must not pass
            expect(reached, `"acceptance suites…" in ${log}`).toBe(true);
            const since = Date.now();
            loops = saturate();
            await gateStep(log, 'stopping the target…', running);
            for (const loop of loops) loop.kill('SIGKILL');
            saturated = `, cores saturated for ${((Date.now() - since) / 1000).toFixed(0)} s`;
          }
          const run = await running;
          console.log(
            `03 ${column} on a host ${host} (load ${loadavg()[0]?.toFixed(1)}${saturated}): ${run.statuses['03'] ?? run.error} — ${figuresOf(join(dir, name))}`,
          );
          expect(run.error, `${column}: ${run.error}`).toBeUndefined();
          if (column === 'none') expect(run.statuses['03']).not.toBe('fail');
          else expect(run.statuses['03']).toBe('fail');
        }
      } finally {
        for (const loop of loops) loop.kill('SIGKILL');
      }
    });
  }
});
