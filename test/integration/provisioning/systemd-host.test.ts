/**
 * The real-host scenario (systemd-host-scenario.ts) on Debian 12 (Redis 7.0.15, systemd 252) and Debian 11 (Redis
 * 6.0.16 — the upstream version Ubuntu 22.04 ships —, systemd 247), the two side by side.
 */
import { systemdHostScenario } from './systemd-host-scenario.ts';

systemdHostScenario('debian12');
systemdHostScenario('debian11');
