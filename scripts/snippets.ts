/**
 * The docs' code samples, taken from the code that runs them (as testcontainers-node does): in a Markdown page, a
 * marker line right above a fenced block
 *
 *   <!-- snippet: test/integration/cache/usage.test.ts#get-or-load -->
 *
 * says the block holds the lines between `// #region get-or-load` and `// #endregion` in that file (a path from the
 * repository root), dedented, with the markers of other regions inside it left out. `with-imports` after the name
 * puts above them the file's import declarations of the names the region uses, their relative paths written from the
 * repository root (`./src/index.ts`) as a reader of the page would import them. `npm run docs:snippets` rewrites the
 * blocks; test/unit/docs-snippets.test.ts fails while one differs.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';

/** `<!-- snippet: path#region -->` or `<!-- snippet: path#region with-imports -->`, alone on its line. */
const MARKER = /^<!-- snippet: (\S+?)#([\w-]+)( with-imports)? -->$/;
const REGION_START = /^\s*\/\/ #region (\S+)\s*$/;
const REGION_END = /^\s*\/\/ #endregion\b/;
const FENCE = /^```/;

export interface SnippetRef {
  /** The source file, relative to the repository root. */
  file: string;
  region: string;
  withImports: boolean;
}

/** The lines of region `name` in `source`, dedented; undefined when the file has no such region (or never ends it). */
export function regionOf(source: string, name: string): string | undefined {
  const lines = source.split('\n');
  const start = lines.findIndex((line) => REGION_START.exec(line)?.[1] === name);
  if (start < 0) return undefined;
  const body: string[] = [];
  let depth = 0;
  for (const line of lines.slice(start + 1)) {
    if (REGION_START.test(line)) {
      depth += 1;
      continue;
    }
    if (REGION_END.test(line)) {
      if (depth === 0) return dedent(body).join('\n');
      depth -= 1;
      continue;
    }
    body.push(line);
  }
  return undefined;
}

function dedent(lines: string[]): string[] {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length);
  const cut = indents.length === 0 ? 0 : Math.min(...indents);
  while (lines.length > 0 && lines[0]!.trim() === '') lines.shift();
  while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
  return lines.map((l) => l.slice(cut));
}

/**
 * The import declarations of `source` (at `file`, relative to the repository root) that bind a name `body` uses,
 * with only those names, their relative paths written from the repository root.
 */
export function importsUsedBy(source: string, file: string, body: string): string[] {
  // the code alone: a word in a comment or a string is not a use
  const code = body.replace(/\/\/.*$/gm, '').replace(/'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, "''");
  const used = (name: string) => new RegExp(`(?<![\\w.$])${name.replace(/\$/g, '\\$')}(?![\\w$])`).test(code);
  const out: string[] = [];
  for (const m of source.matchAll(/^import (type )?\{([^}]*)\} from '([^']+)';/gm)) {
    const names = m[2]!
      .split(',')
      .map((n) => n.trim())
      .filter(
        (n) =>
          n !== '' &&
          used(
            n
              .replace(/^type /, '')
              .split(/\s+as\s+/)
              .at(-1)!,
          ),
      );
    if (names.length === 0) continue;
    let from = m[3]!;
    if (from.startsWith('.')) {
      const path = posix.join(posix.dirname(file), from);
      from = path.startsWith('.') ? path : `./${path}`;
    }
    out.push(`import ${m[1] ?? ''}{ ${names.join(', ')} } from '${from}';`);
  }
  return out;
}

/** What a block marked with `ref` must hold, or the problem that keeps it from being known. */
export function snippetText(ref: SnippetRef, read: (file: string) => string | undefined): string | { problem: string } {
  const source = read(ref.file);
  if (source === undefined) return { problem: `${ref.file} does not exist` };
  const body = regionOf(source, ref.region);
  if (body === undefined) {
    return { problem: `${ref.file} has no region "${ref.region}" (// #region ${ref.region} … // #endregion)` };
  }
  if (!ref.withImports) return body;
  const imports = importsUsedBy(source, ref.file, body);
  return imports.length === 0 ? body : `${imports.join('\n')}\n\n${body}`;
}

export interface FilledPage {
  /** The page with every marked block holding its region. */
  text: string;
  /** The marked blocks, in order. */
  refs: SnippetRef[];
  /** Markers whose block cannot be filled: `line N: …`. */
  problems: string[];
}

/** Every marked block of `markdown` filled from its region (`read` gives a file's text by its repository path). */
export function fillPage(markdown: string, read: (file: string) => string | undefined): FilledPage {
  const lines = markdown.split('\n');
  const out: string[] = [];
  const refs: SnippetRef[] = [];
  const problems: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    out.push(line);
    const m = MARKER.exec(line);
    if (!m) continue;
    const ref = { file: m[1]!, region: m[2]!, withImports: m[3] !== undefined };
    refs.push(ref);
    const open = lines[i + 1];
    const close = lines.findIndex((l, k) => k > i + 1 && FENCE.test(l));
    if (open === undefined || !FENCE.test(open) || close < 0) {
      problems.push(`line ${i + 1}: the marker of ${ref.file}#${ref.region} is not followed by a fenced block`);
      continue;
    }
    const text = snippetText(ref, read);
    if (typeof text !== 'string') {
      problems.push(`line ${i + 1}: ${text.problem}`);
      continue;
    }
    out.push(open, ...text.split('\n'), lines[close]!);
    i = close;
  }
  return { text: out.join('\n'), refs, problems };
}

/** The pages that may hold samples: README.md and every page under docs/, relative to `root`. */
export function docPages(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir)).flatMap((name) => {
      const path = `${dir}/${name}`;
      if (statSync(join(root, path)).isDirectory()) return walk(path);
      return name.endsWith('.md') ? [path] : [];
    });
  return ['README.md', ...walk('docs')];
}

/** A reader of the files below `root` by their repository path (undefined when missing or outside the root). */
export function repoReader(root: string): (file: string) => string | undefined {
  return (file) => {
    const path = resolve(root, file);
    if (!path.startsWith(`${resolve(root)}/`)) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  };
}
