#!/usr/bin/env bats
# Protocol details after login: answers that strict clients rely on.
load lib/common

setup() { setup_world; start_tcpserver; }
teardown() { teardown_world; }

@test "NAMESPACE, CAPABILITY, ID, ENABLE and errors for bad commands" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b NAMESPACE
c CAPABILITY
d ID NIL
e ENABLE CONDSTORE
f LOGIN u1 pw1
g FROBNICATE
h FETCH 1 UID
!wait h
S
	[ "$status" -eq 0 ]
	[[ "$output" == *'* NAMESPACE (("" "/")) NIL NIL'* ]]
	[[ "$output" == *"* CAPABILITY IMAP4rev1 "*" IDLE "*" UIDPLUS MOVE"* ]]
	[[ "$output" == *'* ID ("name" "asimap")'* ]]
	[[ "$output" == *"* ENABLED"* ]]
	[[ "$output" == *"f BAD"* && "$output" == *"g BAD"* && "$output" == *"h BAD"* ]]
}

@test "sequence numbers past the end are BAD at once; UID ranges to 4294967295 cost nothing" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
c FETCH 13 UID
d FETCH 1:* UID
e UID FETCH 1:4294967295 UID
f UID FETCH 4294967295 UID
g FETCH 0 UID
h STORE 99 +FLAGS (\Seen)
!wait h
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"c BAD"* ]]
	[ "$(printf '%s\n' "$output" | sed -n '/^c /,/^d OK/p' | grep -c ' FETCH (UID')" -eq 12 ]
	[ "$(printf '%s\n' "$output" | sed -n '/^d OK/,/^e OK/p' | grep -c ' FETCH (UID')" -eq 12 ]
	[[ "$output" == *"f OK UID FETCH completed"* ]]
	[[ "$output" == *"g BAD"* && "$output" == *"h BAD"* ]]
}

@test "a command sent one byte at a time is answered as a whole" {
	run /usr/bin/python3 - "$PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
s.recv(4096)
for b in b"a LOGIN {2}\r\nu1 {3+}\r\npw1\r\nb SELECT INBOX\r\nc UID FETCH 2 (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n":
    s.send(bytes([b]))
    time.sleep(0.001)
buf = b""
while b"\r\nc " not in buf:
    d = s.recv(65536)
    if not d: break
    buf += d
print(buf.decode(errors="replace"))
PY
	[ "$status" -eq 0 ]
	[[ "$output" == *"+ Ready"* ]]
	[[ "$output" == *"a OK"* && "$output" == *"b OK [READ-WRITE]"* ]]
	[[ "$output" == *"* 2 FETCH (UID 2 BODY[HEADER.FIELDS (SUBJECT)] {"* ]]
}

@test "folder names in UTF-8 on disk are modified UTF-7 in IMAP, both ways" {
	make_folder "$W/mail/u1/Entwürfe" 2
	make_folder "$W/mail/u1/a&b" 1
	make_folder "$W/mail/u1/$(printf 'bad\xff')" 1
	chown -R "$SVC_UID:$SVC_GID" "$W/mail/u1"
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b LIST "" *
c SELECT "Entw&APw-rfe"
d STATUS "a&-b" (MESSAGES)
e SELECT "Entw&APw"
f SELECT "&AGE-"
!wait f
S
	[ "$status" -eq 0 ]
	[[ "$output" == *'* LIST (\HasNoChildren) "/" "Entw&APw-rfe"'* ]]
	[[ "$output" == *'* LIST (\HasNoChildren) "/" "a&-b"'* ]]
	[[ "$output" != *"bad"* ]]
	[[ "$output" == *"* 2 EXISTS"* && "$output" == *"c OK"* ]]
	[[ "$output" == *'* STATUS "a&-b" (MESSAGES 1)'* ]]
	[[ "$output" == *"e NO"* && "$output" == *"f NO"* ]]
}

@test "SEARCH and UID SEARCH on flags, headers and bodies; ESEARCH and SEARCHRES" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
c SEARCH UNSEEN
d UID SEARCH FLAGGED
!raw 653020415050454e4420494e424f58207b3130382b7d0d0a5375626a6563743a203d3f7574662d383f713f6361663d43333d41395f736561726368776f72643f3d0d0a436f6e74656e742d5472616e736665722d456e636f64696e673a206261736536340d0a0d0a6447686c494768705a47526c626942755a57566b6247554e43673d3d0d0a
e SEARCH CHARSET UTF-8 SUBJECT {5+}
café
f SEARCH OR BODY needle SUBJECT nothing-like-this
g SEARCH RETURN (MIN MAX COUNT) UNSEEN
h SEARCH RETURN (SAVE) UNSEEN
i UID SEARCH $
j SEARCH CHARSET KOI8-R ALL
k SEARCH FROB
l SEARCH 99
!wait l
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"* SEARCH 2 3 4 9"$'\n'"c OK"* ]]
	[[ "$output" == *"* SEARCH 1"$'\n'"d OK"* ]]
	[[ "$output" == *"* ESEARCH (TAG \"g\") MIN 2 MAX 13 COUNT 5"* ]]
	[[ "$output" == *"* SEARCH 2 3 4 9 13"$'\n'"i OK"* ]]
	[[ "$output" == *"j NO [BADCHARSET"* ]]
	[[ "$output" == *"* SEARCH 13"$'\n'"e OK"* ]]
	[[ "$output" == *"* SEARCH 13"$'\n'"f OK"* ]]
	[[ "$output" == *"k BAD"* && "$output" == *"l BAD"* ]]
}

@test "ENVELOPE, BODYSTRUCTURE, BODY, ALL/FULL and body part sections" {
	cp "$CORPUS/m3.eml" "$W/mail/u1/inbox/3"
	chown "$SVC_UID:$SVC_GID" "$W/mail/u1/inbox/3"
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
c FETCH 3 (ENVELOPE BODYSTRUCTURE)
d FETCH 3 (BODY.PEEK[1.MIME] BODY.PEEK[2]<0.20> BODY.PEEK[9])
e FETCH 3 FULL
f FETCH 3 BODY.PEEK[1.2.3.x]
!wait f
S
	[ "$status" -eq 0 ]
	[[ "$output" == *'ENVELOPE ("Sat, 2 Jan 2016 17:42:00 -0400" "MimeMessage.TextBody and HtmlBody tests" (("MimeKit Unit Tests" NIL "mimekit" "mimekit.net"))'* ]]
	[[ "$output" == *'BODYSTRUCTURE (('* ]]
	[[ "$output" == *$'BODY[1.MIME] {27}\nContent-Type: text/html\n\n BODY[2]<0> {20}\nThis is the text bod BODY[9] "")'* ]]
	[[ "$output" == *"e OK"* && "$output" == *" BODY (("* ]]
	[[ "$output" == *"f BAD"* ]]
}
