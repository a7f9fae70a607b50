/** How a step reaches a remote host: `ssh user@server -- [sudo -n] <command>`, secrets only on stdin. */
export interface SshOptions {
  /** `user@server` (or an alias from ~/.ssh/config). */
  destination: string;
  /** Prefix every command with `sudo -n` (non-interactive; configure NOPASSWD for the provisioning user). */
  sudo?: boolean;
  /** Extra `-o` options. @default BatchMode=yes, ConnectTimeout=10 */
  sshOptions?: string[];
  /** An ssh_config file (`ssh -F FILE`: key, port, jump host …) instead of ~/.ssh/config. */
  configFile?: string;
}

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** POSIX shell quoting of one word, for the remote shell that ssh hands the command to. */
export function shellQuote(word: string): string {
  if (word !== '' && SAFE.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

const DESTINATION = /^(?:[A-Za-z0-9._-]+@)?[A-Za-z0-9._:[\]-]+$/;

export function isValidDestination(destination: string): boolean {
  return DESTINATION.test(destination) && !destination.startsWith('-');
}

/**
 * The argv of the local `ssh` process that runs `argv` on the remote host. Never put a secret into `argv`: pass it
 * as the command's standard input instead (ssh forwards stdin; argv would land in both process lists).
 */
export function sshCommand(options: SshOptions, argv: readonly string[]): string[] {
  const opts = options.sshOptions ?? ['BatchMode=yes', 'ConnectTimeout=10'];
  const remote = (options.sudo ? ['sudo', '-n', '--', ...argv] : [...argv]).map(shellQuote).join(' ');
  const config = options.configFile ? ['-F', options.configFile] : [];
  return ['ssh', ...config, ...opts.flatMap((o) => ['-o', o]), '--', options.destination, remote];
}
