import { describe, expect, it } from 'vitest';
import { appAclRule } from '../../../provisioning/lib/config/acl.ts';
import {
  HEADER,
  parseConfig,
  type RenderOptions,
  readTemplate,
  renderConfig,
  saveRulesOf,
} from '../../../provisioning/lib/config/render-config.ts';

const template = readTemplate();
const base: RenderOptions = {
  maxmemory: '200mb',
  policy: 'allkeys-lru',
  port: 6379,
  bind: ['127.0.0.1', '-::1'],
  persistence: true,
  namespace: 'fastnpc',
  extra: [],
  redisVersion: '7.0',
  paths: {
    dataDir: '/var/lib/redis',
    pidFile: '/run/redis/redis-server.pid',
    logFile: '/var/log/redis/redis-server.log',
  },
};
const render = (over: Partial<RenderOptions> = {}) => renderConfig(template, { ...base, ...over });
const directives = (over: Partial<RenderOptions> = {}) => parseConfig(render(over).text);

describe('renderConfig', () => {
  it('keeps the repository file (comments, order, values) with the defaults and adds only a header and host paths', () => {
    const { text, notes } = render();
    expect(notes).toEqual([]);
    expect(text.startsWith(HEADER)).toBe(true);
    expect(text.slice(HEADER.length).startsWith(template.replace(/\n+$/, ''))).toBe(true);
    const d = parseConfig(text);
    expect(d.get('pidfile')).toEqual(['/run/redis/redis-server.pid']);
    expect(d.get('logfile')).toEqual(['/var/log/redis/redis-server.log']);
    expect(d.has('requirepass')).toBe(false);
    expect(d.has('user')).toBe(false);
  });

  it('is deterministic (same inputs, same bytes: a second run has nothing to change)', () => {
    expect(render({ password: 'a-long-password-1' }).text).toBe(render({ password: 'a-long-password-1' }).text);
  });

  it("writes the plan's values explicitly, including the three save rules 7.0 would otherwise default", () => {
    const d = directives();
    expect(d.get('maxmemory')).toEqual(['200mb']);
    expect(d.get('maxmemory-policy')).toEqual(['allkeys-lru']);
    expect(d.get('save')).toEqual(['900 1', '300 10', '60 10000']);
    expect(saveRulesOf(d)).toBe('900 1 300 10 60 10000');
    expect(d.get('tcp-backlog')).toEqual(['511']);
    expect(d.get('timeout')).toEqual(['300']);
    expect(d.get('tcp-keepalive')).toEqual(['300']);
    expect(d.get('bind')).toEqual(['127.0.0.1 -::1']);
    expect(d.get('protected-mode')).toEqual(['yes']);
  });

  it('--maxmemory replaces the value in place', () => {
    expect(directives({ maxmemory: '256mb' }).get('maxmemory')).toEqual(['256mb']);
  });

  it('--policy', () => {
    expect(directives({ policy: 'volatile-lfu' }).get('maxmemory-policy')).toEqual(['volatile-lfu']);
  });

  it('--port', () => {
    expect(directives({ port: 6380 }).get('port')).toEqual(['6380']);
  });

  it('--bind', () => {
    expect(directives({ bind: ['127.0.0.1'] }).get('bind')).toEqual(['127.0.0.1']);
  });

  it('--no-persistence writes save "" in place of the rules', () => {
    const d = directives({ persistence: false });
    expect(d.get('save')).toEqual(['""']);
    expect(saveRulesOf(d)).toBe('');
    expect(d.get('appendonly')).toEqual(['no']);
  });

  it('--password-file / REDIS_PASSWORD sets requirepass right under the placeholder', () => {
    const { text } = render({ password: 'S3cret-password-x' });
    expect(parseConfig(text).get('requirepass')).toEqual(['S3cret-password-x']);
    expect(text).toMatch(/# requirepass <set by provisioning>\nrequirepass S3cret-password-x\n/);
  });

  it("--app-user writes the contract's ACL rule for the namespace", () => {
    const d = directives({ appUser: { name: 'fastnpc_app', password: 'app-password-123' } });
    expect(d.get('user')).toEqual([
      'fastnpc_app on >app-password-123 resetkeys ~fastnpc:* resetchannels -@all +@read +@write +@keyspace ' +
        '+@scripting +@transaction +@connection -@dangerous +info +ping',
    ]);
    expect(appAclRule('PASSWORD')).toBe(
      'on >PASSWORD resetkeys ~fastnpc:* resetchannels -@all +@read +@write +@keyspace +@scripting +@transaction +@connection -@dangerous +info +ping',
    );
  });

  it('--namespace changes the key pattern of the app user', () => {
    const d = directives({ namespace: 'npc2', appUser: { name: 'app', password: 'app-password-123' } });
    expect(d.get('user')?.[0]).toContain(' ~npc2:* ');
  });

  it('--extra appends raw directives after the provisioning block', () => {
    const { text } = render({ extra: ['hz 20', 'latency-monitor-threshold 100'] });
    expect(text.endsWith('# Extra directives (--extra).\nhz 20\nlatency-monitor-threshold 100\n')).toBe(true);
  });

  it('host paths (--root) go into dir, pidfile and logfile', () => {
    const d = directives({ paths: { dataDir: '/x/var/lib/redis', pidFile: '/x/p.pid', logFile: '/x/l.log' } });
    expect(d.get('dir')).toEqual(['/x/var/lib/redis']);
    expect(d.get('pidfile')).toEqual(['/x/p.pid']);
    expect(d.get('logfile')).toEqual(['/x/l.log']);
  });

  it('Redis 6.0 (Ubuntu 22.04): no optional bind address, no channel ACL rule, and says so', () => {
    const { text, notes } = render({ redisVersion: '6.0', appUser: { name: 'app', password: 'app-password-123' } });
    const d = parseConfig(text);
    expect(d.get('bind')).toEqual(['127.0.0.1 ::1']);
    expect(d.get('user')?.[0]).not.toContain('resetchannels');
    expect(notes).toHaveLength(2);
    expect(notes.join(' ')).toMatch(/6\.0.*bind/);
    expect(notes.join(' ')).toMatch(/resetchannels/);
  });

  it('never leaves two active lines for one single-valued directive', () => {
    const d = directives({ maxmemory: '100mb', port: 7000, password: 'S3cret-password-x', policy: 'noeviction' });
    for (const name of ['maxmemory', 'port', 'requirepass', 'maxmemory-policy', 'bind', 'dir']) {
      expect(d.get(name), name).toHaveLength(1);
    }
  });
});
