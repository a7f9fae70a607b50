/**
 * An external target's fault environment: the deployment's own workers, Redis and PostgreSQL, acted on through
 * the operator's FAULT_*_CMD commands (fault-control.ts). Only the guarded run exists there: the control needs
 * the reference service's switch (FASTNPC_INVALIDATOR=off), which a deployment does not have.
 */

import { acceptanceEnv } from '../../environment.ts';
import type { TargetInfo } from '../../target/index.ts';
import { commandFaultControl } from './fault-control.ts';
import type { FaultEnvironment } from './fault-run.ts';

export function externalFaultEnvironment(info: TargetInfo, env: NodeJS.ProcessEnv = acceptanceEnv()): FaultEnvironment {
  const [worker1, worker2] = info.workerUrls;
  if (!worker1 || !worker2 || !info.databaseUrl) {
    throw new Error('fault rows on an external target need WORKER1_URL, WORKER2_URL and DATABASE_URL');
  }
  return {
    workerUrls: [worker1, worker2],
    redisUrl: info.redisUrl,
    ...(info.redisPassword ? { redisPassword: info.redisPassword } : {}),
    databaseUrl: info.databaseUrl,
    control: commandFaultControl(env),
    stop: async () => {},
  };
}
