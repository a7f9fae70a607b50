/**
 * Each suite records what it measured: figures (name, value, unit, bound, pass), raw samples and time series.
 * The record is written to reports/acceptance/<id>.json after every change and each figure is printed, so a
 * failing run still leaves the figures it got to.
 */
import {
  type CriterionRecord,
  emptyRecord,
  type Figure,
  formatValue,
  type SampleSet,
  type Series,
  writeRecord,
} from '../record-format.ts';
import { rowDef } from '../rows.ts';
import { target } from './target.ts';

export interface Recorder {
  readonly record: CriterionRecord;
  /** Records a figure and returns its pass flag (true for informational figures), for `expect(...)`. */
  figure(name: string, value: number | string, unit: string, bound: string, pass: boolean | null): boolean;
  /** Moves a figure to the front: the verdict table shows the first gating figure. */
  headline(name: string): void;
  samples(set: SampleSet): void;
  series(series: Series): void;
  note(text: string): void;
  /**
   * Marks the row "not measurable on this target: <reason>" — distinct from FAIL and PASS. Call it only when no
   * channel the target offers (Redis, PostgreSQL, HTTP content) can measure the property, then end the test.
   */
  notMeasurable(reason: string): void;
  /** Marks the row NOT MEASURABLE because the host is too busy to judge a timing bound (a retry may measure it). */
  hostTooBusy(reason: string): void;
}

/** The recorder of row `id` (its title comes from acceptance/rows.ts). */
export function recorder(id: string): Recorder {
  const record = emptyRecord(id, rowDef(id).title, target().kind);
  const save = (): void => writeRecord(record);
  save();
  return {
    record,
    figure(name, value, unit, bound, pass) {
      const existing = record.figures.findIndex((f) => f.name === name);
      const fig: Figure = { name, value, unit, bound, pass };
      if (existing >= 0) record.figures[existing] = fig;
      else record.figures.push(fig);
      save();
      const verdict = pass === null ? 'info' : pass ? 'PASS' : 'FAIL';
      console.log(`[${id}] ${name}: ${formatValue(fig)}${bound ? ` (bound ${bound})` : ''} ${verdict}`);
      return pass !== false;
    },
    headline(name) {
      const i = record.figures.findIndex((f) => f.name === name);
      if (i > 0) record.figures.unshift(...record.figures.splice(i, 1));
      save();
    },
    samples(set) {
      record.samples = record.samples.filter((s) => s.name !== set.name).concat(set);
      save();
    },
    series(series) {
      record.series = record.series.filter((s) => s.name !== series.name).concat(series);
      save();
    },
    note(text) {
      record.notes.push(text);
      save();
      console.log(`[${id}] note: ${text}`);
    },
    notMeasurable(reason) {
      record.notMeasurable = reason;
      save();
      console.log(`[${id}] NOT MEASURABLE on this target: ${reason}`);
    },
    hostTooBusy(reason) {
      record.notMeasurable = reason;
      record.hostBusy = true;
      save();
      console.log(`[${id}] NOT MEASURABLE: ${reason}`);
    },
  };
}
