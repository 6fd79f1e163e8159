#!/bin/sh
# bench/mail.sh: asimap next to Dovecot on one large generated folder:
# opening it (first open, fresh server, running server), FETCH, SEARCH,
# and a mixed workload of concurrent sessions.  See bench/README.md.
#
#	BUILD=build sh bench/mail.sh
#
# Knobs (environment):
#	BENCH_MAIL_N		messages in the folder (100000)
#	BENCH_MAIL_SECONDS	length of the mixed workload (60)
#	BENCH_MAIL_SESSIONS	sessions of the mixed workload (20)
#	BENCH_MAIL_RUNS		rounds of each timed line; the median is shown (3)
#	BENCH_MAIL_DROP_CACHES	1: drop the page cache before each (a) and (b) open
#	BENCH_MAIL_RENICE	1: put asimap's supervisor back at nice 0 (it inherits
#				asimap-accept's nice 10 of the password check)
#	BENCH_MAIL_TIMEOUT	seconds for the whole measurement (scaled with N)
#	BENCH_MAIL_ONLY		a subset of store,imap,mixed
#	BENCH_MAIL_DIR		where the temporary directory goes (/var/tmp)
#	BENCH_MAIL_RESULTS	file to write the results to when every part
#				succeeded (default bench/results-mail.md when N is
#				100000, else none; "-" for none)
#	BENCH_KEEP		1: keep the temporary directory (its path is printed)
#
# Makes one temporary directory (mktemp under BENCH_MAIL_DIR) with the
# generated MH folder and its Maildir twin, a password file, Dovecot's
# configuration; starts tcpserver + asimap-accept (plain TCP, loopback)
# and Dovecot; runs bench/mail.py; stops both servers and removes the
# directory at the end, on failure too.  Run as root (Dovecot's master
# needs it; mail and servers run as nobody).
# Exit: 0 done, 1 a benchmark failed, 111 the world could not be set up.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BIN=$(cd "$ROOT" && cd "${BUILD:-build}" && pwd) || exit 111
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

N=${BENCH_MAIL_N:-100000}
SECS=${BENCH_MAIL_SECONDS:-60}
SESSIONS=${BENCH_MAIL_SESSIONS:-20}
RUNS=${BENCH_MAIL_RUNS:-3}
DROP=${BENCH_MAIL_DROP_CACHES:-0}
RENICE=${BENCH_MAIL_RENICE:-0}
ONLY=${BENCH_MAIL_ONLY:-store,imap,mixed}
BASE=${BENCH_MAIL_DIR:-/var/tmp}
KEEP=${BENCH_KEEP:-0}
# About 1 s per 1000 messages per round and server, the workload, slack.
TIMEOUT=${BENCH_MAIL_TIMEOUT:-$((120 + SECS * 2 + N * RUNS / 250))}
if [ -z "${BENCH_MAIL_RESULTS:-}" ]; then
	if [ "$N" = 100000 ]; then RESULTS=$HERE/results-mail.md; else RESULTS=-; fi
else
	RESULTS=$BENCH_MAIL_RESULTS
fi
USER_NAME=bench
PW=bench-mail-password

case $N$SECS$SESSIONS$RUNS in
*[!0-9]*) bench_fatal "BENCH_MAIL_N, _SECONDS, _SESSIONS and _RUNS must be whole numbers" ;;
esac
[ "$(id -u)" = 0 ] || bench_fatal "run as root: Dovecot's master needs it (mail is served as nobody)"
for prog in asimap-accept asimap-user; do
	[ -x "$BIN/$prog" ] || bench_fatal "unable to find $BIN/$prog: run make first"
done
command -v tcpserver >/dev/null || bench_fatal "unable to find tcpserver: install ucspi-tcp"
PATH=$PATH:/usr/sbin
command -v dovecot >/dev/null || bench_fatal "unable to find dovecot: install dovecot-imapd"

# Two copies of ~25 KB a message, links for the workload's copies, indexes.
need_kb=$((N * 60 + 200000))
free_kb=$(df -Pk "$BASE" | awk 'NR == 2 { print $4 }')
if [ "$free_kb" -lt "$need_kb" ]; then
	bench_fatal "$BASE has $((free_kb / 1024)) MiB free; $N messages need about $((need_kb / 1024)) MiB (set BENCH_MAIL_DIR or BENCH_MAIL_N)"
fi

W=
SERVER_PID=
DOVE=
CHILD=
teardown() {
	rc=$?
	trap - EXIT INT TERM HUP
	if [ -n "$CHILD" ]; then
		kill "$CHILD" 2>/dev/null || true
		wait "$CHILD" 2>/dev/null || true
	fi
	if [ -n "$DOVE" ]; then
		sh "$HERE/dovecot.sh" stop "$DOVE" || true
	fi
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	if [ -n "$W" ]; then
		for p in $(pgrep -f "asimap-user [^ ]+ $W/" || true); do
			kill "$p" 2>/dev/null || true
		done
		i=0
		while [ $i -lt 50 ] && pgrep -f "asimap-user [^ ]+ $W/" >/dev/null; do
			sleep 0.1
			i=$((i + 1))
		done
		for p in $(pgrep -f "asimap-user [^ ]+ $W/" || true); do
			kill -KILL "$p" 2>/dev/null || true
		done
		if [ "$KEEP" = 1 ]; then
			echo "bench/mail.sh: kept $W" >&2
		else
			rm -rf "$W"
		fi
	fi
	exit $rc
}
trap teardown EXIT
trap 'exit 111' INT TERM HUP

# run COMMAND...: runs it in the background and waits, so that a signal
# stops the benchmark at once (the trap kills it) rather than after it.
run() {
	"$@" &
	CHILD=$!
	wait "$CHILD"
	st=$?
	CHILD=
	return $st
}

W=$(mktemp -d "$BASE/asimap-bench.XXXXXX") || bench_fatal "unable to make a directory in $BASE"
chmod 755 "$W"
echo "bench/mail.sh: generating $N messages in $W ($((free_kb / 1024)) MiB free)" >&2
MH=$W/mail/$USER_NAME
MD=$W/maildir
run $BENCH_PY "$HERE/gen_mail.py" --count "$N" --maildir "$MD" --manifest "$W/manifest.json" "$MH/inbox" ||
	bench_fatal "unable to generate the messages"
# The workload's copies: the message files linked (neither server ever
# writes into a message file), the flags copied.
mkdir "$MH/work" "$MD/.work" "$MD/.work/cur" "$MD/.work/new" "$MD/.work/tmp"
(cd "$MH/inbox" && find . -maxdepth 1 -type f -name '[0-9]*' -exec ln -t "$MH/work" {} +)
cp "$MH/inbox/.mh_sequences" "$MH/work/"
(cd "$MD/cur" && find . -type f -exec ln -t "$MD/.work/cur" {} +)
: >"$MD/.work/maildirfolder"

mkdir -p "$W/rundir"
hash=$($BENCH_PY - "$PW" <<'PY'
import base64, hashlib, sys
# Cheap on purpose (1000 iterations): logins are not what is measured here.
salt = "benchmailsalt"
dk = hashlib.pbkdf2_hmac("sha256", sys.argv[1].encode(), salt.encode(), 1000)
print("pbkdf2_sha256$1000$%s$%s" % (salt, base64.b64encode(dk).decode()))
PY
)
echo "$USER_NAME:$hash:mail/$USER_NAME" >"$W/passwd"
chmod 600 "$W/passwd"
chown -R "$SVC_UID:$SVC_GID" "$W/mail" "$W/rundir" "$W/passwd"
chown -R nobody:nogroup "$MD"
export PWFILE="$W/passwd" ASIMAP_RUNDIR="$W/rundir" ASIMAP_AUTH_FAIL_DELAY_MS=0

# shellcheck disable=SC2119 # no asimap-accept options: plain TCP
bench_server
# shellcheck disable=SC2153 # bench_server sets PORT
echo "bench/mail.sh: asimap on 127.0.0.1:$PORT" >&2
DOVE=$W/dovecot
DPORT=$(sh "$HERE/dovecot.sh" setup "$DOVE" "$MD" "$USER_NAME" "$PW")
sh "$HERE/dovecot.sh" start "$DOVE"
echo "bench/mail.sh: Dovecot on 127.0.0.1:$DPORT" >&2

drop=
[ "$DROP" = 1 ] && drop=--drop-caches
[ "$RENICE" = 1 ] && drop="$drop --renice"
out=$W/out.md
rc=0
# shellcheck disable=SC2086 # $drop is options or none
run timeout -k 10 "$TIMEOUT" $BENCH_PY "$HERE/mail.py" --manifest "$W/manifest.json" \
	--user "$USER_NAME" --password "$PW" \
	--asimap-port "$PORT" --asimap-world "$W" --asimap-folder "$MH/inbox" \
	--dovecot-port "$DPORT" --dovecot-dir "$DOVE" --maildir "$MD" \
	--runs "$RUNS" --seconds "$SECS" --sessions "$SESSIONS" --timeout "$((TIMEOUT - 15))" \
	--only "$ONLY" $drop >"$out" || rc=$?
cat "$out"
if [ $rc != 0 ]; then
	echo "bench/mail.sh: failed ($rc); the servers' last log lines:" >&2
	{ tail -n 5 "$W/server.log" "$DOVE/dovecot.log" 2>/dev/null || true; } >&2
	exit 1
fi
if [ "$RESULTS" != - ]; then
	{
		echo "# asimap next to Dovecot: a $N-message folder"
		echo
		echo "The latest figures of \`make bench-mail\` (bench/mail.sh); bench/README.md says"
		echo "what each line means.  Times are wall-clock milliseconds from sending a command"
		echo "to its tagged OK, on 127.0.0.1 over plain TCP; a ratio above 1 means asimap is"
		echo "slower (or bigger)."
		echo
		echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
		echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
			"$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)," \
			"Debian $(cat /etc/debian_version 2>/dev/null || echo ?)"
		echo "- asimap: $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo ?), built in ${BUILD:-build}"
		echo "- Dovecot: $(dovecot --version 2>/dev/null | cut -d' ' -f1 || echo ?) (Debian dovecot-imapd" \
			"$(dpkg-query -W -f='${Version}' dovecot-imapd 2>/dev/null || echo ?)), default settings" \
			"but for mail_max_userip_connections"
		echo "- knobs: BENCH_MAIL_N=$N BENCH_MAIL_RUNS=$RUNS BENCH_MAIL_SECONDS=$SECS" \
			"BENCH_MAIL_SESSIONS=$SESSIONS BENCH_MAIL_DROP_CACHES=$DROP BENCH_MAIL_RENICE=$RENICE"
		echo
		cat "$out"
	} >"$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
	echo "bench/mail.sh: wrote $RESULTS" >&2
fi
