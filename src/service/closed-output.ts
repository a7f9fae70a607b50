/**
 * A service process whose stdout/stderr pipe has lost its reader (the gate or a terminal that started it is gone)
 * must still stop cleanly: its "stopping…" line would otherwise raise EPIPE as an uncaught error and kill it
 * half-way, leaving its workers behind. Writes to a closed pipe are dropped instead; other stream errors still throw.
 */
export function survivePipeLoss(streams: NodeJS.WritableStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
      throw error;
    });
  }
}
