/** reports/junit.xml: one testcase per verdict row, for CI test-report views. */
import { formatValue } from '../figures.ts';
import { rowCounts, type Verdict } from '../verdict.ts';

export function escapeXml(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      // characters XML 1.0 forbids
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
  );
}

export function junitXml(verdict: Verdict): string {
  const failures = verdict.rows.filter((r) => !rowCounts(r)).length;
  const skipped = verdict.rows.filter((r) => r.status !== 'pass' && rowCounts(r)).length;
  const seconds = (verdict.durationMs / 1000).toFixed(3);
  const cases = verdict.rows.map((row) => {
    const name = escapeXml(`${row.id} ${row.title}`);
    const props = row.figures
      .map(
        (f) =>
          `      <property name="${escapeXml(f.name)}" value="${escapeXml(`${formatValue(f)}${f.bound ? ` (bound ${f.bound})` : ''}`)}"/>`,
      )
      .join('\n');
    const out = `      <system-out>${escapeXml(`figure: ${row.figure}; bound: ${row.bound}; ${row.detail}`)}</system-out>`;
    let inner = '';
    if (!rowCounts(row)) {
      inner = `      <failure message="${escapeXml(row.detail || 'failed')}" type="${row.kind}">${escapeXml(
        `${row.figure} (bound ${row.bound}) ${row.detail}`,
      )}</failure>\n`;
    } else if (row.status !== 'pass') {
      const label = row.status === 'skip' ? 'skipped' : 'not measurable';
      inner = `      <skipped message="${escapeXml(`${label}: ${row.detail || label}`)}"/>\n`;
    }
    const properties = props ? `      <properties>\n${props}\n      </properties>\n` : '';
    return `    <testcase classname="gate.${row.kind}" name="${name}" time="${((row.durationMs ?? 0) / 1000).toFixed(3)}">\n${properties}${inner}${out}\n    </testcase>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="fastnpc-redis-gate" tests="${verdict.rows.length}" failures="${failures}" skipped="${skipped}" time="${seconds}">
  <testsuite name="gate (${escapeXml(verdict.target)})" tests="${verdict.rows.length}" failures="${failures}" skipped="${skipped}" time="${seconds}" timestamp="${verdict.startedAt}">
${cases.join('\n')}
  </testsuite>
</testsuites>
`;
}
