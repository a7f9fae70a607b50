import { readFileSync } from 'node:fs';
import { ProvisionError } from './errors.ts';
import { type ProvisionVariable, provisionSetting } from './variables.ts';

/** A password that fits one redis.conf word: printable ASCII, no whitespace or quotes, long enough. */
export function checkPassword(what: string, password: string): string {
  if (password.length < 12) throw new ProvisionError('E_SECRET', `${what} is shorter than 12 characters`);
  if (password.length > 512) throw new ProvisionError('E_SECRET', `${what} is longer than 512 characters`);
  if (!/^[\x21-\x7e]+$/.test(password) || /["'\\]/.test(password)) {
    throw new ProvisionError(
      'E_SECRET',
      `${what} must be printable ASCII without spaces, quotes or backslashes (it is written into redis.conf)`,
    );
  }
  return password;
}

/**
 * Reads a secret from a file (first line, trailing newline stripped) or an environment variable. A secret is never
 * taken from the command line: argv is visible to every user in the process list and lands in shell history.
 */
export function readSecret(what: string, file: string | undefined, envName: ProvisionVariable): string | undefined {
  let value: string | undefined;
  if (file) {
    try {
      value = readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '';
    } catch (error) {
      throw new ProvisionError(
        'E_SECRET',
        `cannot read ${what} file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
  } else {
    const given = provisionSetting(envName);
    if (typeof given === 'string' && given !== '') value = given;
  }
  return value === undefined ? undefined : checkPassword(what, value);
}

/** Replaces every occurrence of each secret by `********` (for diffs, logs and error messages). */
export function mask(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('********');
  return out;
}
