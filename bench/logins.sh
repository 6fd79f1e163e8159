#!/bin/sh
# bench/logins.sh: logins per second over TLS with the default hash
# (pbkdf2_sha256, as asimapd_set_password writes it), against
# tcpserver + asimap-accept --tls on a free 127.0.0.1 port in a throw-away
# world, run as nobody when started as root.  See bench/README.md.
#
#	BUILD=build sh bench/logins.sh [SECONDS]
#
# SECONDS (default 10, or BENCH_LOGIN_SECONDS) is the length of each of
# the three runs: 1 worker, 2 workers, 2 workers as one user.  Prints the
# table of bench/logins.py.  Exit: 0 done, 1 some logins failed, 111 the
# world or the server could not be set up.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=$(cd "$HERE/.." && cd "${BUILD:-build}" && pwd) || exit 111
SECONDS_EACH=${1:-${BENCH_LOGIN_SECONDS:-10}}
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

for prog in asimap-accept asimap-user asimapd_set_password; do
	[ -x "$BIN/$prog" ] || bench_fatal "unable to find $BIN/$prog: run make first"
done
command -v tcpserver >/dev/null || bench_fatal "unable to find tcpserver: install ucspi-tcp"

trap bench_teardown EXIT
trap 'exit 111' INT TERM HUP
bench_world b1 b2
bench_server --tls
$BENCH_PY "$HERE/logins.py" --port "$PORT" --users b1,b2 --password "$BENCH_PW" \
	--workers 1,2 --same-user --seconds "$SECONDS_EACH"
rc=$?
if [ $rc != 0 ] && [ -s "$W/server.log" ]; then
	echo "bench/logins.sh: the server said (last lines):" >&2
	tail -20 "$W/server.log" >&2
fi
exit $rc
