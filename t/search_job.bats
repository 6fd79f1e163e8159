#!/usr/bin/env bats
# SEARCH runs as a job of the per-user supervisor, a slice per turn of its
# event loop: a SEARCH BODY over thousands of messages in one session
# must not hold up the other sessions of the same user (issue 4, item 5),
# its answer must be what a quiet server gives, the folder may change
# under it, and a client gone mid-search must not leave it running.
# The messages are generated on the fly (t/lib/search_job_gen.py).
load lib/common

PY=/usr/bin/python3
HELPER="$PY $ROOT/t/lib/search_job.py"

# The folder is made once (its messages are many) and hard-linked into
# each test's world: message files are never written in place.
setup_file() {
	export SJ_SRC=$BATS_FILE_TMPDIR/big
	$PY "$ROOT/t/lib/search_job_gen.py" "$SJ_SRC" "${SEARCH_JOB_COUNT:-4000}" 6 \
		>"$BATS_FILE_TMPDIR/expect"
}

setup() {
	setup_world
	cp -al "$SJ_SRC" "$W/mail/u1/big" 2>/dev/null || cp -r "$SJ_SRC" "$W/mail/u1/big"
	cp "$BATS_FILE_TMPDIR/expect" "$W/expect"
	chown -R "$SVC_UID:$SVC_GID" "$W/mail/u1/big"
	start_tcpserver
}
teardown() { teardown_world; }

# expect FILE REGEX: grep, showing FILE when it does not match.
expect() {
	grep -q -- "$2" "$1" && return 0
	echo "expected /$2/ in $1:" >&2
	sed 's/^/  | /' "$1" >&2
	return 1
}

# cpu_ticks PID: user + system time so far, in clock ticks.
cpu_ticks() {
	awk '{print $14 + $15}' "/proc/$1/stat"
}

# helper MODE FOLDER [ARG]: search_job.py MODE as u1 on FOLDER, its times
# shown; fails when it does or says "bad".
helper() {
	run $HELPER "$1" "$PORT" u1 pw1 "$2" "$W/expect" "${@:3}"
	echo "$output"
	grep '^time' <<<"$output" | sed 's/^/# /' >&3 || true
	[ "$status" -eq 0 ]
	! grep -q '^bad' <<<"$output"
}

@test "a long SEARCH BODY leaves the user's other sessions answered at once, with the quiet answer" {
	helper latency big
	expect <(echo "$output") "^ok A's answer is the quiet one"
	expect <(echo "$output") "^ok SEARCH BODY: B's slowest answer under a quarter"
	expect <(echo "$output") "^ok UID SEARCH \\$ gives the saved TEXT matches"
}

@test "a long FETCH of uncached body structures leaves the user's other sessions answered at once" {
	# 30 messages of 4 MB of short lines, each read whole for its BODYSTRUCTURE: the
	# FETCH queues little output, so only its time bounds its turns.
	$PY - "$W/mail/u1/bigmeta" <<'PY'
import os, sys
d = sys.argv[1]
os.makedirs(d)
line = b"x\n"  # short lines: the most work a byte
for i in range(1, 31):
    with open(os.path.join(d, str(i)), "wb") as f:
        f.write(b"From: a@example.org\nSubject: big %d\nMIME-Version: 1.0\n"
                b"Content-Type: multipart/mixed; boundary=b\n\n--b\n"
                b"Content-Type: text/plain\n\n" % i)
        f.write(line * 1000000)
        f.write(b"--b\nContent-Type: text/plain\n\n" + line * 1000000 + b"--b--\n")
PY
	chown -R "$SVC_UID:$SVC_GID" "$W/mail/u1/bigmeta"
	helper fetchmeta bigmeta
	expect <(echo "$output") "^ok FETCH BODYSTRUCTURE: B's slowest answer under a quarter"
}

@test "the folder changes under a running SEARCH: expunged and new messages, no EXPUNGE meanwhile" {
	helper mutate big "$W/mail/u1/big"
	expect <(echo "$output") "^ok A's answer lacks the expunged and the new message"
}

@test "a client gone during a long SEARCH: the search stops and the session is freed" {
	mkfifo "$W/go"
	$HELPER disconnect "$PORT" u1 pw1 big "$W/expect" <"$W/go" >"$W/out" 2>&1 &
	local hp=$! st=0 pid t0 t1
	exec 5>"$W/go"
	for i in $(seq 1 200); do
		grep -q '^ok B answered after' "$W/out" && break
		grep -q '^bad' "$W/out" && break
		sleep 0.05
	done
	cat "$W/out"
	expect "$W/out" '^ok B answered after the disconnects'
	[ "$(supervisors | wc -l)" -eq 1 ]
	pid=$(supervisors)
	# Five searches of a second or more were asked for; with their clients
	# gone the supervisor must be idle now, not still searching.
	t0=$(cpu_ticks "$pid")
	sleep 1
	t1=$(cpu_ticks "$pid")
	echo "supervisor CPU over 1 s after the disconnects: $((t1 - t0)) ticks"
	[ $((t1 - t0)) -lt 20 ]
	echo >&5
	exec 5>&-
	wait "$hp" || st=$?
	cat "$W/out"
	[ "$st" -eq 0 ]
	[ "$(supervisors)" = "$pid" ]
}
