import { ProvisionError } from '../command/errors.ts';
import { mask } from '../command/secrets.ts';
import type { Target } from '../host/target.ts';

/**
 * Starts redis-server on the candidate in a temp dir on a spare port, waits for "Ready to accept connections" (or
 * its death), then kills it. Redis has no config-test flag: this is the only honest check. The file travels on
 * stdin into a 0700 temp dir (it may hold passwords) and is removed afterwards.
 */
const SCRIPT = `set -u
d=$(mktemp -d /tmp/fastnpc-candidate.XXXXXX) || exit 90
pid=""
trap 'if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi; rm -rf "$d"' EXIT
sed "s|^dir __CANDIDATE_DIR__$|dir $d|" > "$d/redis.conf"
redis-server "$d/redis.conf" --port "$1" --dir "$d" --pidfile "$d/redis.pid" --logfile "" --daemonize no >"$d/out" 2>&1 &
pid=$!
i=0
while [ "$i" -lt 150 ]; do
  if grep -q "Ready to accept connections" "$d/out"; then echo CANDIDATE-READY; exit 0; fi
  if ! kill -0 "$pid" 2>/dev/null; then wait "$pid"; s=$?; pid=""; cat "$d/out"; exit 3; fi
  sleep 0.1; i=$((i + 1))
done
cat "$d/out"; exit 4`;

export interface CandidateResult {
  ok: boolean;
  /** One line: why Redis refused the file (secrets masked). */
  reason?: string;
  port: number;
}

/** Summarises redis-server's "*** FATAL CONFIG FILE ERROR" block (or the last log lines) in one line. */
export function summariseRejection(output: string): string {
  const lines = output.split('\n').map((l) => l.trim());
  const fatal = lines.findIndex((l) => l.includes('FATAL CONFIG FILE ERROR'));
  if (fatal >= 0) {
    const at = lines[fatal + 1] ?? '';
    const what = lines[fatal + 2] ?? '';
    const why = lines[fatal + 3] ?? '';
    return `${at.replace(/^Reading the configuration file, /, '')}: ${what.replace(/^>>> /, '')} — ${why}`.trim();
  }
  const last = lines.filter((l) => l.length > 0).slice(-2);
  return last.map((l) => l.replace(/^\d+:[A-Z] .*?[*#-] /, '')).join(' / ') || 'redis-server exited';
}

/**
 * Redis applies `dir` while it reads the file (it chdirs there), before command-line overrides: point the
 * throwaway's copy at its temp dir (same line, so reported line numbers match the candidate).
 */
export function forThrowaway(text: string): string {
  // A topology replica's `replicaof` would make the throwaway sync from the primary: not on the throwaway (same line).
  return text
    .replace(/^dir .*$/m, 'dir __CANDIDATE_DIR__')
    .replace(/^replicaof .*$/gm, '# replicaof (not on the throwaway)');
}

export async function validateCandidate(
  target: Target,
  text: string,
  secrets: readonly (string | undefined)[],
): Promise<CandidateResult> {
  let last: CandidateResult = { ok: false, port: 0, reason: 'not run' };
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const result = await target.exec(['sh', '-c', SCRIPT, 'sh', String(port)], {
      input: forThrowaway(text),
      timeoutMs: 30_000,
    });
    if (result.exitCode === 0 && result.stdout.includes('CANDIDATE-READY')) return { ok: true, port };
    const output = mask(`${result.stdout}\n${result.stderr}`, secrets);
    last = {
      ok: false,
      port,
      reason: result.exitCode === 4 ? 'redis-server did not become ready within 15 s' : summariseRejection(output),
    };
    if (!/Address already in use/i.test(output)) break;
  }
  return last;
}

export function rejectCandidate(result: CandidateResult, version: string): never {
  throw new ProvisionError(
    'E_CANDIDATE_REJECTED',
    `candidate config rejected by redis-server ${version} (throwaway on port ${result.port}): ${result.reason}; the live config is untouched`,
  );
}
