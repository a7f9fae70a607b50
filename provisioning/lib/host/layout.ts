import { join } from 'node:path';

/**
 * Every host path provisioning reads or writes, under one prefix (`--root` / PROVISION_ROOT, default `/`), so tests
 * run the real steps in a temp directory and never touch this machine's /etc/redis, /proc/sys or /sys.
 */
export interface Layout {
  readonly root: string;
  readonly osRelease: string;
  readonly configDir: string;
  readonly config: string;
  readonly dataDir: string;
  readonly logDir: string;
  readonly logFile: string;
  readonly runDir: string;
  readonly pidFile: string;
  readonly supervisorPidFile: string;
  readonly supervisorLog: string;
  readonly supervisorScript: string;
  readonly backupDir: string;
  readonly sysctlFile: string;
  readonly tmpfilesFile: string;
  readonly procSys: string;
  readonly thpDir: string;
  readonly systemdMarker: string;
  /** systemd drop-in raising the open-files limit of redis-server.service. */
  readonly unitDropIn: string;
}

export function layoutFor(root = '/', osRelease?: string): Layout {
  const at = (p: string): string => join(root, p);
  return {
    root,
    osRelease: osRelease ?? at('/etc/os-release'),
    configDir: at('/etc/redis'),
    config: at('/etc/redis/redis.conf'),
    dataDir: at('/var/lib/redis'),
    logDir: at('/var/log/redis'),
    logFile: at('/var/log/redis/redis-server.log'),
    runDir: at('/run/redis'),
    pidFile: at('/run/redis/redis-server.pid'),
    supervisorPidFile: at('/run/redis/supervisor.pid'),
    supervisorLog: at('/var/log/redis/supervisor.log'),
    supervisorScript: at('/usr/local/sbin/fastnpc-redis-supervise'),
    backupDir: at('/var/backups/redis'),
    sysctlFile: at('/etc/sysctl.d/60-fastnpc-redis.conf'),
    tmpfilesFile: at('/etc/tmpfiles.d/fastnpc-redis-thp.conf'),
    procSys: at('/proc/sys'),
    thpDir: at('/sys/kernel/mm/transparent_hugepage'),
    systemdMarker: at('/run/systemd/system'),
    unitDropIn: at('/etc/systemd/system/redis-server.service.d/fastnpc-limits.conf'),
  };
}
