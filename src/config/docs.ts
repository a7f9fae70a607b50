/**
 * The docs' variable tables, rendered from the registries: one Markdown table per program between the markers
 * `<!-- config:<program>:start -->` and `<!-- config:<program>:end -->` (docs/configuration.md). `npm run
 * docs:config` writes them; test/unit/config/docs.test.ts fails when the page differs from the registries.
 */
import type { Registry } from './registry.ts';

const cell = (text: string): string => text.replaceAll('\n', ' ').replace(/(?<!\\)\|/g, '\\|');

/** The registry as a Markdown table: variable, type, default, what it does (secrets marked, never a value). */
export function markdownTable(registry: Registry): string {
  const rows = Object.entries(registry.variables).map(([name, v]) => {
    const type = v.secret ? `${v.type} (secret)` : v.type;
    const fallback = v.default === '' ? '—' : `\`${v.default}\``;
    return `| \`${name}\` | ${cell(type)} | ${cell(fallback)} | ${cell(v.doc)} |`;
  });
  return ['| variable | type | default | what it does |', '|---|---|---|---|', ...rows].join('\n');
}

export const startMarker = (program: string): string => `<!-- config:${program}:start -->`;
export const endMarker = (program: string): string => `<!-- config:${program}:end -->`;

/** `page` with each registry's table between its markers; throws when a page lacks a registry's markers. */
export function renderTables(page: string, registries: readonly Registry[]): string {
  let out = page;
  for (const registry of registries) {
    const start = startMarker(registry.program);
    const end = endMarker(registry.program);
    const from = out.indexOf(start);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`the page has no ${start} … ${end} section`);
    out = `${out.slice(0, from + start.length)}\n${markdownTable(registry)}\n${out.slice(to)}`;
  }
  return out;
}
