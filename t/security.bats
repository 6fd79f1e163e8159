#!/usr/bin/env bats
# Trust and privilege: what an attacker on the network, a logged-in user,
# or a stranger on the machine can and cannot do.
load lib/common

PY=/usr/bin/python3
AUTHFAIL='a NO [AUTHENTICATIONFAILED] Authentication failed'
THROTTLED='a NO [UNAVAILABLE] Too many failed logins; try again later'

setup() { setup_world; }
teardown() { teardown_world; }

alive() {
	[ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}
gone() { ! alive "$1"; }

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

# front_ends: asimap-accept processes of this world.
front_ends() {
	local p
	for p in $(pgrep -x asimap-accept); do
		{ tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -qx "PWFILE=$W/passwd" && echo "$p"
	done
	true
}
no_front_end() { [ -z "$(front_ends)" ]; }
no_supervisor() { [ -z "$(supervisors)" ]; }
count_log() { grep -c -- "$1" "$W/server.log" || true; }

# as_service CMD...: run as the service user.
as_service() {
	setpriv --reuid="$SVC_UID" --regid="$SVC_GID" --clear-groups "$@"
}

# login_line USER PASS [imapc options]: the tagged answer to LOGIN.
login_line() {
	local u=$1 p=$2
	shift 2
	printf 'a LOGIN %s %s\n!wait a\n' "$u" "$p" | imap "$@" "$PORT" | grep '^a ' || true
}

# login_ok USER PASS [imapc options]: log in and select INBOX.
login_ok() {
	local u=$1 p=$2 out
	shift 2
	out=$(printf 'a LOGIN %s %s\nb SELECT INBOX\n!wait b\nc LOGOUT\n!wait c\n' "$u" "$p" | imap "$@" "$PORT")
	[[ "$out" == *"a OK"* && "$out" == *"b OK"* ]] && return 0
	echo "login_ok $u $*: $out"
	return 1
}

kill_supervisors() {
	local p
	for p in $(supervisors); do
		kill "$p"
		wait_until 10 gone "$p"
	done
}

# check_unprivileged PID: no root uid or gid, no capabilities.
check_unprivileged() {
	local st=/proc/$1/status
	echo "supervisor $1:"
	grep -E '^(Uid|Gid|Groups|CapEff|CapPrm):' "$st"
	[ "$(awk '/^Uid:/ {print $2, $3, $4, $5}' "$st")" = "$SVC_UID $SVC_UID $SVC_UID $SVC_UID" ]
	awk '/^Gid:/ {for (i = 2; i <= 5; i++) if ($i == 0) exit 1}' "$st"
	awk '/^Groups:/ {for (i = 2; i <= NF; i++) if ($i == 0) exit 1}' "$st"
	[ "$(awk '/^CapEff:/ {print $2}' "$st")" = 0000000000000000 ]
	[ "$(awk '/^CapPrm:/ {print $2}' "$st")" = 0000000000000000 ]
}

# check_no_secrets PID: no descriptor on the key or the password file,
# and nothing in the environment that says where they are.
check_no_secrets() {
	local fd target
	for fd in /proc/$1/fd/*; do
		target=$(readlink "$fd" || true)
		echo "fd $fd -> $target"
		[ "$target" != "$W/key.pem" ]
		[ "$target" != "$W/passwd" ]
		[[ "$target" != "$W/passwd."* ]]
	done
	[ -n "$(tr '\0' '\n' <"/proc/$1/environ")" ]
	[ -z "$(tr '\0' '\n' <"/proc/$1/environ" | grep -E '^(SSL_KEY|PWFILE)=')" ]
	[ -z "$(tr '\0' '\n' <"/proc/$1/environ" | grep -F -e "$W/key.pem" -e "$W/passwd")" ]
}

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
        f.write(b"From: big@example.org\nSubject: big %d\n\n" % i)
        f.write(body)
PY
	chown -R "$SVC_UID:$SVC_GID" "$1"
}

@test "a bad password and an unknown user get byte-identical refusals" {
	start_tcpserver
	local bad unknown locked sasl_bad sasl_unknown
	bad=$(printf 'a LOGIN u1 wrong\n!wait a\n' | imap "$PORT" | od -c)
	unknown=$(printf 'a LOGIN nosuchuser wrong\n!wait a\n' | imap "$PORT" | od -c)
	locked=$(printf 'a LOGIN locked wrong\n!wait a\n' | imap "$PORT" | od -c)
	[ -n "$bad" ]
	[ "$bad" = "$unknown" ]
	[ "$bad" = "$locked" ]
	[ "$(login_line u1 wrong)" = "$AUTHFAIL" ]
	# The same through AUTHENTICATE PLAIN.
	sasl_bad=$(printf 'a AUTHENTICATE PLAIN %s\n!wait a\n' "$(printf '\0u1\0wrong' | base64)" | imap "$PORT")
	sasl_unknown=$(printf 'a AUTHENTICATE PLAIN %s\n!wait a\n' "$(printf '\0nosuchuser\0wrong' | base64)" | imap "$PORT")
	echo "$sasl_bad"
	[ "$sasl_bad" = "$sasl_unknown" ]
	[[ "$sasl_bad" == *"$AUTHFAIL"* ]]
	no_supervisor
}

@test "an account with an unusable hash cannot log in" {
	export ASIMAP_AUTH_FAILS_USER=100
	start_tcpserver
	local pw
	for pw in '""' '"!unusable"' unusable pw1 '"!"'; do
		[ "$(login_line locked "$pw")" = "$AUTHFAIL" ]
	done
	run imap "$PORT" <<<"a AUTHENTICATE PLAIN $(printf '\0locked\0!unusable' | base64)
!wait a"
	[[ "$output" == *"$AUTHFAIL"* ]]
	run imap "$PORT" <<<"a AUTHENTICATE PLAIN $(printf '\0locked\0' | base64)
!wait a"
	[[ "$output" == *"$AUTHFAIL"* ]]
	no_supervisor
	[ ! -e "$W/rundir/locked.sock" ]
}

@test "a user whose mail root is missing gets a clear NO after the right password" {
	start_tcpserver
	local line
	line=$(login_line nomail pw3)
	echo "$line"
	[[ "$line" == "a NO [UNAVAILABLE] "* ]]
	# A wrong password says nothing about the mail root.
	[ "$(login_line nomail wrong)" = "$AUTHFAIL" ]
	no_supervisor
	[ "$(count_log "mail root $W/mail/missing of user nomail is missing")" -ge 1 ]
}

@test "failed logins of one user from separate connections get throttled" {
	export ASIMAP_AUTH_FAILS_USER=3
	start_tcpserver
	local i
	for i in 1 2 3; do
		[ "$(login_line u1 "wrong$i")" = "$AUTHFAIL" ]
	done
	# From a new connection, even with the right password.
	[ "$(login_line u1 pw1)" = "$THROTTLED" ]
	run imap "$PORT" <<<"a AUTHENTICATE PLAIN $(printf '\0u1\0pw1' | base64)
!wait a"
	[[ "$output" == *"$THROTTLED"* ]]
	[ "$(count_log 'asimap-accept: warning: refused login user=u1 remote=127.0.0.1: too many failures')" -ge 2 ]
	no_supervisor
	# Only u1 is throttled.
	login_ok u2 pw2
}

@test "failed logins from one address get throttled whatever the user name" {
	export ASIMAP_AUTH_FAILS_ADDR=3
	start_tcpserver
	[ "$(login_line nosuchuser x)" = "$AUTHFAIL" ]
	[ "$(login_line u2 wrong)" = "$AUTHFAIL" ]
	[ "$(login_line nomail wrong)" = "$AUTHFAIL" ]
	[ "$(login_line u1 pw1)" = "$THROTTLED" ]
	[ "$(login_line u2 pw2)" = "$THROTTLED" ]
	[ "$(count_log 'asimap-accept: warning: refused login user=u1 remote=127.0.0.1: too many failures')" -eq 1 ]
	no_supervisor
}

@test "failed logins sent in parallel cannot exceed the limit" {
	export ASIMAP_AUTH_FAILS_USER=3
	start_tcpserver
	# Ten guesses at the same instant: only three passwords may be tried.
	run $PY "$ROOT/t/lib/sec_burst.py" "$PORT" 10 u1 wrong
	echo "$output"
	[ "$status" -eq 0 ]
	local tried throttled
	tried=$(grep -c -x -F "$AUTHFAIL" <<<"$output" || true)
	throttled=$(grep -c -x -F "$THROTTLED" <<<"$output" || true)
	echo "tried $tried, throttled $throttled"
	[ "$tried" -le 3 ]
	[ $((tried + throttled)) -eq 10 ]
	[ "$(login_line u1 pw1)" = "$THROTTLED" ]
}

@test "a 100 MB line before login gets BYE and the front end exits" {
	start_tcpserver
	run $PY "$ROOT/t/lib/sec_flood.py" "$PORT" 100
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"answer * BYE"* ]]
	[[ "$output" == *"closed yes"* ]]
	# It was refused early, not read to the end.
	local sent
	sent=$(awk '/^sent/ {print $2}' <<<"$output")
	[ "$sent" -lt $((100 << 20)) ]
	wait_until 10 no_front_end
	# The same after a command was answered: the BYE must not be lost
	# (several times, as losing it depends on timing).
	local i
	for i in 1 2 3 4 5; do
		run $PY "$ROOT/t/lib/sec_flood.py" "$PORT" 100 $'a NOOP\r\nb ID '
		echo "$output"
		[[ "$output" == *"answer a OK NOOP"* ]]
		[[ "$output" == *"answer * BYE"* ]]
		[[ "$output" == *"closed yes"* ]]
	done
	wait_until 10 no_front_end
}

@test "a 100 MB line after login gets BYE and the supervisor keeps serving" {
	make_big_folder "$W/mail/u1/big" 16 1024
	start_tcpserver
	login_ok u1 pw1
	local s1 i
	s1=$(supervisors)
	# A large answer before the long line is delivered whole, then BYE.
	for i in 1 2; do
		run $PY "$ROOT/t/lib/sec_flood.py" --login u1 pw1 --select big "$PORT" 100 \
			$'f FETCH 1:* BODY.PEEK[]\r\nb SELECT '
		echo "$output"
		[[ "$output" == *"answer f OK"* ]]
		[[ "$output" == *"answer * BYE"* ]]
		[[ "$output" == *"closed yes"* ]]
	done
	# A short answer just before it is not lost either.
	for i in 1 2 3; do
		run $PY "$ROOT/t/lib/sec_flood.py" --login u1 pw1 "$PORT" 100 $'a NOOP\r\nb SELECT '
		echo "$output"
		[[ "$output" == *"answer a OK NOOP"* ]]
		[[ "$output" == *"answer * BYE"* ]]
		[[ "$output" == *"closed yes"* ]]
	done
	[ "$(supervisors)" = "$s1" ]
	login_ok u1 pw1
}

@test "a literal of 4294967295 bytes before login gets BYE and a close" {
	start_tcpserver
	local lit
	for lit in '{4294967295}' '{4294967295+}' '{9999999999999999999}' '{16384}'; do
		run imap --timeout 10 "$PORT" <<<"a LOGIN $lit
!read"
		echo "$lit: $output"
		[ "$status" -eq 0 ]
		[[ "$output" == *"* BYE"* ]]
		[ -z "$(grep '^+ ' <<<"$output")" ]
		[[ "$output" != *"a OK"* ]]
	done
	wait_until 10 no_front_end
}

@test "a command made of small literals past 16 KiB gets BYE before login" {
	start_tcpserver
	local chunk
	chunk=$(head -c 6000 /dev/zero | tr '\0' x)
	run imap --timeout 10 "$PORT" <<<"a ID ({6000+}
$chunk {6000+}
$chunk {6000+}
$chunk {6000+}
$chunk)
!read"
	echo "status $status: $output"
	# Closed (a reset is fine: input was left unread), not timed out.
	[ "$status" -eq 0 ] || [ "$status" -eq 3 ]
	[[ "$output" == *"* BYE"* ]]
	[[ "$output" != *"a OK"* ]]
	wait_until 10 no_front_end
}

@test "51 commands before login get BYE" {
	start_tcpserver
	run imap --timeout 10 "$PORT" < <(for i in $(seq 1 51); do echo "n$i NOOP"; done; echo '!read')
	[ "$status" -eq 0 ]
	[ "$(grep -c '^n[0-9]* OK NOOP completed$' <<<"$output")" -eq 50 ]
	[[ "$output" != *"n51 OK"* ]]
	[[ "$output" == *"* BYE"* ]]
	wait_until 10 no_front_end
}

@test "a silent client before login is logged out after the pre-auth timeout" {
	export ASIMAP_PREAUTH_TIMEOUT=2
	start_tcpserver
	run imap --timeout 10 "$PORT" <<<'!read'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"* BYE"* ]]
	wait_until 10 no_front_end
}

@test "a client off loopback must use TLS, and plaintext cannot leak into it" {
	# The supervisor it starts inherits stderr: keep that out of $output.
	remote() { as_service $PY "$ROOT/t/lib/sec_remote.py" "$BIN/asimap-accept" 192.0.2.1 u1 pw1 2>>"$W/server.log"; }
	run remote
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^ok ' <<<"$output")" -eq 7 ]
	[ "$(count_log 'asimap-accept: info: login user=u1 remote=192.0.2.1 tls=yes')" -eq 1 ]
}

@test "the supervisor never runs as root, with the front end as root or not" {
	start_tcpserver
	login_ok u1 pw1
	login_ok u2 pw2 --starttls
	[ "$(supervisors | wc -l)" -eq 2 ]
	local p
	for p in $(supervisors); do check_unprivileged "$p"; done
	kill_supervisors
	start_tcpserver --root
	login_ok u1 pw1
	login_ok u2 pw2 --starttls
	start_tcpserver --root --tls
	login_ok u1 pw1 --tls
	[ "$(supervisors | wc -l)" -eq 2 ]
	for p in $(supervisors); do check_unprivileged "$p"; done
}

@test "the supervisor holds neither the TLS key nor the password file" {
	start_tcpserver --tls
	login_ok u1 pw1 --tls
	start_tcpserver
	login_ok u2 pw2 --starttls
	[ "$(supervisors | wc -l)" -eq 2 ]
	local p
	for p in $(supervisors); do check_no_secrets "$p"; done
	kill_supervisors
	start_tcpserver --root --tls
	login_ok u1 pw1 --tls
	start_tcpserver --root
	login_ok u2 pw2 --starttls
	[ "$(supervisors | wc -l)" -eq 2 ]
	for p in $(supervisors); do check_no_secrets "$p"; done
}

@test "a root-owned mail root is refused when the front end runs as root" {
	chown root:root "$W/mail/u1"
	start_tcpserver --root
	local line
	line=$(login_line u1 pw1)
	echo "$line"
	[[ "$line" == "a NO "* ]]
	no_supervisor
	[ ! -e "$W/rundir/u1.sock" ]
	[ "$(count_log "refusing root-owned mail root $W/mail/u1 of user u1")" -eq 1 ]
	# The other user is served.
	login_ok u2 pw2
	[ "$(supervisors | wc -l)" -eq 1 ]
}

@test "a mail root in the root group never gives the supervisor gid 0" {
	chgrp root "$W/mail/u1"
	start_tcpserver --root
	local out
	out=$(printf 'a LOGIN u1 pw1\n!wait a\n' | imap "$PORT" || true)
	echo "$out"
	# Either the login is refused, or the supervisor has no root group.
	local p
	for p in $(supervisors); do check_unprivileged "$p"; done
}

@test "the rendezvous files are the mail root owner's and private" {
	start_tcpserver --root
	login_ok u1 pw1
	start_tcpserver
	login_ok u2 pw2
	local u f
	for u in u1 u2; do
		for f in "$W/rundir/$u.sock" "$W/rundir/$u.lock"; do
			stat -c '%n %U %a' "$f"
			[ "$(stat -c %u "$f")" = "$SVC_UID" ]
			# Nothing for group or others (0600; 0700 is the same for a socket).
			[ $((0$(stat -c %a "$f") & 077)) -eq 0 ]
		done
	done
}

@test "a user name that is not a safe file name stays inside the rundir" {
	echo "../escape:$(django_hash pw9):mail/u2" >>"$W/passwd"
	echo "a/b:$(django_hash pw8):mail/u2" >>"$W/passwd"
	start_tcpserver
	login_ok ../escape pw9
	login_ok a/b pw8
	[ "$(login_line ../../nobody x)" = "$AUTHFAIL" ]
	find "$W" -name '*.sock' -o -name '*.lock' | sort
	# Nothing was made next to the rundir or under a subdirectory of it.
	[ -z "$(find "$W" \( -name '*.sock' -o -name '*.lock' \) ! -path "$W/rundir/*")" ]
	[ -z "$(find "$W/rundir" -mindepth 1 -type d ! -name throttle)" ]
	[ ! -e "$W/escape.sock" ]
	[ ! -e "$W/rundir/a" ]
	[ "$(find "$W/rundir" -maxdepth 1 -name '*.sock' | wc -l)" -eq 2 ]
	[ "$(supervisors | wc -l)" -eq 2 ]
}

@test "u1 cannot name u2's folders or anything outside its mail root" {
	start_tcpserver
	local name out
	for name in '"../u2/inbox"' '"/etc"' '"inbox/../../u2/inbox"' '".."' '"../u2"' \
		'"INBOX/../../u2/inbox"' '"archive/../../u2/inbox"' '{11}
../u2/inbox' '"/tmp"' "\"$W/mail/u2/inbox\""; do
		out=$(imap "$PORT" <<EOF
a LOGIN u1 pw1
b SELECT $name
!wait b
c EXAMINE $name
!wait c
d STATUS $name (MESSAGES)
!wait d
EOF
)
		echo "$name: $out"
		[[ "$out" == *"a OK"* ]]
		[[ "$out" == *"b NO"* ]]
		[[ "$out" == *"c NO"* ]]
		[[ "$out" == *"d NO"* ]]
		[[ "$out" != *"EXISTS"* ]]
		[[ "$out" != *"* STATUS"* ]]
	done
}

# list_names OUTPUT: the mailbox names of LIST answers, one a line.
list_names() {
	sed -n 's/^\* LIST ([^)]*) "\/" //p' <<<"$1" | sed 's/^"\(.*\)"$/\1/' | sort
}

@test "symlinks out of the mail root are neither listed nor followed" {
	ln -s ../u2/inbox "$W/mail/u1/evil"
	ln -s "$W/mail/u2/inbox" "$W/mail/u1/evilabs"
	ln -s "$W/mail/u2" "$W/mail/u1/archive/evildir"
	ln -s .. "$W/mail/u1/up"
	ln -s "$W/mail/u2/inbox/3" "$W/mail/u1/inbox/13"
	chown -h "$SVC_UID:$SVC_GID" "$W/mail/u1/evil" "$W/mail/u1/evilabs" \
		"$W/mail/u1/archive/evildir" "$W/mail/u1/up" "$W/mail/u1/inbox/13"
	start_tcpserver
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b LIST "" "*"
!wait b
S
	echo "$output"
	[[ "$output" == *"b OK"* ]]
	local names
	names=$(list_names "$output")
	echo "listed: $names"
	grep -qx INBOX <<<"$names"
	grep -qx archive <<<"$names"
	# Nothing but u1's own folders.
	[ -z "$(grep -vx -e INBOX -e archive -e archive/2025 <<<"$names")" ]
	local name
	for name in evil evilabs archive/evildir archive/evildir/inbox up/u2/inbox up; do
		run imap "$PORT" <<EOF
a LOGIN u1 pw1
b SELECT "$name"
!wait b
c STATUS "$name" (MESSAGES)
!wait c
EOF
		echo "$name: $output"
		[[ "$output" == *"b NO"* ]]
		[[ "$output" == *"c NO"* ]]
	done
	# A message file that is a symlink to u2's message is not served.
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
c FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[TEXT])
!wait c
S
	[[ "$output" == *"b OK"* ]]
	[[ "$output" == *"c "* ]]
	[[ "$output" != *"secret of u2"* ]]
	[[ "$output" != *"u2 only"* ]]
}

@test "a hand-off for another user is refused by a user's supervisor" {
	start_tcpserver
	login_ok u1 pw1
	login_ok u2 pw2
	local s1 s2
	s1=$(pgrep -f "asimap-user u1 $W/")
	s2=$(pgrep -f "asimap-user u2 $W/")
	[ -n "$s1" ]
	[ -n "$s2" ]
	# The helper itself is right: a hand-off for u1 at u1's socket is served.
	run as_service $PY "$ROOT/t/lib/sec_handoff.py" "$W/rundir/u1.sock" u1 valid
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "valid: ok acked and served" ]]
	run as_service $PY "$ROOT/t/lib/sec_handoff.py" "$W/rundir/u1.sock" u2 foreign
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "foreign: ok dropped" ]]
	run as_service $PY "$ROOT/t/lib/sec_handoff.py" "$W/rundir/u2.sock" u1 foreign
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "foreign: ok dropped" ]]
	[ "$(count_log 'asimap-user: warning: refused a malformed hand-off')" -ge 2 ]
	# Both still serve their own user.
	[ "$(pgrep -f "asimap-user u1 $W/")" = "$s1" ]
	[ "$(pgrep -f "asimap-user u2 $W/")" = "$s2" ]
	login_ok u1 pw1
	login_ok u2 pw2
}

@test "garbage hand-offs are dropped and the supervisor keeps serving" {
	start_tcpserver
	login_ok u1 pw1
	local s1
	s1=$(supervisors)
	[ -n "$s1" ]
	run as_service $PY "$ROOT/t/lib/sec_handoff.py" "$W/rundir/u1.sock" u1 \
		valid badversion oversized toolong zerolen random truncated nofds onefd \
		pipefds nulfield badproto longfield badlengths valid
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c ': ok dropped$' <<<"$output")" -eq 13 ]
	[ "$(grep -c '^valid: ok acked and served$' <<<"$output")" -eq 2 ]
	[ "$(supervisors)" = "$s1" ]
	login_ok u1 pw1
	[ "$(count_log 'asimap-user: fatal')" -eq 0 ]
}

@test "a hand-off from a stranger's uid is refused" {
	start_tcpserver
	login_ok u1 pw1
	local s1
	s1=$(supervisors)
	# Even if the socket's mode let anyone connect, the peer's uid decides.
	chmod 666 "$W/rundir/u1.sock"
	run setpriv --reuid=4242 --regid=4242 --clear-groups \
		$PY "$ROOT/t/lib/sec_handoff.py" --may-refuse "$W/rundir/u1.sock" u1 foreign
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "foreign: ok dropped" ]]
	[ "$(count_log 'asimap-user: warning: refused a hand-off from uid 4242')" -eq 1 ]
	[ "$(supervisors)" = "$s1" ]
	login_ok u1 pw1
}
