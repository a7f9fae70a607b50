import { describe, expect, it } from 'vitest';
import { parseRedisInfo } from '../../../src/redis/info.ts';

describe('parseRedisInfo', () => {
  it('flattens several sections, skips headers and blank lines, keeps colons inside values', () => {
    const text = [
      '# Memory',
      'used_memory:1048576',
      'maxmemory_policy:allkeys-lru',
      '',
      '# Keyspace',
      'db0:keys=3,expires=1,avg_ttl=0',
      'executable:/usr/bin/redis-server',
      'config_file:C:/odd:path.conf',
      '',
    ].join('\r\n');
    expect(parseRedisInfo(text)).toEqual({
      used_memory: '1048576',
      maxmemory_policy: 'allkeys-lru',
      db0: 'keys=3,expires=1,avg_ttl=0',
      executable: '/usr/bin/redis-server',
      config_file: 'C:/odd:path.conf',
    });
  });

  it('returns an empty map for empty text', () => {
    expect(parseRedisInfo('')).toEqual({});
  });
});
