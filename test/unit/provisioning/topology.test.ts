import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appUsersOf, secretsInConfig } from '../../../provisioning/lib/checks/verify.ts';
import { parseConfig } from '../../../provisioning/lib/config/render-config.ts';
import { forThrowaway } from '../../../provisioning/lib/config/validate-candidate.ts';
import { loadInventory, parseHostSpec, quorumOf } from '../../../provisioning/lib/topology/inventory.ts';
import { replicationLines } from '../../../provisioning/lib/topology/replication.ts';
import { managedSettings, renderSentinel, sentinelDrift } from '../../../provisioning/lib/topology/sentinel.ts';

const SPECS = ['primary+sentinel@ops@10.0.0.2', 'replica+sentinel@ops@10.0.0.3', 'sentinel@ops@10.0.0.4'];
const SECRETS = { replication: 'Repl-secret-123', sentinel: 'Sent-secret-456' };

describe('topology inventory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'topology-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads --host ROLE[+ROLE]@USER@ADDRESS and an inventory file alike', () => {
    expect(parseHostSpec('primary+sentinel@ops@10.0.0.2')).toEqual({
      ssh: 'ops@10.0.0.2',
      address: '10.0.0.2',
      roles: ['primary', 'sentinel'],
    });
    const file = join(dir, 'hosts.json');
    writeFileSync(
      file,
      JSON.stringify({
        master: 'cache',
        hosts: [
          { ssh: 'ops@a', address: '10.0.0.2', roles: ['primary', 'sentinel'] },
          { ssh: 'ops@b', address: '10.0.0.3', roles: 'replica+sentinel' },
        ],
      }),
    );
    const inv = loadInventory(file, ['sentinel@ops@10.0.0.4']);
    expect(inv.master).toBe('cache');
    expect(inv.hosts.map((h) => h.ssh)).toEqual(['ops@a', 'ops@b', 'ops@10.0.0.4']);
    expect(quorumOf(inv)).toBe(2);
  });

  it('refuses topologies that cannot fail over safely, as usage errors (exit 2)', () => {
    const refuse = (specs: string[]) => {
      try {
        loadInventory(undefined, specs);
      } catch (error) {
        return error as { exitCode: number; message: string };
      }
      throw new Error('accepted');
    };
    expect(refuse(SPECS.slice(0, 2)).message).toMatch(/2 Sentinel\(s\): use an odd number, at least 3/);
    expect(refuse(['primary+sentinel@ops@10.0.0.2', 'sentinel@ops@10.0.0.3', 'sentinel@ops@10.0.0.4']).message).toMatch(
      /at least one replica/,
    );
    expect(refuse([...SPECS, 'primary@ops@10.0.0.5']).message).toMatch(/exactly one primary \(found 2\)/);
    expect(refuse(['primary+replica@ops@10.0.0.2', ...SPECS.slice(1)]).message).toMatch(/not both/);
    expect(refuse([...SPECS, 'sentinel@ops@10.0.0.4']).message).toMatch(/listed twice/);
    expect(refuse(['primary@ops@cache1', ...SPECS.slice(1)]).message).toMatch(/not an IP address/);
    expect(refuse(['witness@ops@10.0.0.9', ...SPECS]).exitCode).toBe(2);
  });
});

describe('data node replication block', () => {
  const inv = loadInventory(undefined, SPECS);
  it('replica: replicaof the primary, both ACL users, masteruser/masterauth; primary: no replicaof', () => {
    const replica = replicationLines(inv, inv.hosts[1]!, SECRETS, '7.0', 6379);
    expect(replica).toContain('replicaof 10.0.0.2 6379');
    expect(replica).toContain('masteruser replicator');
    expect(replica).toContain('min-replicas-to-write 0');
    expect(replica.find((l) => l.startsWith('user sentinel-monitor'))).toMatch(/allchannels .*\+config\|rewrite/);
    expect(replicationLines(inv, inv.hosts[0]!, SECRETS, '7.0', 6379).some((l) => l.startsWith('replicaof'))).toBe(
      false,
    );
    // Redis 6.0 has no channel rules
    expect(replicationLines(inv, inv.hosts[1]!, SECRETS, '6.0', 6379).join('\n')).not.toContain('allchannels');
  });

  it('its secrets are masked like the rest, its users are not probed as app users, the throwaway does not sync', () => {
    const text = replicationLines(inv, inv.hosts[1]!, SECRETS, '7.0', 6379).join('\n');
    expect(secretsInConfig(text).sort()).toEqual([SECRETS.replication, SECRETS.replication, SECRETS.sentinel].sort());
    expect(appUsersOf(parseConfig(text))).toEqual([]);
    const throwaway = forThrowaway(text);
    expect(throwaway).not.toMatch(/^replicaof/m);
    expect(throwaway.split('\n')).toHaveLength(text.split('\n').length); // line numbers kept
  });
});

describe('sentinel.conf', () => {
  const inv = loadInventory(undefined, SPECS);
  const want = renderSentinel(inv, inv.hosts[2]!, SECRETS);

  it('binds loopback and the host address, monitors the primary with the majority quorum', () => {
    expect(want).toContain('bind 127.0.0.1 -::1 10.0.0.4');
    expect(want).toContain('sentinel monitor fastnpc 10.0.0.2 6379 2');
    expect(want).toContain('sentinel auth-user fastnpc sentinel-monitor');
  });

  it("Sentinel's own rewrite (quotes, myid, epochs, defaults dropped) is not drift; a failover's new primary neither", () => {
    const rewritten = `${want
      .replace(/^requirepass (.*)$/m, 'requirepass "$1"')
      .replace(
        '10.0.0.2 6379 2',
        '10.0.0.3 6379 2',
      )}\n# Generated by CONFIG REWRITE\nsentinel myid abc\nsentinel current-epoch 1\n`;
    expect(sentinelDrift(rewritten, want, inv)).toEqual([]);
    expect(managedSettings(rewritten, 'fastnpc').get('requirepass')).toBe(SECRETS.sentinel);
  });

  it('a hand edit, a wrong password or a foreign primary is drift, secrets masked', () => {
    const edited = want
      .replace('down-after-milliseconds fastnpc 5000', 'down-after-milliseconds fastnpc 30000')
      .replace(`auth-pass fastnpc ${SECRETS.sentinel}`, 'auth-pass fastnpc other-password-1')
      .replace('10.0.0.2 6379 2', '10.9.9.9 6379 2');
    const drift = sentinelDrift(edited, want, inv);
    expect(drift).toEqual([
      'sentinel monitor address: 10.9.9.9 → 10.0.0.2',
      'sentinel auth-pass: ******** → ********',
      'sentinel down-after-milliseconds: 30000 → 5000',
    ]);
    expect(drift.join()).not.toContain(SECRETS.sentinel);
    expect(sentinelDrift(undefined, want, inv)).toEqual(['no sentinel.conf']);
  });
});
