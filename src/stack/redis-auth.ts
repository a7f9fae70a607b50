/**
 * Passwords and ACL users of a replicated topology's data nodes, applied over a connection (never argv): each node
 * gets the ACL users (ACLs are not replicated: a replica needs them before it is promoted), `masterauth` to sync
 * with whichever node is primary, then `requirepass` for the `default` user (the admin). Sentinels get
 * `auth-pass` first, so they keep reaching the nodes.
 */
import { withRedis } from './redis-probe.ts';

/** An ACL user created on every data node (e.g. the app's user limited to its namespace). */
export interface NodeUser {
  name: string;
  /** Never logged. */
  password: string;
  /** Rules after `reset on >password`, e.g. provisioning's `appAclRules()`. */
  rules: string[];
}

/** Auth of every data node of a topology. */
export interface NodeAuth {
  /** `requirepass` (the `default` user) and `masterauth` of every node; never logged, never in argv. */
  password: string;
  /** ACL users created on every node. @default [] */
  users?: NodeUser[];
}

/**
 * Applies `auth` to the data nodes on `ports` (still without a password), Sentinels on `sentinels.ports` first
 * (reached with `sentinels.password`, their own, when they have one).
 */
export async function applyNodeAuth(
  ports: readonly number[],
  auth: NodeAuth,
  sentinels: { ports: readonly number[]; masterName: string; password?: string | undefined } | undefined = undefined,
): Promise<void> {
  for (const port of ports) await withRedis(port, (c) => c.config('SET', 'masterauth', auth.password));
  for (const port of sentinels?.ports ?? []) {
    await withRedis(
      port,
      (c) => c.call('SENTINEL', 'SET', sentinels!.masterName, 'auth-pass', auth.password),
      sentinels?.password,
    );
  }
  for (const port of ports) {
    await withRedis(port, async (c) => {
      for (const user of auth.users ?? []) {
        await c.call('ACL', 'SETUSER', user.name, 'reset', 'on', `>${user.password}`, ...user.rules);
      }
      await c.config('SET', 'requirepass', auth.password);
    });
  }
}
