#!/usr/bin/env bash
# Installs only the Debian/Ubuntu packages `npm start` / `npm run gate` needs for its embedded target on a CI runner:
# redis-server + redis-tools (the private Redis) and postgresql (initdb/pg_ctl for the private database). The full
# set for the harness's own tests is scripts/install-system-deps.sh. As root, or through passwordless sudo (GitHub's
# hosted runners). Safe to run again (installs only what is missing).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
if ((${#need[@]} == 0)); then
  echo "Debian packages for the gate present: redis-server redis-tools postgresql"
  exit 0
fi
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then
    as_root=(sudo -n --preserve-env=DEBIAN_FRONTEND)
  else
    echo "missing Debian packages: ${need[*]} — run as root: apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi
echo "installing Debian packages for the gate: ${need[*]}"
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"
