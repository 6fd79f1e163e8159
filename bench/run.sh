#!/bin/sh
# bench/run.sh: run every benchmark, print the figures, and write them to
# bench/results.md with the date, the machine and the library versions.
# `make bench` builds what it needs and runs this.  See bench/README.md.
#
#	BUILD=build sh bench/run.sh
#
# Knobs: BENCH_HASH_RUNS (runs per hasher, default 7), BENCH_LOGIN_SECONDS
# (seconds per login run, default 10), BENCH_MAIL_N and BENCH_MAIL_SECONDS
# (the quick mail benchmark: 2000 messages, 10 s of mixed workload; it
# needs root and dovecot-imapd, and is skipped without them).  results.md
# is replaced only when every benchmark succeeded.  Exit: 0 done, 1 a benchmark failed, 111 the
# build is missing.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=${BUILD:-build}
HASH_TIME=$(cd "$ROOT" && cd "$BUILD" 2>/dev/null && pwd)/bench/hash_time
RUNS=${BENCH_HASH_RUNS:-7}
LOGIN_SECONDS=${BENCH_LOGIN_SECONDS:-10}
PY=/usr/bin/python3

if [ ! -x "$HASH_TIME" ]; then
	echo "bench/run.sh: fatal: unable to find $HASH_TIME: run make bench" >&2
	exit 111
fi

ver() {
	dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "?"
}

out=$(mktemp) || exit 111
trap 'rm -f "$out" "$out.part"' EXIT
trap 'exit 111' INT TERM HUP
rc=0

# section TITLE COMMAND...: runs COMMAND, shows and keeps its output.
section() {
	title=$1
	shift
	printf '\n## %s\n\n' "$title" >>"$out"
	echo "bench: $title" >&2
	$PY "$HERE/cpu_share.py" "$@" >"$out.part" || rc=1
	cat "$out.part" >>"$out"
	cat "$out.part"
}

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
{
	echo "# asimap benchmark results"
	echo
	echo "The latest figures of \`make bench\` (bench/run.sh); bench/README.md says"
	echo "what each one means."
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- machine: $(nproc) CPUs (nproc), $cpu, $mem, Linux $(uname -r)," \
		"Debian $(cat /etc/debian_version 2>/dev/null || echo ?)"
	echo "- source: $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo ?)," \
		"built in $BUILD with the Makefile's CFLAGS"
	echo "- libraries: OpenSSL $(ver libssl3), libargon2 $(ver libargon2-1)," \
		"libxcrypt $(ver libcrypt1), Python $($PY -c 'import platform; print(platform.python_version())')," \
		"python3-django $(ver python3-django), python3-argon2 $(ver python3-argon2)," \
		"python3-bcrypt $(ver python3-bcrypt), ucspi-tcp $(ver ucspi-tcp)"
} >"$out"
cat "$out"

section "One successful verification per hasher: C next to Python" \
	$PY "$HERE/hash.py" --runs "$RUNS" "$HASH_TIME"
section "Logins per second over TLS, default hash (pbkdf2_sha256, 870000 iterations)" \
	env BUILD="$BUILD" sh "$HERE/logins.sh" "$LOGIN_SECONDS"

# The mail benchmark's servers are not our children, so cpu_share.py
# cannot tell their CPU from other work's: its tables carry load averages.
if [ "$(id -u)" = 0 ] && { command -v dovecot >/dev/null || [ -x /usr/sbin/dovecot ]; }; then
	title="Mail: asimap next to Dovecot, a quick run (make bench-mail for 100000 messages)"
	printf '\n## %s\n\n' "$title" >>"$out"
	echo "bench: $title" >&2
	env BUILD="$BUILD" BENCH_MAIL_N="${BENCH_MAIL_N:-2000}" \
		BENCH_MAIL_SECONDS="${BENCH_MAIL_SECONDS:-10}" BENCH_MAIL_RESULTS=- \
		sh "$HERE/mail.sh" >"$out.part" || rc=1
	cat "$out.part" >>"$out"
	cat "$out.part"
else
	echo "bench: skipping the mail benchmark: it needs root and dovecot-imapd" >&2
fi

if [ $rc = 0 ]; then
	cat "$out" >"$HERE/results.md"
	echo "bench: wrote bench/results.md" >&2
else
	echo "bench: a benchmark failed; bench/results.md left as it was" >&2
fi
exit $rc
