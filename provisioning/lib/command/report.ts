import { chalk } from 'zx';
import { ConfigError } from '../../../src/config/registry.ts';
import { EXIT, ProvisionError } from './errors.ts';
import { mask } from './secrets.ts';
import { checkProvisionEnv, provisionSetting } from './variables.ts';

const secrets: string[] = [];

/** Every line printed from now on has this secret masked (belt and braces: secrets are never formatted in). */
export function registerSecret(secret: string | undefined): void {
  if (secret) secrets.push(secret);
}

export const say = (text: string): void => console.log(mask(text, secrets));
export const step = (text: string): void => say(chalk.cyan(`▸ ${text}`));
export const ok = (text: string): void => say(chalk.green(`✔ ${text}`));
export const warn = (text: string): void => say(chalk.yellow(`! ${text}`));
export const fail = (text: string): void => console.error(mask(chalk.red(`✖ ${text}`), secrets));

/** Colours a unified diff for the terminal. */
export function colourDiff(diff: string): string {
  return diff
    .split('\n')
    .map((l) =>
      l.startsWith('+++') || l.startsWith('---')
        ? chalk.bold(l)
        : l.startsWith('+')
          ? chalk.green(l)
          : l.startsWith('-')
            ? chalk.red(l)
            : l.startsWith('@@')
              ? chalk.cyan(l)
              : l,
    )
    .join('\n');
}

/**
 * The one top-level handler of every command: a ProvisionError becomes one red line and its exit code; anything
 * else one red line and exit 1 (the stack only with DEBUG=1). Never a stack trace for bad input.
 */
export async function runMain(main: (argv: string[]) => Promise<number>): Promise<void> {
  let code: number;
  try {
    checkProvisionEnv();
    code = await main(process.argv.slice(2));
  } catch (error) {
    if (error instanceof ProvisionError) {
      fail(error.message);
      code = error.exitCode;
    } else if (error instanceof ConfigError) {
      fail(error.message);
      code = EXIT.USAGE;
    } else {
      fail(`unexpected failure: ${error instanceof Error ? error.message : String(error)}`);
      if (provisionSetting('DEBUG') && error instanceof Error && error.stack) console.error(mask(error.stack, secrets));
      code = EXIT.FAILED;
    }
  }
  process.exitCode = code;
}
