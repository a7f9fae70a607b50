// The plan's load for `npm run bench:http`: requests sent at evenly spaced instants (an open loop), not in bursts.
//
// autocannon's `overallRate` lets each connection send its share at the start of every second, so 50 requests/s
// arrive as one burst of 50 (5 deep on each of 10 connections) and the latency measured is that burst's queue,
// not the plan's load. Here request i is due at start + i / rate; its latency is counted from the instant it was
// due (not from when it was sent), so a client that falls behind cannot hide the wait (no coordinated omission).
import { Agent, request } from 'node:http';

export interface PacedJob {
  url: string;
  headers: Record<string, string>;
  /** Sockets kept alive and shared by the requests. */
  connections: number;
  durationSec: number;
  /** Requests per second, evenly spaced. */
  rate: number;
}

export interface PacedResult {
  requests: number;
  non2xx: number;
  errors: number;
  /** Latencies in ms from each request's due instant to its last response byte. */
  latencies: number[];
  /** Largest delay between a request's due instant and its send (the generator's own lag), ms. */
  maxSendLagMs: number;
  /** TCP connections the generator opened (more than `connections` means the server closed idle keep-alive ones). */
  connectionsOpened: number;
}

/** Runs `job` and resolves when every request sent has answered (or failed). */
export function runPaced(job: PacedJob): Promise<PacedResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.connections });
  let connectionsOpened = 0;
  const createConnection = agent.createConnection.bind(agent);
  agent.createConnection = ((...args: Parameters<typeof createConnection>) => {
    connectionsOpened += 1;
    return createConnection(...args);
  }) as typeof agent.createConnection;
  const url = new URL(job.url);
  const total = Math.max(1, Math.round(job.rate * job.durationSec));
  const intervalNs = 1e9 / job.rate;
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let answered = 0;
  let maxSendLagMs = 0;
  const start = process.hrtime.bigint();
  const dueAt = (i: number): bigint => start + BigInt(Math.round(i * intervalNs));

  return new Promise((resolve) => {
    const finish = (): void => {
      answered += 1;
      if (answered === total) {
        agent.destroy();
        resolve({ requests: total, non2xx, errors, latencies, maxSendLagMs, connectionsOpened });
      }
    };
    const send = (i: number): void => {
      const due = dueAt(i);
      maxSendLagMs = Math.max(maxSendLagMs, Number(process.hrtime.bigint() - due) / 1e6);
      const req = request(
        { agent, host: url.hostname, port: url.port, path: url.pathname + url.search, headers: job.headers },
        (res) => {
          if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) non2xx += 1;
          res.resume();
          res.once('end', () => {
            latencies.push(Number(process.hrtime.bigint() - due) / 1e6);
            finish();
          });
        },
      );
      req.once('error', () => {
        errors += 1;
        finish();
      });
      req.end();
    };
    let next = 0;
    const tick = (): void => {
      const now = process.hrtime.bigint();
      while (next < total && dueAt(next) <= now) send(next++);
      if (next >= total) return;
      // sleep until the next due instant (timers are ms-grained: wake a little early, send when due)
      const waitMs = Number(dueAt(next) - process.hrtime.bigint()) / 1e6;
      if (waitMs > 2) setTimeout(tick, Math.floor(waitMs) - 1);
      else setImmediate(tick);
    };
    tick();
  });
}
