// The machine's floor at the plan's load for `npm run bench:http`: a bare node:http server in its own process (no
// framework, no cluster, no cache) answering a constant body, loaded by the same paced generator as the service.
// Its p99 is what this host, at this moment, gives a request that does no work at all: when even it is ≥ the
// plan's 5 ms, the tail measured for the service is the host's, and the p99 goal is not judged.
import { type ChildProcess, spawn } from 'node:child_process';
import { WORKER_V8_FLAGS } from '../src/service/cluster.ts';

const SERVER = `
const server = require('node:http').createServer((request, response) => {
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.end('{"status":"ok"}');
});
server.keepAliveTimeout = 72_000; // as the service's servers (Fastify's default)
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

export interface Floor {
  url: string;
  stop(): Promise<void>;
}

export async function startFloor(): Promise<Floor> {
  const child: ChildProcess = spawn(process.execPath, [...WORKER_V8_FLAGS, '-e', SERVER], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the floor server exited with code ${code}`)));
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
  });
  child.removeAllListeners('exit');
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
