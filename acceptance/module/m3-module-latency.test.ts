/**
 * Reference module (not the target): 2,000 getOrLoad hits of a settings-sized entry through this project's cache
 * module on the target's Redis, p95 < 5 ms. Runs on the embedded targets only: on an external target it would test
 * our module, whatever the deployed app does, so it is no part of that verdict.
 */
import { describe, expect, test } from 'vitest';
import { connectedModuleCache } from '../support/module-cache.ts';
import { recorder } from '../support/record.ts';
import { round, summarize } from '../support/stats.ts';
import { target } from '../support/target.ts';

const MODULE_READS = 2_000;
const BOUND_MS = 5;

describe('M3 reference module latency', () => {
  test(`${MODULE_READS} getOrLoad hits of a settings entry`, async (ctx) => {
    if (target().kind === 'external') {
      ctx.skip();
      return;
    }
    const rec = recorder('M3');
    const cache = await connectedModuleCache();
    try {
      const key = `acceptance:settings:${process.pid}:${Date.now()}`;
      const value = {
        default_model: 'z-ai/glm-4-32b',
        ctx_max_chat: 1000,
        ctx_max_stm: 500,
        ctx_max_ltm: 500,
        profile: '一个喜欢诗词的用户 who writes in two languages',
        max_group_reply_rounds: 3,
        updated_at: Math.floor(Date.now() / 1000),
      };
      let loads = 0;
      const loader = async (): Promise<typeof value> => {
        loads++;
        return value;
      };
      await cache.getOrLoad(key, loader);
      for (let i = 0; i < 200; i++) await cache.getOrLoad(key, loader);
      const samples: number[] = [];
      for (let i = 0; i < MODULE_READS; i++) {
        const t0 = performance.now();
        const got = await cache.getOrLoad(key, loader);
        samples.push(performance.now() - t0);
        if (got.ctx_max_chat !== 1000) throw new Error('module returned a wrong value');
      }
      await cache.delete(key);
      const s = summarize(samples);
      rec.samples({ name: 'module getOrLoad hit, latency', unit: 'ms', values: samples.map((v) => round(v, 4)) });
      const ok = rec.figure('module getOrLoad hit p95', round(s.p95), 'ms', `< ${BOUND_MS} ms`, s.p95 < BOUND_MS);
      rec.figure('module getOrLoad hit p50', round(s.p50), 'ms', '', null);
      rec.figure('module getOrLoad hit p99', round(s.p99), 'ms', '', null);
      expect(rec.figure('module loads (1 expected)', loads, '', '= 1', loads === 1)).toBe(true);
      expect(ok).toBe(true);
    } finally {
      await cache.close();
    }
  });
});
