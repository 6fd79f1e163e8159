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
