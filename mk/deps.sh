#!/bin/sh
# mk/deps.sh: make sure the Debian 12 packages that `make run` and
# `make check` need are installed.  Prints nothing when all are there.
# As root it installs what is missing; otherwise it prints the one
# apt-get line to run and exits 100.
#
# Exit: 0 all present (or installed now), 100 missing and not root,
# 111 apt-get failed.

DEBIAN_PACKAGES="build-essential pkg-config libssl-dev libsodium-dev openssl
ucspi-tcp bats python3 isync systemd clang libclang-rt-14-dev procps
libargon2-dev libcrypt-dev nmh python3-django python3-argon2 python3-bcrypt util-linux
dovecot-imapd strace nodejs npm"

# provided PKG: an installed package provides PKG (NodeSource's nodejs
# provides, and conflicts with, Debian's npm).
provided() {
  dpkg-query -W -f='${db:Status-Abbrev}|${Provides}\n' 2>/dev/null | grep '^ii ' |
    cut -d'|' -f2 | tr ',' '\n' | sed 's/([^)]*)//; s/^ *//; s/ *$//' | grep -qx "$1"
}

missing=
for pkg in $DEBIAN_PACKAGES; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)
  if [ "$status" != "install ok installed" ] && ! provided "$pkg"; then
    missing="${missing:+$missing }$pkg"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "asimap: missing Debian packages; as root run:" >&2
  echo "apt-get install -y $missing" >&2
  exit 100
fi

echo "asimap: info: installing Debian packages: $missing" >&2
apt-get update || { echo "asimap: fatal: unable to run apt-get update" >&2; exit 111; }
# shellcheck disable=SC2086 # $missing is a list of words
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing ||
  { echo "asimap: fatal: unable to install: $missing" >&2; exit 111; }
exit 0
