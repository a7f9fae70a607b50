#!/usr/bin/env bash
# Installs the Debian packages the harness needs, only those missing: redis-server and redis-tools (the cache),
# postgresql (initdb/pg_ctl for the private database), iproute2 (network namespaces for provisioning tests),
# debootstrap + systemd-container + openssh-client (the real systemd test host: a Debian 12 root booted with
# systemd-nspawn and reached over SSH; installing systemd-container also upgrades this machine's systemd package),
# chromium (the report screenshot test).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v systemd-nspawn >/dev/null 2>&1 || need+=(systemd-container)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
# Headless Chromium renders reports/latest/gate.html in the screenshot test (test/integration/gate/).
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# A CJK font, so gate.html shows the seeded Chinese character names (李白) instead of empty boxes in Chromium.
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-noto-cjk)
# promtool (Debian's prometheus package): the alerting rules' checks and rule tests (monitoring/, docs/alerts.md).
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
if ((${#need[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${need[*]} — run as root: apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "installing Debian packages: ${need[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
else
  echo "Debian packages present: redis-server redis-tools postgresql iproute2 debootstrap systemd-container openssh-client chromium"
fi
