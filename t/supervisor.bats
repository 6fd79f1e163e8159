#!/usr/bin/env bats
# The per-user supervisor (asimap-user): one per user however logins race,
# many sessions in one process, idling out and coming back, and clients
# that vanish or stop reading.
load lib/common

PY=/usr/bin/python3

setup() { setup_world; }
teardown() { teardown_world; }

# alive PID: the process exists and is not a zombie.
alive() {
	[ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# wait_until SECONDS CMD...: until CMD succeeds, bounded.
wait_until() {
	local t=$1 i
	shift
	for i in $(seq 1 $((t * 20))); do
		"$@" && return 0
		sleep 0.05
	done
	"$@"
}

gone() { ! alive "$1"; }
no_supervisor() { [ -z "$(supervisors)" ]; }
has_line() { grep -q "$2" "$1" 2>/dev/null; }

# expect FILE REGEX: grep, showing FILE when it does not match.
expect() {
	grep -q -- "$2" "$1" && return 0
	echo "expected /$2/ in $1:" >&2
	sed 's/^/  | /' "$1" >&2
	return 1
}

# front_ends: asimap-accept processes of this world.
front_ends() {
	local p
	for p in $(pgrep -x asimap-accept); do
		{ tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -qx "PWFILE=$W/passwd" && echo "$p"
	done
	true
}
no_front_end() { [ -z "$(front_ends)" ]; }

# count_log REGEX: lines of the server log that match.
count_log() { grep -c -- "$1" "$W/server.log" || true; }

# make_big_folder DIR COUNT KB: COUNT messages of about KB KiB each.
make_big_folder() {
	$PY - "$@" <<'PY'
import os, sys
d, n, kb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(d, exist_ok=True)
line = b"The quick brown fox jumps over the lazy dog; 0123456789 ABCDEFGHIJKLMNOP\n"
body = line * (kb * 1024 // len(line))
for i in range(1, n + 1):
    with open(os.path.join(d, str(i)), "wb") as f:
        f.write(b"From: big@example.org\nTo: u1@example.org\nSubject: big %d\n"
                b"Message-ID: <big%d@example.org>\n\n" % (i, i))
        f.write(body)
PY
	chown -R "$SVC_UID:$SVC_GID" "$1"
}

LOGIN_SELECT='a LOGIN u1 pw1
b SELECT INBOX
c FETCH 1 UID
!wait c
d LOGOUT
!wait d'

# check_session FILE: the output of LOGIN_SELECT is complete.
check_session() {
	expect "$1" '^a OK' &&
		expect "$1" '^\* 12 EXISTS' &&
		expect "$1" '^b OK' &&
		expect "$1" '^\* 1 FETCH (UID 1)' &&
		expect "$1" '^c OK' &&
		expect "$1" '^d OK'
}

@test "two logins racing for a user without a supervisor start exactly one" {
	start_tcpserver
	local round old="" pid s1 s2 p1 p2
	for round in 1 2 3 4 5 6; do
		imap "$PORT" <<<"$LOGIN_SELECT" >"$W/r1.$round" 2>&1 &
		p1=$!
		imap "$PORT" <<<"$LOGIN_SELECT" >"$W/r2.$round" 2>&1 &
		p2=$!
		s1=0 s2=0
		wait "$p1" || s1=$?
		wait "$p2" || s2=$?
		[ "$s1" -eq 0 ] || { cat "$W/r1.$round"; false; }
		[ "$s2" -eq 0 ] || { cat "$W/r2.$round"; false; }
		check_session "$W/r1.$round"
		check_session "$W/r2.$round"
		[ "$(supervisors | wc -l)" -eq 1 ]
		pid=$(supervisors)
		[ "$pid" != "$old" ]
		# One start per round, never two.
		[ "$(count_log 'asimap-user: info: started for user u1 ')" -eq "$round" ]
		kill "$pid"
		wait_until 10 gone "$pid"
		old=$pid
	done
}

@test "eight logins sent at the same instant start exactly one supervisor" {
	start_tcpserver
	local round pid
	for round in 1 2 3; do
		run $PY "$ROOT/t/lib/sup_sessions.py" "$PORT" u1 pw1 8
		echo "$output"
		[ "$status" -eq 0 ]
		[[ "$output" == *"answered 8/8"* ]]
		[ "$(supervisors | wc -l)" -eq 1 ]
		[ "$(count_log 'asimap-user: info: started for user u1 ')" -eq "$round" ]
		pid=$(supervisors)
		kill "$pid"
		wait_until 10 gone "$pid"
	done
}

@test "50 concurrent sessions of one user are served by one asimap-user" {
	start_tcpserver
	$PY "$ROOT/t/lib/sup_sessions.py" "$PORT" u1 pw1 50 --hold "$W/release" >"$W/s.out" 2>&1 &
	local hp=$! st=0 pid nsock
	wait_until 30 has_line "$W/s.out" '^answered'
	expect "$W/s.out" '^answered 50/50$'
	[ "$(supervisors | wc -l)" -eq 1 ]
	pid=$(supervisors)
	# The 50 connections live in that one process...
	nsock=$(find "/proc/$pid/fd" -lname 'socket:*' | wc -l)
	echo "supervisor $pid holds $nsock sockets"
	[ "$nsock" -ge 51 ]
	[ "$(count_log 'asimap-user: info: session start user=u1 ')" -eq 50 ]
	# ...and no front end stays behind on a plaintext connection.
	wait_until 10 no_front_end
	touch "$W/release"
	wait "$hp" || st=$?
	cat "$W/s.out"
	[ "$st" -eq 0 ]
	expect "$W/s.out" '^alive 50/50$'
	[ "$(supervisors)" = "$pid" ]
}

@test "a supervisor that idled out is started again by the next login" {
	export ASIMAP_USER_IDLE=2
	start_tcpserver
	# A session longer than the idle grace keeps it alive.
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
!wait b
!sleep 3.5
c NOOP
d LOGOUT
!wait d
S
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"c OK"* ]]
	[[ "$output" == *"d OK"* ]]
	[ "$(supervisors | wc -l)" -eq 1 ]
	local pid
	pid=$(supervisors)
	# Without sessions it goes, within a bounded time.
	wait_until 15 gone "$pid"
	no_supervisor
	[ "$(count_log 'asimap-user: info: no sessions for 2 s: exiting')" -eq 1 ]
	run imap "$PORT" <<<"$LOGIN_SELECT"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" >"$W/again"
	check_session "$W/again"
	[ "$(supervisors | wc -l)" -eq 1 ]
	[ "$(supervisors)" != "$pid" ]
	[ "$(count_log 'asimap-user: info: started for user u1 ')" -eq 2 ]
}

@test "logins around the idle deadline all succeed" {
	export ASIMAP_USER_IDLE=1
	start_tcpserver
	local delays d st1=0 st2=0 p1 p2
	delays=$(seq 0 0.1 2.0 | tr '\n' ' ')
	# u1 and u2 at once, out of phase, so that more moments are tried.
	$PY "$ROOT/t/lib/sup_idle_race.py" "$PORT" u1 pw1 12 $delays >"$W/u1.out" 2>&1 &
	p1=$!
	sleep 0.05
	$PY "$ROOT/t/lib/sup_idle_race.py" "$PORT" u2 pw2 3 $delays >"$W/u2.out" 2>&1 &
	p2=$!
	wait "$p1" || st1=$?
	wait "$p2" || st2=$?
	cat "$W/u1.out" "$W/u2.out"
	[ "$st1" -eq 0 ]
	[ "$st2" -eq 0 ]
	expect "$W/u1.out" '^ok 22/22$'
	expect "$W/u2.out" '^ok 22/22$'
	# The deadline was really crossed: supervisors exited and came back.
	echo "idle exits: $(count_log 'asimap-user: info: no sessions for 1 s: exiting')"
	[ "$(count_log 'asimap-user: info: no sessions for 1 s: exiting')" -ge 2 ]
	[ "$(count_log 'asimap-user: info: started for user u1 ')" -ge 2 ]
	[ "$(count_log 'asimap-user: info: started for user u2 ')" -ge 2 ]
	[ "$(count_log 'asimap-user: fatal')" -eq 0 ]
	[ "$(pgrep -f "asimap-user u1 $W/" | wc -l)" -le 1 ]
	[ "$(pgrep -f "asimap-user u2 $W/" | wc -l)" -le 1 ]
}

@test "the supervisor survives clients that vanish mid-FETCH and keeps serving" {
	make_big_folder "$W/mail/u1/big" 16 1024
	start_tcpserver
	run $PY "$ROOT/t/lib/sup_abort.py" "$PORT" u1 pw1 big
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok B after partial-close"* ]]
	[[ "$output" == *"ok B after partial-reset"* ]]
	[[ "$output" == *"ok B after no-read-close"* ]]
	[[ "$output" == *"ok new session"* ]]
	[ "$(supervisors | wc -l)" -eq 1 ]
	# The same process all along.
	[ "$(count_log 'asimap-user: info: started for user u1 ')" -eq 1 ]
	[ "$(count_log 'asimap-user: fatal')" -eq 0 ]
}

@test "a client that stops reading a large FETCH does not stall another session" {
	make_big_folder "$W/mail/u1/big" 48 1024
	start_tcpserver
	$PY "$ROOT/t/lib/sup_stall.py" "$PORT" u1 pw1 big 4 --hold "$W/release" >"$W/st.out" 2>&1 &
	local hp=$! st=0 pid rss
	wait_until 30 has_line "$W/st.out" '^stalled'
	expect "$W/st.out" '^ok B served while A stalls'
	[ "$(supervisors | wc -l)" -eq 1 ]
	pid=$(supervisors)
	# Output is produced only as fast as A drains it: 4 x 48 MB are
	# pending, the supervisor holds a small part of one.  (AddressSanitizer
	# keeps freed memory in quarantine, so only a plain build is measured.)
	rss=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status")
	echo "supervisor RssAnon ${rss} kB"
	if ! grep -q __asan_init "$BIN/asimap-user"; then
		[ "$rss" -lt 24576 ]
	fi
	touch "$W/release"
	wait "$hp" || st=$?
	cat "$W/st.out"
	[ "$st" -eq 0 ]
	expect "$W/st.out" '^ok A drained'
	[ "$(supervisors)" = "$pid" ]
}

@test "the supervisor a login starts serves at the niceness the front end was given, not the login's" {
	start_tcpserver
	run imap "$PORT" <<S
a LOGIN u1 pw1
!wait a
!sh ps -o ni= -p \$(pgrep -d, -f "^[^ ]*asimap-user [^ ]+ $W/") > "$BATS_TEST_TMPDIR/ni"
b LOGOUT
!wait b
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"a OK"* ]]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/ni")" -eq 1 ] # the supervisor, and only it
	[ "$(tr -d ' ' <"$BATS_TEST_TMPDIR/ni")" = "$(nice)" ]
}

@test "a supervisor that dies while a login waits for it is replaced, and the login succeeds" {
	start_tcpserver
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
!wait a
S
	local old
	old=$(supervisors)
	[ -n "$old" ]
	kill -STOP "$old" # the next hand-off waits in its backlog
	(sleep 1; kill -KILL "$old") &
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
!wait a
b SELECT INBOX
!wait b
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"a OK"* ]]
	[[ "$output" == *"b OK"* ]]
	[ "$(supervisors)" != "$old" ]
	grep -q "went away during a hand-off: trying again" "$W/server.log"
}
