/**
 * The consistency figures the fault rows (F1–F7) and the topology rows (H1/H2) record the same way: the guarded run
 * gates on 0 stale reads and every cached entry equal to PostgreSQL; a control must show at least one of the two.
 */
import type { Recorder } from '../../support/record.ts';
import type { EntryComparison } from './entries.ts';

interface Consistency {
  stale: number;
  entries: EntryComparison;
  staleExamples: string[];
}

/** Records the two gating figures (and the examples of what differed); returns their pass flags. */
export function recordConsistency(rec: Recorder, run: Consistency): [boolean, boolean] {
  const flags: [boolean, boolean] = [
    rec.figure('stale reads', run.stale, 'reads', '= 0', run.stale === 0),
    rec.figure(
      'cached entries differing from PostgreSQL',
      run.entries.mismatches,
      'entries',
      '= 0',
      run.entries.mismatches === 0,
    ),
  ];
  if (run.entries.examples.length > 0) rec.note(`mismatching entries: ${run.entries.examples.join(', ')}`);
  if (run.staleExamples.length > 0) rec.note(`stale reads: ${run.staleExamples.join('; ')}`);
  return flags;
}

/** A control's figure: stale reads + mismatching entries, which must be > 0 (the check can fail). */
export function recordControlCaught(rec: Recorder, control: string, run: Consistency): boolean {
  const caught = run.stale + run.entries.mismatches;
  // what the check caught, so a reader sees the control fail the way the guarded design must not
  if (run.staleExamples.length > 0) rec.note(`control (${control}) stale reads: ${run.staleExamples.join('; ')}`);
  return rec.figure(`control (${control}): stale reads + mismatching entries`, caught, '', '> 0', caught > 0);
}
