/**
 * Synchronous clean-up hooks run when the process exits for any reason (normal exit, uncaught error, SIGINT,
 * SIGTERM), so a failed test never leaves a private redis-server or PostgreSQL behind.
 */
const hooks = new Set<() => void>();
let installed = false;

function runAll(): void {
  for (const hook of [...hooks]) {
    try {
      hook();
    } catch {
      // best effort: the process is going away
    }
  }
  hooks.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', runAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      runAll();
      // Where nobody else handles the signal (e.g. a graceful-shutdown handler), keep its default: die by it.
      if (process.listenerCount(signal) === 1) {
        process.off(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

/** Registers a synchronous clean-up; returns a function that removes it again. */
export function onProcessExit(hook: () => void): () => void {
  install();
  hooks.add(hook);
  return () => hooks.delete(hook);
}
