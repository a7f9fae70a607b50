/** Parsing shared by the service's CLIs (serve, seed): strict whole numbers, one usage-error type, exit code 2. */
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Exit codes (docs/exit-codes.md): 0 done, 1 failed, 2 usage error, 3 something needed cannot be reached. */
export const CLI_EXIT = { ok: 0, fail: 1, usage: 2, unreachable: 3 } as const;

export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/** node:util parseArgs with its errors (unknown option, missing value, stray argument) turned into usage errors. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new CliUsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

/** A whole number from a flag, within [min, max]; "abc", "1.5", "" and "-1" are usage errors naming the flag. */
export function wholeNumber(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new CliUsageError(`${flag} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new CliUsageError(`${flag} must be between ${min} and ${max}, got ${n}`);
  return n;
}
