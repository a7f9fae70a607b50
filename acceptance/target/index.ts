/**
 * The target switch: which system the acceptance suites and the gate prove. `local` starts a private redis-server
 * (the repository's redis.conf, password + app ACL user), a private PostgreSQL and the two-worker reference service;
 * `containers` does the same with testcontainers when a Docker engine answers; `external` takes URLs of a deployment.
 */

import { RedisTopologyError, type TopologyKind, topologyKind } from '../../src/redis/topology.ts';
import { parseDefects as parseServiceDefects } from '../../src/service/defects.ts';
import { acceptanceEnv } from '../environment.ts';
import { probeContainerRuntime } from './containers.ts';
import { externalTarget } from './external.ts';
import { embeddedTarget } from './local.ts';
import { parseProfileName } from './profile.ts';
import { type StartedTarget, TARGET_KINDS, TargetError, type TargetKind, type TargetRequest } from './types.ts';

export { PROFILE_NAMES, type ProfileName, parseProfileName, profileFor } from './profile.ts';
export * from './types.ts';

/** Defect names the reference service emulates (the list and its check live in src/service/defects.ts). */
export function parseDefects(raw: string | undefined): string[] {
  try {
    return [...parseServiceDefects(raw)];
  } catch (error) {
    throw new TargetError('E_TARGET_CONFIG', (error as Error).message);
  }
}

/** Reads the target from ACCEPTANCE_TARGET and friends (flags of the gate are turned into the same variables). */
export function targetFromEnv(env: NodeJS.ProcessEnv = acceptanceEnv()): TargetRequest {
  const raw = (env.ACCEPTANCE_TARGET ?? '').trim().toLowerCase();
  if (raw && !(TARGET_KINDS as readonly string[]).includes(raw)) {
    throw new TargetError(
      'E_TARGET_CONFIG',
      `ACCEPTANCE_TARGET must be one of ${TARGET_KINDS.join(', ')}, got "${raw}"`,
    );
  }
  let profile: TargetRequest['profile'];
  try {
    profile = parseProfileName(env.ACCEPTANCE_PROFILE);
  } catch (error) {
    throw new TargetError('E_TARGET_CONFIG', `ACCEPTANCE_PROFILE: ${(error as Error).message}`);
  }
  let topology: TopologyKind;
  try {
    topology = topologyKind(env.ACCEPTANCE_TOPOLOGY);
  } catch (error) {
    if (!(error instanceof RedisTopologyError)) throw error;
    throw new TargetError(
      'E_TARGET_CONFIG',
      `ACCEPTANCE_TOPOLOGY (--topology) must be one of single, sentinel, cluster, got ${JSON.stringify(env.ACCEPTANCE_TOPOLOGY)}`,
    );
  }
  const kind = (raw || 'local') as TargetKind;
  if (topology !== 'single' && kind !== 'local') {
    throw new TargetError(
      'E_TARGET_CONFIG',
      `--topology ${topology} (ACCEPTANCE_TOPOLOGY) applies to the embedded local target only, not ${kind}: ` +
        'only the local stack starts a Sentinel topology or a Cluster (an external deployment is proven on whatever it runs)',
    );
  }
  const workerUrls = [env.WORKER1_URL, env.WORKER2_URL].filter((u): u is string => Boolean(u));
  return {
    kind,
    explicit: Boolean(raw),
    baseUrl: env.BASE_URL || undefined,
    workerUrls,
    redisUrl: env.REDIS_URL || undefined,
    databaseUrl: env.DATABASE_URL || undefined,
    profile,
    defects: parseDefects(env.FASTNPC_EMULATE_DEFECTS),
    topology,
  };
}

export async function startTarget(
  request: TargetRequest,
  log: (line: string) => void = () => {},
): Promise<StartedTarget> {
  let kind = request.kind;
  if (kind === 'auto' || kind === 'containers') {
    const probe = await probeContainerRuntime();
    if (!probe.ok) {
      if (kind === 'containers') {
        throw new TargetError(
          'E_NO_CONTAINER_RUNTIME',
          `ACCEPTANCE_TARGET=containers but no container runtime answers (${probe.reason}); use local or external`,
        );
      }
      log(`no container runtime (${probe.reason}): using the local stack`);
      kind = 'local';
    } else {
      kind = 'containers';
    }
  }
  if (kind === 'external') return externalTarget(request);
  return await embeddedTarget(kind, {
    profile: request.profile,
    defects: request.defects,
    topology: kind === 'local' ? request.topology : 'single',
  });
}

/** The handed-over target: the gate starts it once and the acceptance globalSetup picks it up in the same process. */
export const HANDOVER = Symbol.for('fastnpc.gate.target');
export function handedOverTarget(): StartedTarget | undefined {
  return (globalThis as Record<symbol, StartedTarget | undefined>)[HANDOVER];
}
export function handOverTarget(target: StartedTarget | undefined): void {
  (globalThis as Record<symbol, StartedTarget | undefined>)[HANDOVER] = target;
}
