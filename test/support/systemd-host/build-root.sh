#!/usr/bin/env bash
# Builds (once per machine and release) the Debian root of the real systemd test host: debootstrap + systemd + sshd +
# sudo, a key for root and for the sudo user `ops`, networkd on. Usage: build-root.sh CACHE_DIR [bookworm|bullseye]
# bookworm = Debian 12 (Redis 7.0.15, systemd 252), bullseye = Debian 11 (Redis 6.0.16 as Ubuntu 22.04, systemd 247).
# The root is never booted directly: every test host runs on a fresh overlay over it (host.ts), so it stays pristine
# and several runs on one machine do not share a machine.
# The root is built in CACHE_DIR/systemd-host.partial and renamed only when complete, with a marker naming this
# script's BUILD version last: an interrupted build (no marker, or another version) is thrown away and redone.
set -euo pipefail
BUILD=4
cache="${1:?usage: build-root.sh CACHE_DIR [bookworm|bullseye]}"
suite="${2:-bookworm}"
case "$suite" in
  bookworm) name=debian12 ;;
  bullseye) name=debian11 ;;
  *) echo "build-root.sh: unknown release $suite (bookworm or bullseye)" >&2; exit 2 ;;
esac
root="$cache/$name-root"
partial="$cache/$name-root.partial"
key="$cache/$name-id_ed25519"
marker="$root/.fastnpc-harness-built"
mkdir -p "$cache"
chmod 0700 "$cache"
# one lock per release: the Debian 11 and Debian 12 roots build side by side
exec 9>"$cache/.build-$name.lock"
flock 9
if [ -f "$marker" ] && [ "$(cat "$marker")" = "$BUILD" ] && [ -f "$key" ]; then
  echo "systemd host root: cached at $root"
  exit 0
fi
echo "systemd host root: building $root (debootstrap $suite, about a minute)"
rm -rf "$root" "$partial" "$key" "$key.pub"
# The mirror this machine's own apt uses (the proxy only lets the test host reach that host).
mirror="$(node "$(dirname "$0")/apt-mirror.mjs" url)"
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,dbus,openssh-server,sudo,iproute2,procps,apt-utils \
  "$suite" "$partial" "$mirror" >"$cache/debootstrap-$name.log" 2>&1 || {
  tail -20 "$cache/debootstrap-$name.log" >&2
  exit 1
}
ssh-keygen -q -t ed25519 -N '' -C "fastnpc-harness-systemd-host-$name" -f "$key"
in_root() { chroot "$partial" "$@"; }
echo fastnpc-host >"$partial/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 fastnpc-host\n::1 localhost\n' >"$partial/etc/hosts"
printf 'deb %s %s main\n' "$mirror" "$suite" >"$partial/etc/apt/sources.list"
install -d -m 0700 "$partial/root/.ssh"
install -m 0600 "$key.pub" "$partial/root/.ssh/authorized_keys"
in_root useradd -m -s /bin/bash ops
install -d -m 0700 "$partial/home/ops/.ssh"
install -m 0600 "$key.pub" "$partial/home/ops/.ssh/authorized_keys"
in_root chown -R ops:ops /home/ops/.ssh
echo 'ops ALL=(ALL) NOPASSWD: ALL' >"$partial/etc/sudoers.d/ops"
chmod 0440 "$partial/etc/sudoers.d/ops"
in_root systemctl enable systemd-networkd.service ssh.service >/dev/null 2>&1
# Nothing may hold the dpkg lock or change packages behind the tests' back.
for unit in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer getty@tty1.service console-getty.service; do
  in_root systemctl mask "$unit" >/dev/null 2>&1 || true
done
printf 'UseDNS no\nPasswordAuthentication no\n' >"$partial/etc/ssh/sshd_config.d/fastnpc-harness.conf"
rm -f "$partial/etc/machine-id" && : >"$partial/etc/machine-id"
mv "$partial" "$root"
echo "$BUILD" >"$marker"
echo "systemd host root: built $root ($(du -sm "$root" | cut -f1) MB)"
