/**
 * The ssh_config the test hosts are reached with (the CLIs' `--ssh-config`): the host key of the cached root, no
 * known_hosts pollution, no prompt, and one TCP connection per user and host reused by every command (ssh still runs
 * each command in its own session).
 */
export function sshConfigBlock(hostPattern: string, identityFile: string, controlPath: string): string {
  return [
    `Host ${hostPattern}`,
    `  IdentityFile ${identityFile}`,
    '  IdentitiesOnly yes',
    '  StrictHostKeyChecking no',
    '  UserKnownHostsFile /dev/null',
    '  LogLevel ERROR',
    '  BatchMode yes',
    '  ConnectTimeout 10',
    '  ControlMaster auto',
    `  ControlPath ${controlPath}`,
    '  ControlPersist 120',
    '  ServerAliveInterval 5',
    '  ServerAliveCountMax 2',
    '',
  ].join('\n');
}
