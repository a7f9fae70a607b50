import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isValidDestination, shellQuote, sshCommand } from '../../../provisioning/lib/host/ssh.ts';
import { sshTarget, writeFileAtomic } from '../../../provisioning/lib/host/target.ts';

describe('sshCommand', () => {
  it('runs the argv through the remote shell, quoted, after --', () => {
    expect(sshCommand({ destination: 'ops@cache1' }, ['cat', '--', '/etc/redis/redis.conf'])).toEqual([
      'ssh',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=10',
      '--',
      'ops@cache1',
      'cat -- /etc/redis/redis.conf',
    ]);
  });

  it('prefixes sudo -n with --sudo', () => {
    expect(sshCommand({ destination: 'ops@cache1', sudo: true }, ['systemctl', 'restart', 'redis-server']).at(-1)).toBe(
      'sudo -n -- systemctl restart redis-server',
    );
  });

  it('quotes words for the remote shell so they arrive intact', () => {
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote('$(reboot)')).toBe("'$(reboot)'");
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('/etc/redis/redis.conf')).toBe('/etc/redis/redis.conf');
  });

  it('refuses destinations that ssh would read as options', () => {
    expect(isValidDestination('ops@cache1.example.org')).toBe(true);
    expect(isValidDestination('-oProxyCommand=sh')).toBe(false);
    expect(isValidDestination('a b')).toBe(false);
  });
});

describe('sshTarget: secrets travel on stdin, never in argv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fake-ssh-'));
  const oldPath = process.env.PATH;
  afterAll(() => {
    process.env.PATH = oldPath;
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a file holding a password through ssh with the password only on stdin', async () => {
    // A fake `ssh` on PATH records its argv and stdin instead of connecting anywhere.
    writeFileSync(join(dir, 'ssh'), `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/argv"\ncat > "${dir}/stdin"\nexit 0\n`);
    chmodSync(join(dir, 'ssh'), 0o755);
    process.env.PATH = `${dir}:${oldPath}`;
    const secret = 'Sup3r-secret-value-42';
    const target = sshTarget({ destination: 'ops@cache1', sudo: true });
    await writeFileAtomic(target, '/etc/redis/redis.conf', `requirepass ${secret}\n`, {
      owner: 'redis',
      group: 'redis',
      mode: '0640',
    });
    const argv = readFileSync(join(dir, 'argv'), 'utf8');
    expect(argv).toContain('ops@cache1');
    expect(argv).toContain('sudo -n -- sh -c');
    expect(argv).toContain('/etc/redis/redis.conf');
    expect(argv).not.toContain(secret);
    expect(readFileSync(join(dir, 'stdin'), 'utf8')).toBe(`requirepass ${secret}\n`);
  });

  it('reports an unreachable host (ssh exit 255) as one line', async () => {
    writeFileSync(
      join(dir, 'ssh'),
      '#!/bin/sh\necho "ssh: connect to host cache1 port 22: Connection refused" >&2\nexit 255\n',
    );
    chmodSync(join(dir, 'ssh'), 0o755);
    process.env.PATH = `${dir}:${oldPath}`;
    await expect(sshTarget({ destination: 'ops@cache1' }).exec(['true'])).rejects.toThrow(
      /ssh ops@cache1 failed: .*Connection refused/,
    );
  });
});
