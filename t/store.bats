#!/usr/bin/env bats
# Changes made on disk by other programs while a session has the folder
# selected become EXISTS, EXPUNGE and FETCH FLAGS at the moments RFC 3501
# allows them.
load lib/common

setup() { setup_world; start_tcpserver; }
teardown() { teardown_world; }

@test "a message added on disk is announced with EXISTS and can be fetched" {
	run imap "$PORT" <<S
a LOGIN u1 pw1
b SELECT INBOX
!wait b
!sh printf 'Subject: new\n\nnew body\n' > $W/mail/u1/inbox/13 && chown $SVC_UID $W/mail/u1/inbox/13
c NOOP
!wait c
d FETCH 13 (UID BODY[TEXT])
!wait d
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"* 13 EXISTS"* ]]
	[[ "$output" == *"* 13 FETCH (UID 13 BODY[TEXT] {10}"* ]]
	[[ "$output" == *"d OK"* ]]
}

@test "a message removed on disk is EXPUNGEd at NOOP, never during FETCH" {
	run imap "$PORT" <<S
a LOGIN u1 pw1
b SELECT INBOX
!wait b
!sh rm $W/mail/u1/inbox/5 $W/mail/u1/inbox/7
c FETCH 1:* (UID)
!wait c
d NOOP
!wait d
e FETCH 5 UID
!wait e
S
	[ "$status" -eq 0 ]
	fetch_part=$(printf '%s\n' "$output" | sed -n '/^b OK/,/^c /p')
	[[ "$fetch_part" != *EXPUNGE* ]]
	noop_part=$(printf '%s\n' "$output" | sed -n '/^c /,/^d /p')
	# highest first, each number valid when it arrives
	[ "$(printf '%s\n' "$noop_part" | grep EXPUNGE | tr '\n' ' ')" = "* 7 EXPUNGE * 5 EXPUNGE " ]
	[[ "$output" == *"* 5 FETCH (UID 6)"* ]]
}

@test "a flag changed in .mh_sequences is sent as FETCH FLAGS" {
	run imap "$PORT" <<S
a LOGIN u1 pw1
b SELECT INBOX
!wait b
!sh printf 'unseen: 2-4 9 11\nflagged: 1 12\n' > $W/mail/u1/inbox/.mh_sequences.new && mv $W/mail/u1/inbox/.mh_sequences.new $W/mail/u1/inbox/.mh_sequences
c NOOP
!wait c
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"* 11 FETCH (FLAGS ())"* ]]
	[[ "$output" == *"* 12 FETCH (FLAGS (\\Seen \\Flagged))"* ]]
	[ "$(printf '%s\n' "$output" | grep -c ' FETCH (FLAGS')" -eq 2 ]
}

@test "two sessions on one folder share one supervisor and both see a change" {
	run imap "$PORT" <<S
a LOGIN u1 pw1
b SELECT INBOX
!wait b
!sh printf 'a LOGIN u1 pw1\nb SELECT INBOX\n!wait b\n' | $IMAPC $PORT >/dev/null
!sh rm $W/mail/u1/inbox/12
c NOOP
!wait c
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"* 12 EXPUNGE"* ]]
	[ "$(supervisors | wc -l)" -eq 1 ]
}
