import { survivePipeLoss } from './closed-output.ts';
import { consoleLogger, startWorker } from './worker.ts';

/** Entry of one cluster worker (forked by cluster.ts with WORKER_INDEX, PORT and the shared secret in its env). */
async function main(): Promise<void> {
  survivePipeLoss();
  const worker = await startWorker();
  process.send?.({ type: 'ready', index: worker.config.workerIndex, urls: worker.urls });
  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    consoleLogger.info({ worker: worker.config.workerIndex, reason }, 'worker shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await worker.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('disconnect', () => void stop('primary gone'));
}

main().catch((error: unknown) => {
  consoleLogger.error({ err: error instanceof Error ? error.message : String(error) }, 'worker failed to start');
  process.exit(1);
});
