/** The default key namespace of the app (every key of the cache module starts with `fastnpc:`). */
export const DEFAULT_NAMESPACE = 'fastnpc';

/**
 * Rules of the app's ACL user after `on >PASSWORD`: only keys of the app's namespace, no pub/sub channels, the
 * read/write/keyspace/scripting/transaction/connection categories minus everything dangerous, plus INFO and PING
 * (docs/CONTRACTS.md; the cache module's integration tests run through such a user).
 */
export function appAclRules(namespace = DEFAULT_NAMESPACE, redisVersion = '7.0'): string[] {
  const rules = [
    'resetkeys',
    `~${namespace}:*`,
    'resetchannels',
    '-@all',
    '+@read',
    '+@write',
    '+@keyspace',
    '+@scripting',
    '+@transaction',
    '+@connection',
    '-@dangerous',
    '+info',
    '+ping',
  ];
  // Redis 6.0 has no channel permissions (added in 6.2): `resetchannels` would be a syntax error there.
  return supportsChannels(redisVersion) ? rules : rules.filter((r) => r !== 'resetchannels');
}

export function supportsChannels(redisVersion: string): boolean {
  const [major = 0, minor = 0] = redisVersion.split('.').map(Number);
  return major > 6 || (major === 6 && minor >= 2);
}

/** The full rule string for `ACL SETUSER name …` / a `user name …` line of redis.conf. */
export function appAclRule(password: string, namespace = DEFAULT_NAMESPACE, redisVersion = '7.0'): string {
  return ['on', `>${password}`, ...appAclRules(namespace, redisVersion)].join(' ');
}

export const ACL_USER_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
export const NAMESPACE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
