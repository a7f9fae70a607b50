/**
 * The real-host scenario (systemd-host-scenario.ts) on Debian 11: Redis 6.0.16 — the upstream version Ubuntu 22.04
 * ships — and systemd 247. Its own file so vitest runs it beside the Debian 12 one (CI time).
 */
import { systemdHostScenario } from './systemd-host-scenario.ts';

systemdHostScenario('debian11');
