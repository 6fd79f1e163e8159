# bench/lib.sh: a throw-away world and a TLS listener for the benchmarks,
# the way t/lib/common.bash sets one up for the bats suites (copied, not
# shared: the benchmarks do not depend on bats).  POSIX sh; source it with
# BIN set to the build directory.
#
#	bench_world USER...	a world in $W with one account per USER, each
#				with password $BENCH_PW (the default hasher,
#				written by asimapd_set_password), a small MH
#				inbox, a certificate and a rundir
#	bench_server [asimap-accept options]
#				tcpserver on a free 127.0.0.1 port (sets PORT)
#	bench_teardown		stops what bench_server started, removes $W

BENCH_PW=bench-password-1
BENCH_PY=/usr/bin/python3

# The service user: nobody when run as root, as the suites do.
if [ "$(id -u)" = 0 ]; then
	SVC_UID=$(id -u nobody)
	SVC_GID=$(id -g nobody)
else
	SVC_UID=$(id -u)
	SVC_GID=$(id -g)
fi

bench_fatal() {
	echo "bench: fatal: $*" >&2
	exit 111
}

free_port() {
	$BENCH_PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PORT: until something accepts on it (5 s at most).
wait_port() {
	i=0
	while [ $i -lt 100 ]; do
		$BENCH_PY -c "import socket; socket.create_connection(('127.0.0.1',$1),1)" 2>/dev/null &&
			return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

bench_world() {
	W=$(mktemp -d /tmp/asimap-bench.XXXXXX) || bench_fatal "unable to make a temporary directory"
	SERVER_PID=
	chmod 755 "$W"
	mkdir -p "$W/rundir"
	for u in "$@"; do
		mkdir -p "$W/mail/$u/inbox"
		for i in 1 2 3; do
			printf 'From: s%d@example.org\nTo: %s@example.org\nSubject: message %d\nDate: Mon, 2 Nov 2026 10:00:00 +0000\nMessage-ID: <%d.%s@example.org>\n\nBody %d.\n' \
				"$i" "$u" "$i" "$i" "$u" "$i" >"$W/mail/$u/inbox/$i"
		done
		"$BIN/asimapd_set_password" --pwfile="$W/passwd" "$u" "$BENCH_PW" "mail/$u" ||
			bench_fatal "unable to add user $u"
	done
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=localhost -keyout "$W/key.pem" -out "$W/cert.pem" 2>/dev/null ||
		bench_fatal "unable to make a certificate"
	chmod 600 "$W/key.pem" "$W/passwd"
	chown -R "$SVC_UID:$SVC_GID" "$W"
	export PWFILE="$W/passwd" SSL_CERT="$W/cert.pem" SSL_KEY="$W/key.pem" ASIMAP_RUNDIR="$W/rundir"
}

bench_server() {
	drop=
	[ "$(id -u)" = 0 ] && drop="-u $SVC_UID -g $SVC_GID"
	PORT=$(free_port)
	# shellcheck disable=SC2086 # $drop is two options or none
	tcpserver $drop -c 200 -HRl0 127.0.0.1 "$PORT" "$BIN/asimap-accept" "$@" \
		2>>"$W/server.log" &
	SERVER_PID=$!
	wait_port "$PORT" || bench_fatal "unable to start tcpserver on 127.0.0.1:$PORT"
}

bench_teardown() {
	[ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
	[ -n "${W:-}" ] && [ -d "$W" ] || return 0
	# The per-user supervisors our listener started, found by their world.
	for p in $(pgrep -f "asimap-user [^ ]+ $W/" || true); do
		kill "$p" 2>/dev/null
	done
	i=0
	while [ $i -lt 50 ] && pgrep -f "asimap-user [^ ]+ $W/" >/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	rm -rf "$W"
	W=
}
