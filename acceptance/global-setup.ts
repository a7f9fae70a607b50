/**
 * globalSetup of the acceptance project: starts the target once (or takes the one the gate handed over) and
 * provides its URLs and credentials to every suite through `inject('target')`.
 */
import type { TestProject } from 'vitest/node';
import { maskUrlCredentials } from '../src/secrets/redact.ts';
import { clearRecords } from './record-format.ts';
import {
  handedOverTarget,
  type StartedTarget,
  startTarget,
  TargetError,
  type TargetInfo,
  targetFromEnv,
} from './target/index.ts';

/** A URL's password never reaches stderr: `http://qa:***@host` (the gate's own output is masked the same way). */
const say = (text: string): void => console.error(maskUrlCredentials(text));

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
      own = await startTarget(request, (line) => say(`[acceptance] ${line}`));
    } catch (error) {
      if (error instanceof TargetError && error.code === 'E_NO_CONTAINER_RUNTIME') {
        // One line, and a non-zero exit because `containers` was asked for explicitly.
        say(`[acceptance] ${error.message}`);
      }
      throw error;
    }
  }
  const target = (handed ?? own) as StartedTarget;
  say(
    `[acceptance] target ${target.info.kind}: ${target.info.baseUrl} workers ${target.info.workerUrls.join(' ') || '(none exposed)'}`,
  );
  for (const note of target.info.notes) say(`[acceptance] note: ${note}`);
  project.provide('target', target.info);
  return async () => {
    await own?.stop();
  };
}
