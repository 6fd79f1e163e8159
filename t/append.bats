#!/usr/bin/env bats
# APPEND of big messages: the message literal goes to a temporary file in
# the target folder as it arrives, from the supervisor's event loop, and
# becomes a message only when it is whole; refused APPENDs are answered
# before "+" (synchronizing) or after their bytes were read and thrown
# away (LITERAL+).  t/lib/append_stream.py is the raw client.
load lib/common

setup() {
	setup_world
	export TZ=UTC
	start_tcpserver
	export W PORT
}
teardown() { teardown_world; }

inbox() { echo "$W/mail/u1/inbox"; }
stream() { /usr/bin/python3 "$ROOT/t/lib/append_stream.py" "$@"; }
# value KEY: the value of "KEY value" in $output.
value() { printf '%s\n' "$output" | sed -n "s/^$1 //p" | head -1; }
numbered() { find "$1" -maxdepth 1 -type f -regex '.*/[0-9]+' | wc -l; }
temps() { ls -A "$1" | grep -c '^\.asimap-new\.' || true; }

@test "a 300 MB APPEND lands byte-exact while the supervisor stays under 64 MB" {
	run stream big 300
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[[ "$(value answer)" =~ ^A\ OK\ \[APPENDUID\ [0-9]+\ 13\] ]]
	# the file is what the client sent, each CRLF stored as LF
	[ "$(stat -c %s "$(inbox)/13")" = "$(value stored_size)" ]
	[ "$(sha256sum <"$(inbox)/13" | cut -d' ' -f1)" = "$(value stored_sha256)" ]
	[ "$(temps "$(inbox)")" -eq 0 ]
	grep -qx 'unseen: 2-4 9' "$(inbox)/.mh_sequences"
	# memory: the peak of the supervisor's whole life, and what the APPEND added
	[ "$(value vmhwm_kb)" -lt 65536 ]
	[ $(($(value vmhwm_kb) - $(value rss_before_kb))) -lt 16384 ]
	# RFC822.SIZE is known without reading the message back
	local wire=$(value wire_size)
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
c FETCH 13 (RFC822.SIZE FLAGS)
!wait c
S
	printf '%s\n' "$output"
	[[ "$output" == *"* 13 FETCH (RFC822.SIZE $wire FLAGS (\\Recent \\Seen))"* ]]
	local hwm=$(awk '/^VmHWM:/ { print $2 }' /proc/$(supervisors)/status)
	[ "$hwm" -lt 65536 ]
}

@test "a streamed APPEND with lone CRs, bare LFs and CR CR LF: FETCH sends RFC822.SIZE bytes of it" {
	run stream roundtrip 3
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[[ "$(value answer)" =~ ^A\ OK\ \[APPENDUID ]]
	[ "$(value rfc822_size)" = "$(value body_size)" ]
	[ "$(value body_ok)" = yes ]
	[ "$(value file_ok)" = yes ]
}

@test "another session of the user is answered at once while a big literal arrives slowly" {
	run stream slow 40
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[[ "$(value answer)" =~ ^A\ OK\ \[APPENDUID\ [0-9]+\ 13\] ]]
	[[ "$output" != *"error "* ]]
	# the literal took seconds; the other session was answered all along
	[ "$(value rounds)" -ge 10 ]
	awk -v l="$(value max_latency)" 'BEGIN { exit !(l < 2.0) }'
}

@test "a refused synchronizing APPEND gets NO or BAD and no +; the client sends nothing more of it" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b APPEND nosuch {10}
!wait b
c APPEND INBOX (\Seen) {1073741825}
!wait c
d APPEND INBOX (\Recent) {10}
!wait d
e APPEND INBOX "31-Foo-2024 10:00:00 +0000" {10}
!wait e
f APPEND ../u2/inbox {10}
!wait f
g SEARCH TEXT {100000000}
!wait g
h NOOP
!wait h
S
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"b NO [TRYCREATE] "* ]]
	[[ "$output" == *"c NO [TOOBIG] "* ]]
	[[ "$output" == *"d BAD "* ]]
	[[ "$output" == *"e BAD "* ]]
	[[ "$output" == *"f NO [CANNOT] "* ]]
	[[ "$output" == *"g BAD Literal too large"* ]]
	[[ "$output" == *"h OK"* ]]
	! printf '%s\n' "$output" | grep -q '^+' || false
	[ "$(numbered "$(inbox)")" -eq 12 ]
	[ ! -e "$W/mail/u1/nosuch" ]
}

@test "a refused LITERAL+ APPEND is read and thrown away, then answered; commands inside it are data" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b APPEND nosuch {24+}
x LOGOUT
y DELETE INBOX
c APPEND INBOX (\Bogus) {10+}
Subject: x
d APPEND INBOX {3+}
abc (\Seen) {4+}
defg
e NOOP
!wait e
S
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"b NO [TRYCREATE] "* ]]
	[[ "$output" == *"c BAD "* ]]
	[[ "$output" == *"d BAD Only one message per APPEND"* ]]
	[[ "$output" == *"e OK"* ]]
	[[ "$output" != *"BYE"* ]]
	! printf '%s\n' "$output" | grep -q '^[xy] ' || false
	[ -d "$(inbox)" ]
	[ "$(numbered "$(inbox)")" -eq 12 ]
	[ "$(temps "$(inbox)")" -eq 0 ]
}

@test "a LITERAL+ APPEND over the limit: every byte is read and thrown away, memory stays small" {
	run stream toobig_plus
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"answer T NO [TOOBIG] "* ]]
	[[ "$output" == *"answer N OK"* ]]
	[[ "$output" != *BYE* ]]
	[ "$(value vmhwm_kb)" -lt 65536 ]
	[ "$(numbered "$(inbox)")" -eq 12 ]
}

@test "a client that closes or is killed mid-literal, or a supervisor killed mid-APPEND, leaves no message and no temporary file" {
	local how
	for how in close kill supervisor; do
		run stream cut 20 "$how"
		printf '%s\n' "$output"
		[ "$status" -eq 0 ]
		sleep 0.3
		[ "$(numbered "$(inbox)")" -eq 12 ]
		[ "$(temps "$(inbox)")" -eq 0 ]
		run imap "$PORT" <<'S'
a LOGIN u1 pw1
b STATUS INBOX (MESSAGES UIDNEXT)
!wait b
S
		printf '%s\n' "$output"
		[[ "$output" == *"(MESSAGES 12 UIDNEXT 13)"* ]]
	done
	# a new APPEND still gets the next number and UID
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b APPEND INBOX {10+}
Subject: x
!wait b
S
	[[ "$output" =~ b\ OK\ \[APPENDUID\ [0-9]+\ 13\] ]]
	[ -f "$(inbox)/13" ]
}

@test "APPEND: the mailbox name as a literal, a quoted message, an empty one; flags and date as before" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b APPEND {7}
!wait +
archive (\Flagged) " 5-Mar-2024 01:02:03 +0000" {12}
!wait +
Subject: lit
!wait b
c APPEND archive () " 5-Mar-2024 01:02:03 +0000" "Subject: quoted"
!wait c
d APPEND archive {0+}
!raw 0d0a
!wait d
S
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ b\ OK\ \[APPENDUID\ [0-9]+\ 4\] ]]
	[[ "$output" =~ c\ OK\ \[APPENDUID\ [0-9]+\ 5\] ]]
	[[ "$output" =~ d\ OK\ \[APPENDUID\ [0-9]+\ 6\] ]]
	local a=$W/mail/u1/archive
	printf 'Subject: lit' | cmp - "$a/4"
	printf 'Subject: quoted' | cmp - "$a/5"
	[ ! -s "$a/6" ] && [ -f "$a/6" ]
	[ "$(date -r "$a/4" '+%F %T')" = "2024-03-05 01:02:03" ]
	grep -qx 'flagged: 4' "$a/.mh_sequences"
	grep -qx 'unseen: 4-6' "$a/.mh_sequences"
}

@test "temporary files that dead writers left are removed when APPEND opens the folder; recent ones stay" {
	local a=$W/mail/u1/archive
	printf 'half a message' >"$a/.asimap-new.1.0"
	touch -d '2 hours ago' "$a/.asimap-new.1.0"
	printf 'being written' >"$a/.asimap-new.1.1"
	chown "$SVC_UID:$SVC_GID" "$a"/.asimap-new.*
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b APPEND archive {10+}
Subject: x
!wait b
S
	[[ "$output" =~ b\ OK\ \[APPENDUID\ [0-9]+\ 4\] ]]
	[ ! -e "$a/.asimap-new.1.0" ]
	[ -e "$a/.asimap-new.1.1" ]
	[ "$(numbered "$a")" -eq 4 ]
}
