/**
 * `npm run docs:snippets`: rewrites every marked code block of README.md and docs/ from its region (scripts/snippets.ts
 * says how a block is marked). `--check` rewrites nothing and exits 1 naming each block that differs.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_EXIT, parseFlags, runCli } from '../src/service/cli-args.ts';
import { docPages, fillPage, repoReader } from './snippets.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const FIX_COMMAND = 'npm run docs:snippets';

const HELP = `usage: ${FIX_COMMAND} [-- --check]

Fills every code block marked <!-- snippet: FILE#REGION --> in README.md and docs/ with the lines between
// #region REGION and // #endregion of FILE (a path from the repository root).

  --check   rewrite nothing; exit 1 naming each page whose blocks differ from their regions
  --help    this text

exit 0 every block holds its region (or was rewritten to), 1 a block differs (--check) or names a missing file or
region, 2 usage error`;

/** The outcome of one run over the pages below `root`: its exit code and the lines it prints. */
export function runSnippets(root: string, check: boolean): { code: number; lines: string[] } {
  const read = repoReader(root);
  const lines: string[] = [];
  let code: number = CLI_EXIT.ok;
  let blocks = 0;
  for (const page of docPages(root)) {
    const before = read(page)!;
    const filled = fillPage(before, read);
    blocks += filled.refs.length;
    for (const problem of filled.problems) lines.push(`${page}: ${problem}`);
    if (filled.problems.length > 0) code = CLI_EXIT.fail;
    if (filled.text === before) continue;
    if (check) {
      lines.push(`${page}: a code block differs from its region — run \`${FIX_COMMAND}\``);
      code = CLI_EXIT.fail;
    } else {
      writeFileSync(join(root, page), filled.text);
      lines.push(`${page}: rewritten`);
    }
  }
  lines.push(`${blocks} marked blocks${code === CLI_EXIT.ok ? (check ? ', all up to date' : ', all filled') : ''}`);
  return { code, lines };
}

async function main(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, { check: { type: 'boolean' }, help: { type: 'boolean' } });
  if (flags.help) {
    console.log(HELP);
    return CLI_EXIT.ok;
  }
  const { code, lines } = runSnippets(ROOT, flags.check === true);
  for (const line of lines) (code === CLI_EXIT.ok ? console.log : console.error)(line);
  return code;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) runCli('docs:snippets', main);
