#!/usr/bin/env bats
# Crash safety: the user's supervisor killed with SIGKILL at random moments
# of APPEND, STORE, COPY, MOVE and EXPUNGE loses no message, duplicates
# none, leaves no half message, keeps every UID it told a client, and
# leaves .mh_sequences and the folder usable (t/lib/crash_run.py has the
# model).  Also the states a crash leaves between two steps of a write,
# made on purpose.
load lib/common
source "$BATS_TEST_DIRNAME/lib/nmh_common.sh"

setup() {
	[ -x "$MHBIN/mark" ] || skip "nmh is not installed ($MHBIN)"
	setup_world
	start_tcpserver
	nmh_profile
}
teardown() { teardown_world; }

# kill_supervisor: SIGKILL the user's supervisor and wait (at most 5 s)
# until it is gone.
kill_supervisor() {
	local i
	kill -KILL $(supervisors)
	for i in $(seq 1 100); do
		[ -z "$(supervisors)" ] && return 0
		sleep 0.05
	done
	return 1
}

@test "SIGKILL of the supervisor during APPEND, STORE, COPY, MOVE, EXPUNGE: nothing lost, duplicated or renamed" {
	run timeout 120 env PYTHONPATH="$ROOT/t/lib" /usr/bin/python3 "$ROOT/t/lib/crash_run.py" \
		"${CRASH_ROUNDS:-30}" "${CRASH_SECONDS:-60}"
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"outcomes: "* ]]
}

# A crash after EXPUNGE unlinked the files and before it rewrote
# .mh_sequences (or after a MOVE renamed them away) leaves numbers in the
# sequences that name no file.  nmh ignores such numbers; the next message
# to get one of those numbers must not inherit the flags of the gone one.
@test "numbers a crash left in .mh_sequences do not give their flags to a new message" {
	inbox=$W/mail/u1/inbox
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
!wait b
c STORE 12 +FLAGS (\Flagged kw1)
d STORE 11:12 +FLAGS (\Answered \Deleted)
!wait d
S
	[ "$status" -eq 0 ]
	grep -qx 'Deleted: 11-12' "$inbox/.mh_sequences"
	# EXPUNGE unlinked the files and the supervisor died before it rewrote
	# .mh_sequences
	kill_supervisor
	rm "$inbox/12" "$inbox/11"
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
!wait b
c APPEND INBOX (\Seen) {21+}
Subject: new one
!raw 0d0a
x
!wait c
d APPEND INBOX (\Seen \Draft) {21+}
Subject: new two
!raw 0d0a
y
!wait d
e FETCH 11:12 (UID FLAGS)
!wait e
f COPY 1 INBOX
!wait f
g FETCH 13 (UID FLAGS)
!wait g
S
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[ -f "$inbox/11" ] && [ -f "$inbox/12" ]
	# New to this session: \Recent too (RFC 3501 2.3.2).
	[[ "$output" == *"* 11 FETCH (UID 13 FLAGS (\\Recent \\Seen))"* ]]
	[[ "$output" == *"* 12 FETCH (UID 14 FLAGS (\\Recent \\Seen \\Draft))"* ]]
	[[ "$output" == *"* 13 FETCH (UID 15 FLAGS (\\Recent \\Seen \\Flagged))"* ]]
	# and nmh sees the same
	run nmh mark +inbox -list
	printf '%s\n' "$output"
	[[ "$output" != *"Deleted: "* ]]
	[[ "$output" != *"replied: "* ]]
	[[ "$output" != *"kw1: "* ]]
}

# A crash that lost the state file's last writes (EXPUNGE of 12, then an
# APPEND that got number 12 and UID 13): the state file says number 12 is
# UID 12.  The new file is another file, so it must not get UID 12 back.
@test "a number given out again after a crash lost the state file's writes does not bring back the old UID" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
!wait b
S
	[ "$status" -eq 0 ]
	cp -p "$W/mail/u1/inbox/.asimap-state" "$W/state.before"
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
!wait b
c STORE 12 +FLAGS (\Deleted)
d EXPUNGE
!wait d
e APPEND INBOX {21+}
Subject: new one
!raw 0d0a
x
!wait e
S
	printf '%s\n' "$output"
	[[ "$output" =~ e\ OK\ \[APPENDUID\ [0-9]+\ 13\] ]]
	[ -f "$W/mail/u1/inbox/12" ]
	# the crash: the supervisor dies, the state file is the one from before
	kill_supervisor
	cp -p "$W/state.before" "$W/mail/u1/inbox/.asimap-state"
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
!wait b
c UID FETCH 12:* (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])
!wait c
S
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"* 12 FETCH (UID 13 BODY[HEADER.FIELDS (SUBJECT)]"* ]]
	[[ "$output" != *"(UID 12 "* ]]
}
