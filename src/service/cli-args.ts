/**
 * What the service's CLIs (serve, seed, warm) share: strict whole numbers, one usage-error type (exit 2), and the one
 * way a CLI ends — its exit code, or one line on stderr naming the command, never a stack trace.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../cli/usage-error.ts';

/** Exit codes (docs/exit-codes.md): 0 done, 1 failed, 2 usage error, 3 something needed cannot be reached. */
export const CLI_EXIT = { ok: 0, fail: 1, usage: 2, unreachable: 3 } as const;

export { UsageError };

/** node:util parseArgs with its errors (unknown option, missing value, stray argument) turned into usage errors. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

/** A whole number from a flag, within [min, max]; "abc", "1.5", "" and "-1" are usage errors naming the flag. */
export function wholeNumber(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new UsageError(`${flag} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new UsageError(`${flag} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/**
 * Runs a CLI's `main` and exits with its code. A thrown error is one line on stderr, `<command>: <message>`: a usage
 * error (or one `isUsage` accepts, e.g. a bad setting) exits 2 with "(see --help)", anything else 1.
 */
export function runCli(
  command: string,
  main: (argv: string[]) => Promise<number>,
  isUsage: (error: unknown) => boolean = () => false,
): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof UsageError) {
        console.error(`${command}: ${message} (see --help)`);
        process.exit(CLI_EXIT.usage);
      }
      console.error(`${command}: ${message}`);
      process.exit(isUsage(error) ? CLI_EXIT.usage : CLI_EXIT.fail);
    },
  );
}
