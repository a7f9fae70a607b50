// gate.html as a reader sees it: rendered by headless Chromium (Debian's `chromium`, installed by
// scripts/install-system-deps.sh), screenshot decoded and its pixels checked — the verdict banner, the histogram of
// criterion 03 with its bound, the hit-rate line of 06 and the statement bars of 09 must be visible. The control is
// the same page broken (its charts hidden by a stray style): the same checks must fail on it. The seeded Chinese
// names must render as glyphs, not as empty boxes: with the report's own fonts, "龍" (16 strokes) must carry far more
// ink than "三" (3 strokes); where no font has them both are the same box — the control, two private-use code points
// that no font draws, shows the check sees that.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { compareRuns } from '../../../src/gate/compare.ts';
import type { CriterionRecord } from '../../../src/gate/figures.ts';
import type { GateReport } from '../../../src/gate/reports/gate-report.ts';
import { gateHtml } from '../../../src/gate/reports/html.ts';
import { buildVerdict, CRITERIA, REGRESSIONS, type SuiteResult } from '../../../src/gate/verdict.ts';
import { countColour, readPng } from '../../support/png.ts';

const dir = mkdtempSync(join(tmpdir(), 'gate-screenshot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function chromium(): string {
  for (const name of ['chromium', 'chromium-browser']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
    if (found) return found;
  }
  throw new Error('chromium not installed: run scripts/install-system-deps.sh (Debian package "chromium")');
}

function rec(id: string, figures: CriterionRecord['figures'], extra: Partial<CriterionRecord> = {}): CriterionRecord {
  return { id, title: id, target: 'local', figures, samples: [], series: [], notes: [], recordedAt: '', ...extra };
}
const g = (name: string, value: number, unit: string, bound: string) => ({ name, value, unit, bound, pass: true });

function sampleReport(): GateReport {
  const ids = [...CRITERIA, ...REGRESSIONS].map((c) => c.id);
  const suites: SuiteResult[] = ids.map((id) => ({
    id,
    file: `acceptance/${id}.test.ts`,
    state: 'passed',
    tests: { passed: 1, failed: 0, skipped: 0 },
    errors: [],
    durationMs: 100,
  }));
  let seed = 7;
  const random = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const latencies = Array.from({ length: 400 }, () => Math.round((0.4 + random() ** 3 * 5.5) * 1000) / 1000);
  const records = ids.map((id) => rec(id, [g('figure', 1, 'ms', '< 5 ms')]));
  records[2] = rec('03', [g('HTTP second read p95', 3.1, 'ms', '< 5 ms')], {
    samples: [{ name: 'HTTP second read latency', unit: 'ms', values: latencies }],
  });
  records[5] = rec('06', [g('hit rate', 96, '%', '> 90 %')], {
    series: [
      {
        name: 'hit rate per second',
        unit: '%',
        points: Array.from({ length: 30 }, (_, i) => [i + 1, 100 - 60 / (i + 1)]),
      },
    ],
  });
  records[8] = rec('09', [
    g('statements down after the cold start (pg_stat_statements)', 91, '%', '>= 80 %'),
    { name: 'PostgreSQL statements per message, cache off', value: 16, unit: '', bound: '', pass: null },
    { name: 'PostgreSQL statements per message, cache on (warm)', value: 1.4, unit: '', bound: '', pass: null },
    { name: 'PostgreSQL statements per message, cache on (cold)', value: 6.2, unit: '', bound: '', pass: null },
  ]);
  const verdict = buildVerdict({
    target: 'local (http://127.0.0.1:8000)',
    startedAt: new Date('2026-12-01T10:00:00Z'),
    finishedAt: new Date('2026-12-01T10:04:10Z'),
    audit: { status: 'pass', figure: '2/2 checks', detail: '' },
    acceptanceRan: true,
    suites,
    unhandledErrors: [],
    records,
    load: { status: 'skip', figure: '—', bound: 'k6 thresholds', detail: 'k6 not installed' },
  });
  return {
    verdict,
    records,
    auditChecks: [
      { setting: 'maxmemory', expected: '256mb', actual: '256mb', ok: true },
      { setting: 'maxmemory-policy', expected: 'allkeys-lru', actual: 'allkeys-lru', ok: true },
    ],
    metadata: {
      commit: 'abc123def456',
      dirty: false,
      node: 'v20.20.2',
      redis: '7.0.15',
      postgres: '15.14',
      target: verdict.target,
      targetKey: 'local',
      topology: 'single',
      scope: 'deploy',
      complete: true,
      host: 'ci',
      cpus: 2,
      memoryGb: 3.8,
      loadStart: [0.5, 0.4, 0.3],
      loadEnd: [1.2, 0.6, 0.4],
    },
    comparison: compareRuns(verdict.rows, { name: '2026-11-30T10-00-00-000Z', commit: '0000aaaa', rows: verdict.rows }),
    runName: '2026-12-01T10-00-00-000Z',
    files: ['acceptance.log', 'acceptance/03.json', 'gate.html', 'gate.json', 'junit.xml'],
  };
}

function screenshot(html: string, name: string) {
  const page = join(dir, `${name}.html`);
  const png = join(dir, `${name}.png`);
  writeFileSync(page, html);
  execFileSync(
    chromium(),
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      '--force-device-scale-factor=1',
      '--window-size=1200,4200',
      `--screenshot=${png}`,
      `file://${page}`,
    ],
    { stdio: 'ignore', timeout: 60_000 },
  );
  if (process.env.GATE_SCREENSHOT_DIR)
    writeFileSync(join(process.env.GATE_SCREENSHOT_DIR, `${name}.png`), readFileSync(png));
  return readPng(readFileSync(png));
}

/** What must be visible: the pass banner, histogram bars, the bound line, the hit-rate line, the statement bars. */
function visible(image: ReturnType<typeof readPng>) {
  return {
    banner: countColour(image, '#dcfce7', 3) > 5_000,
    histogram: countColour(image, '#3b82f6', 10) > 1_000,
    bound: countColour(image, '#dc2626', 30) > 100,
    series: countColour(image, '#059669', 20) > 300,
    bars: countColour(image, '#6366f1', 10) > 2_000,
  };
}

describe('gate.html in headless Chromium', () => {
  test('the page renders its banner and every chart (control: the same page with its charts hidden fails)', () => {
    const html = gateHtml(sampleReport());
    const image = screenshot(html, 'gate');
    expect(image.width).toBe(1200);
    expect(visible(image)).toEqual({ banner: true, histogram: true, bound: true, series: true, bars: true });
    const broken = screenshot(html.replace('</style>', 'svg{display:none}</style>'), 'broken');
    const seen = visible(broken);
    expect(seen.histogram || seen.series || seen.bars).toBe(false);
  }, 120_000);
});

describe('the seeded Chinese names in gate.html', () => {
  /** Pixels of each character drawn large in its own colour, with the report's own style sheet (its font stack). */
  function ink(first: string, second: string, name: string): [number, number] {
    const style = gateHtml(sampleReport()).match(/<style>[\s\S]*?<\/style>/)?.[0] ?? '';
    const page = `<!doctype html><html lang="zh"><head><meta charset="utf-8">${style}</head><body><p style="font-size:160px;line-height:1.2;margin:0"><span style="color:#ff0000">${first}</span> <span style="color:#0000ff">${second}</span></p></body></html>`;
    const image = screenshot(page, name);
    return [countColour(image, '#ff0000', 40), countColour(image, '#0000ff', 40)];
  }

  test('render as glyphs, not boxes (scripts/install-system-deps.sh installs fonts-noto-cjk)', () => {
    const [san, long] = ink('三', '龍', 'cjk');
    // control: two code points no font draws are the same empty box, nearly the same ink
    const [box1, box2] = ink('\uE000', '\uE001', 'cjk-control');
    expect(box1).toBeGreaterThan(0);
    expect(Math.abs(box1 - box2) / box1).toBeLessThan(0.1);
    expect(san, 'no CJK font: install fonts-noto-cjk (scripts/install-system-deps.sh)').toBeGreaterThan(0);
    expect(long / san, `ink 龍 ${long} vs 三 ${san} (boxes: ${box1}, ${box2})`).toBeGreaterThan(1.5);
  }, 120_000);
});
