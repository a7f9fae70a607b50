/**
 * The record format of the acceptance suites: each suite writes one JSON record per row (figures with their bounds,
 * samples, series, notes, a "not measurable" reason) into ACCEPTANCE_REPORTS_DIR; the gate reads them back to judge
 * the rows. Lives on the acceptance side (the gate imports it, never the reverse).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setting } from './config.ts';

/** Where the acceptance suites write one JSON record per criterion (and per regression); read when used. */
export function acceptanceReportsDir(): string {
  return resolve(setting('ACCEPTANCE_REPORTS_DIR'));
}

/** One measured figure: what was measured, its value, its bound and whether the value is within it. */
export interface Figure {
  name: string;
  value: number | string;
  unit: string;
  /** Human-readable bound, e.g. "< 5 ms" or "> 90 %"; '' for an informational figure. */
  bound: string;
  /** true/false for a gating figure; null for one that is only reported. */
  pass: boolean | null;
}

/** Raw samples kept for the report's charts (e.g. every latency of criterion 3). */
export interface SampleSet {
  name: string;
  unit: string;
  values: number[];
}

/** A time series kept for the report's charts (e.g. hit rate per second under load). */
export interface Series {
  name: string;
  unit: string;
  /** [seconds since start, value] */
  points: Array<[number, number]>;
}

/** Everything one acceptance file measured: `id` is its row id in acceptance/rows.ts ("03", "R7", "M3", "F1"…). */
export interface CriterionRecord {
  id: string;
  title: string;
  target: string;
  figures: Figure[];
  samples: SampleSet[];
  series: Series[];
  notes: string[];
  /** Set when the target cannot provide what the criterion needs: the reason (the row reads NOT MEASURABLE). */
  notMeasurable?: string;
  /**
   * Set with `notMeasurable` when the cause is the host the gate ran on, not the target: a timing row's calibration
   * probe was itself too slow to judge the bound ("host too busy"). A gate whose only non-PASS rows are these exits 75
   * (docs/exit-codes.md): run it again rather than read it as the app's failure.
   */
  hostBusy?: boolean;
  recordedAt: string;
}

export function emptyRecord(id: string, title: string, target: string): CriterionRecord {
  return { id, title, target, figures: [], samples: [], series: [], notes: [], recordedAt: new Date().toISOString() };
}

export function recordPath(id: string, dir = acceptanceReportsDir()): string {
  return join(dir, `${id}.json`);
}

export function writeRecord(record: CriterionRecord, dir = acceptanceReportsDir()): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(recordPath(record.id, dir), `${JSON.stringify(record, null, 2)}\n`);
}

/** Reads every record of the last run; a file that does not parse is skipped. */
export function readRecords(dir = acceptanceReportsDir()): CriterionRecord[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const out: CriterionRecord[] = [];
  for (const name of names.sort()) {
    try {
      out.push(JSON.parse(readFileSync(join(dir, name), 'utf8')) as CriterionRecord);
    } catch {
      // a half-written record is treated as missing
    }
  }
  return out;
}

/** Removes the records of an earlier run so a criterion that did not run cannot pass on old data. */
export function clearRecords(dir = acceptanceReportsDir()): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

/** Formats a figure's value for a table: numbers with at most 3 decimals. */
export function formatValue(figure: Pick<Figure, 'value' | 'unit'>): string {
  const v = figure.value;
  const text = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) >= 100 ? 1 : 3)) : v;
  return figure.unit ? `${text} ${figure.unit}` : text;
}
