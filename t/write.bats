#!/usr/bin/env bats
# Writes: EXPUNGE, UID EXPUNGE, COPY, MOVE and APPEND on MH folders, as
# nmh sees them afterwards.
load lib/common

setup() { setup_world; export TZ=UTC; start_tcpserver; }
teardown() { teardown_world; }

inbox() { echo "$W/mail/u1/inbox"; }

@test "EXPUNGE removes exactly the \\Deleted messages, highest first, and their sequence entries" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
c STORE 3,9,12 +FLAGS (\Deleted)
d EXPUNGE
!wait d
e FETCH 3 UID
!wait e
S
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep EXPUNGE | grep -v '^d' | tr '\n' ' ')" = "* 12 EXPUNGE * 9 EXPUNGE * 3 EXPUNGE " ]
	[[ "$output" == *"* 3 FETCH (UID 4)"* ]]
	[ ! -e "$(inbox)/3" ]
	[ ! -e "$(inbox)/9" ]
	[ ! -e "$(inbox)/12" ]
	[ -e "$(inbox)/4" ]
	! grep -q Deleted "$(inbox)/.mh_sequences" || false
	grep -qx 'unseen: 2 4' "$(inbox)/.mh_sequences"
}

@test "UID EXPUNGE removes only the named \\Deleted messages; EXAMINE refuses" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
c STORE 1:2 +FLAGS (\Deleted)
d UID EXPUNGE 2
!wait d
e EXAMINE INBOX
f EXPUNGE
!wait f
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"* 2 EXPUNGE"* ]]
	[[ "$output" != *"* 1 EXPUNGE"* ]]
	[[ "$output" == *"f NO [READ-ONLY]"* ]]
	[ -e "$(inbox)/1" ]
	[ ! -e "$(inbox)/2" ]
}

@test "COPY makes real copies with their flags and answers COPYUID" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
c COPY 1:3 archive
!wait c
d STATUS archive (MESSAGES UIDNEXT UNSEEN)
!wait d
e COPY 1 nosuch
!wait e
S
	[ "$status" -eq 0 ]
	[[ "$output" =~ c\ OK\ \[COPYUID\ [0-9]+\ 1:3\ 4:6\] ]]
	[[ "$output" == *"MESSAGES 6 UIDNEXT 7 UNSEEN 2"* ]]
	[[ "$output" == *"e NO [TRYCREATE]"* ]]
	for i in 1 2 3; do
		cmp "$(inbox)/$i" "$W/mail/u1/archive/$((i + 3))"
		[ "$(stat -c %i "$(inbox)/$i")" != "$(stat -c %i "$W/mail/u1/archive/$((i + 3))")" ]
		[ "$(stat -c %Y "$(inbox)/$i")" = "$(stat -c %Y "$W/mail/u1/archive/$((i + 3))")" ]
	done
	grep -qx 'unseen: 5-6' "$W/mail/u1/archive/.mh_sequences"
	grep -qx 'flagged: 4' "$W/mail/u1/archive/.mh_sequences"
}

@test "MOVE moves the files, answers COPYUID then EXPUNGE, and both folders agree" {
	local before=$(md5sum <"$(inbox)/5")
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
c MOVE 5:6 archive
!wait c
d UID MOVE 12 INBOX
!wait d
S
	[ "$status" -eq 0 ]
	[[ "$output" =~ \*\ OK\ \[COPYUID\ [0-9]+\ 5:6\ 4:5\] ]]
	[ "$(printf '%s\n' "$output" | sed -n '/^b OK/,/^c /p' | grep EXPUNGE | tr '\n' ' ')" = "* 6 EXPUNGE * 5 EXPUNGE " ]
	[ ! -e "$(inbox)/5" ]
	[ "$(md5sum <"$W/mail/u1/archive/4")" = "$before" ]
	# a MOVE within one folder gives the message a new number and UID
	[[ "$output" =~ \*\ OK\ \[COPYUID\ [0-9]+\ 12\ 13\] ]]
	[ -e "$(inbox)/13" ]
	[ ! -e "$(inbox)/12" ]
}

@test "APPEND stores the message with LF line ends, flags and date, and answers APPENDUID" {
	run /usr/bin/python3 - "$PORT" <<'PY'
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login("u1", "pw1")
msg = b"From: a@example.org\r\nSubject: appended\r\n\r\nline one\r\nline two\r\n"
typ, dat = m.append("archive", r"(\Flagged $Label1)", '"01-Feb-2024 10:20:30 +0100"', msg)
print(typ, dat)
m.select("archive")
typ, dat = m.fetch("4", "(FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])")
print(dat[0][0].decode())
assert dat[0][1] == msg, dat[0][1]
typ, dat = m.append("nosuch", None, None, msg)
print(typ, dat)
PY
	[[ "$output" == *"OK [b'[APPENDUID "*" 4] APPEND completed']"* ]]
	[[ "$output" == *'FLAGS (\Recent \Flagged $Label1)'* ]] # new to the session that selects
	[[ "$output" == *'INTERNALDATE " 1-Feb-2024 09:20:30 +0000"'* ]]
	[[ "$output" == *"RFC822.SIZE 62"* ]]
	[[ "$output" == *"TRYCREATE"* ]]
	printf 'From: a@example.org\nSubject: appended\n\nline one\nline two\n' | cmp - "$W/mail/u1/archive/4"
	[ "$(TZ=UTC date -r "$W/mail/u1/archive/4" '+%F %T')" = "2024-02-01 09:20:30" ]
	grep -qx 'unseen: 4' "$W/mail/u1/archive/.mh_sequences"
	grep -qx 'flagged: 4' "$W/mail/u1/archive/.mh_sequences"
	grep -qx 'Label1: 4' "$W/mail/u1/archive/.mh_sequences" || grep -qx '\$Label1: 4' "$W/mail/u1/archive/.mh_sequences"
}

@test "APPEND to the selected folder is announced with EXISTS; a bad date or flag is BAD" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
c APPEND INBOX {10+}
Subject: x
d APPEND INBOX "31-Foo-2024 10:00:00 +0000" {1+}
x
e APPEND INBOX (\Recent) {1+}
x
!wait e
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"* 13 EXISTS"* ]]
	[[ "$output" =~ c\ OK\ \[APPENDUID\ [0-9]+\ 13\] ]]
	[[ "$output" == *"d BAD"* ]]
	[[ "$output" == *"e BAD"* ]]
	[ "$(ls "$(inbox)" | grep -c '^[0-9]*$')" -eq 13 ]
}
