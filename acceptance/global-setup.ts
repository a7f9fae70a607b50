/**
 * globalSetup of the acceptance project: starts the target once (or takes the one the gate handed over) and
 * provides its URLs and credentials to every suite through `inject('target')`.
 */
import type { TestProject } from 'vitest/node';
import { clearRecords } from './record-format.ts';
import {
  handedOverTarget,
  type StartedTarget,
  startTarget,
  TargetError,
  type TargetInfo,
  targetFromEnv,
} from './target/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    target: TargetInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const handed = handedOverTarget();
  let own: StartedTarget | undefined;
  if (!handed) {
    clearRecords();
    const request = targetFromEnv();
    try {
      own = await startTarget(request, (line) => console.error(`[acceptance] ${line}`));
    } catch (error) {
      if (error instanceof TargetError && error.code === 'E_NO_CONTAINER_RUNTIME') {
        // One line, and a non-zero exit because `containers` was asked for explicitly.
        console.error(`[acceptance] ${error.message}`);
      }
      throw error;
    }
  }
  const target = (handed ?? own) as StartedTarget;
  console.error(
    `[acceptance] target ${target.info.kind}: ${target.info.baseUrl} workers ${target.info.workerUrls.join(' ') || '(none exposed)'}`,
  );
  for (const note of target.info.notes) console.error(`[acceptance] note: ${note}`);
  project.provide('target', target.info);
  return async () => {
    await own?.stop();
  };
}
