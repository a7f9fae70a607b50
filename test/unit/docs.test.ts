// The docs stay a reference a newcomer can read (issue 24): no reference page over 400 lines (dated figures go to
// docs/measurements/), and every relative link of every page points at a file that exists.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAX_LINES = 400;

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

const pages = [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'docs'))];
const reference = pages.filter((p) => !p.includes('/docs/measurements/'));

/** Relative link targets of a Markdown page ([text](target), without the #anchor). */
function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => (m[1] as string).split('#')[0] as string)
    .filter((t) => t !== '' && !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

describe('docs', () => {
  it('finds the pages (control: the check has something to check)', () => {
    expect(reference.length).toBeGreaterThan(10);
    expect(relativeLinks('[a](b.md#x) [c](https://x.org/y) [d](../e/f.md)')).toEqual(['b.md', '../e/f.md']);
  });

  it.each(reference.map((p) => [p.slice(ROOT.length + 1), p]))(
    `%s: at most ${MAX_LINES} lines (dated figures in docs/measurements/)`,
    (_name, path) => {
      const lines = readFileSync(path, 'utf8').split('\n').length;
      expect(lines).toBeLessThanOrEqual(MAX_LINES);
    },
  );

  it.each(pages.map((p) => [p.slice(ROOT.length + 1), p]))('%s: every relative link resolves', (_name, path) => {
    const broken = relativeLinks(readFileSync(path, 'utf8')).filter((t) => !existsSync(resolve(dirname(path), t)));
    expect(broken).toEqual([]);
  });
});
