import type { Layout } from '../host/layout.ts';
import { must, readText, type Target, writeFileAtomic } from '../host/target.ts';

/**
 * The no-systemd path (containers, CI): a small POSIX sh supervisor runs redis-server in the foreground on the same
 * file as the systemd unit would, as the redis user, restarts it when it exits (giving up after 5 failed starts in a
 * row) and stops it on SIGTERM. Installed on the target, so it works over SSH too.
 */
export const SUPERVISOR_SCRIPT = `#!/bin/sh
# fastnpc-redis-supervise CONFIG SUPERVISOR_PIDFILE USER — installed by \`npm run provision\` where there is no systemd.
# Runs redis-server in the foreground on CONFIG as USER and restarts it when it exits; SIGTERM stops both.
set -u
conf=$1; pidfile=$2; user=$3
echo $$ > "$pidfile"
# maxclients 10000 needs about 10032 descriptors (the systemd path sets LimitNOFILE=65536 the same way).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
child=""; stopping=0; failures=0
stop() { stopping=1; if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; fi; }
trap stop TERM INT HUP
while [ "$stopping" = 0 ]; do
  started=$(date +%s)
  setpriv --reuid="$user" --regid="$user" --init-groups -- redis-server "$conf" --daemonize no &
  child=$!
  echo "$(date -u +%FT%TZ) supervise: started redis-server (pid $child) on $conf"
  status=0
  wait "$child" || status=$?
  while kill -0 "$child" 2>/dev/null; do wait "$child" || status=$?; done
  echo "$(date -u +%FT%TZ) supervise: redis-server (pid $child) exited with status $status"
  child=""
  [ "$stopping" = 1 ] && break
  # A clean exit (status 0: SIGTERM from provisioning's restart, SHUTDOWN) is restarted without counting; a failure
  # within 10 s of its start counts, and 5 in a row mean a config or host problem: give up like systemd would.
  if [ "$status" -ne 0 ] && [ $(( $(date +%s) - started )) -lt 10 ]; then failures=$((failures + 1)); else failures=0; fi
  if [ "$failures" -ge 5 ]; then echo "$(date -u +%FT%TZ) supervise: 5 failed starts in a row, giving up"; break; fi
  sleep 1
done
rm -f "$pidfile"
`;

export interface SupervisorState {
  supervisorPid?: number;
  redisPid?: number;
  scriptCurrent: boolean;
}

async function alivePid(target: Target, pidFile: string): Promise<number | undefined> {
  const text = await readText(target, pidFile);
  const pid = Number(text?.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const alive = await target.exec(['kill', '-0', String(pid)]);
  return alive.exitCode === 0 ? pid : undefined;
}

export async function supervisorState(target: Target, layout: Layout): Promise<SupervisorState> {
  const script = await readText(target, layout.supervisorScript);
  const supervisorPid = await alivePid(target, layout.supervisorPidFile);
  const redisPid = supervisorPid ? await alivePid(target, layout.pidFile) : undefined;
  return { supervisorPid, redisPid, scriptCurrent: script === SUPERVISOR_SCRIPT };
}

export async function installSupervisor(target: Target, layout: Layout): Promise<void> {
  await writeFileAtomic(target, layout.supervisorScript, SUPERVISOR_SCRIPT, {
    owner: 'root',
    group: 'root',
    mode: '0755',
  });
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts the supervisor detached (setsid) and waits until redis-server has written its pidfile. */
export async function startSupervised(target: Target, layout: Layout): Promise<number> {
  await must(target, 'starting the supervisor', [
    'sh',
    '-c',
    'setsid -f "$1" "$2" "$3" redis >>"$4" 2>&1 </dev/null',
    'sh',
    layout.supervisorScript,
    layout.config,
    layout.supervisorPidFile,
    layout.supervisorLog,
  ]);
  return await waitFor('redis-server did not start under the supervisor', 15_000, async () => {
    const state = await supervisorState(target, layout);
    return state.redisPid;
  });
}

/** Restarts redis-server under a running supervisor (SIGTERM: a clean shutdown; the supervisor starts it again). */
export async function restartSupervised(target: Target, layout: Layout, oldPid: number): Promise<number> {
  await target.exec(['kill', '-TERM', String(oldPid)]);
  return await waitFor('redis-server did not come back under the supervisor', 20_000, async () => {
    const pid = await alivePid(target, layout.pidFile);
    return pid !== undefined && pid !== oldPid ? pid : undefined;
  });
}

/** Stops the supervisor and its redis-server. */
export async function stopSupervised(target: Target, layout: Layout): Promise<void> {
  const state = await supervisorState(target, layout);
  if (!state.supervisorPid) return;
  await target.exec(['kill', '-TERM', String(state.supervisorPid)]);
  await waitFor('the supervisor did not stop', 20_000, async () =>
    (await target.exec(['kill', '-0', String(state.supervisorPid)])).exitCode === 0 ? undefined : true,
  );
}
