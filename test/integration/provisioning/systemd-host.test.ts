/** The real-host scenario (systemd-host-scenario.ts) on Debian 12: Redis 7.0.15, systemd 252. */
import { systemdHostScenario } from './systemd-host-scenario.ts';

systemdHostScenario('debian12');
