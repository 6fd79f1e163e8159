#!/usr/bin/env bats
# The spine end to end: super-server, asimap-accept, hand-off, asimap-user.
load lib/common

setup() { setup_world; }
teardown() { teardown_world; }

# fetch_compare MODE AUTH: imaplib logs in to $PORT as u1 (MODE plain, tls
# or starttls; AUTH login, plain or plain-ir), lists, selects INBOX,
# fetches every message and compares the bytes with the files on disk (LF
# as CRLF).  See t/lib/fetch_compare.py.
fetch_compare() {
	/usr/bin/python3 "$ROOT/t/lib/fetch_compare.py" "$1" "$PORT" u1 pw1 "$2" "$W/mail/u1/inbox"
}

# assert_compared: fetch_compare's run checked all 12 messages of INBOX.
assert_compared() {
	[ "$status" -eq 0 ]
	[[ "$output" == *"checked 12 messages"* ]]
}

# direct [OPTIONS] PORT, or direct [OPTIONS] -- PROGRAM...: the raw client
# of t/lib/clients_direct.py (!wait consumes lines, !starttls, !quiet,
# --show-cr, and "[exit N]" of a PROGRAM).
direct() {
	/usr/bin/python3 "$ROOT/t/lib/clients_direct.py" "$@"
}

# accept_from IP [OPTIONS]: asimap-accept on a socketpair, as the service
# user, for a connection from IP (the super-server's TCPREMOTEIP; tcpserver
# on loopback cannot pretend to be anything else).  Its stderr, and so the
# supervisor's, goes to the server log, not into bats' output capture.
accept_from() {
	local ip=$1 drop=()
	shift
	[ "$(id -u)" = 0 ] && drop=(setpriv --reuid="$SVC_UID" --regid="$SVC_GID" --clear-groups)
	TCPREMOTEIP=$ip TCPREMOTEPORT=40000 TCPLOCALIP=192.0.2.254 TCPLOCALPORT=143 \
		direct "$@" -- sh -c 'exec "$@" 2>>"$0"' "$W/server.log" \
		"${drop[@]}" "$BIN/asimap-accept"
}

# caps_of LINE: the capability list of a "* CAPABILITY ..." line or of a
# response code "[CAPABILITY ...]", one per line.
caps_of() {
	sed -n -e 's/.*\[CAPABILITY \([^]]*\)\].*/\1/p' -e 's/^\* CAPABILITY \(.*\)$/\1/p' <<<"$1" |
		tr -d '\r' | tr ' ' '\n'
}

@test "pipelined LOGIN, SELECT and FETCH in one write get all three answers" {
	start_tcpserver
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
c FETCH 1 UID
!wait c
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"a OK"* ]]
	[[ "$output" == *"* 12 EXISTS"* ]]
	[[ "$output" == *"b OK [READ-WRITE]"* ]]
	[[ "$output" == *"* 1 FETCH (UID 1)"* ]]
	[[ "$output" == *"c OK"* ]]
}

@test "tcpserver, implicit TLS, LOGIN: imaplib fetches every message byte for byte" {
	start_tcpserver --tls
	run fetch_compare tls login
	assert_compared
}

@test "tcpserver, implicit TLS, AUTHENTICATE PLAIN after a continuation: bytes match" {
	start_tcpserver --tls
	run fetch_compare tls plain
	assert_compared
}

@test "tcpserver, implicit TLS, AUTHENTICATE PLAIN with SASL-IR: bytes match" {
	start_tcpserver --tls
	run fetch_compare tls plain-ir
	assert_compared
}

@test "tcpserver, STARTTLS, LOGIN: bytes match" {
	start_tcpserver
	run fetch_compare starttls login
	assert_compared
}

@test "tcpserver, STARTTLS, AUTHENTICATE PLAIN: bytes match" {
	start_tcpserver
	run fetch_compare starttls plain
	assert_compared
}

@test "systemd-socket-activate --inetd, implicit TLS, LOGIN: bytes match" {
	start_socket_activate --tls
	run fetch_compare tls login
	assert_compared
}

@test "systemd-socket-activate --inetd, STARTTLS, SASL-IR: bytes match" {
	start_socket_activate
	run fetch_compare starttls plain-ir
	assert_compared
}

@test "LIST returns INBOX, archive and archive/2025 (a numbered folder), which EXAMINE opens" {
	start_tcpserver --tls
	run fetch_compare tls login
	assert_compared
	grep -qx "list: INBOX archive archive/2025" <<<"$output"
	run direct --tls "$PORT" <<'S'
a LOGIN u1 pw1
b LIST "" *
c EXAMINE archive/2025
!wait c
S
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\n'"* 2 EXISTS"$'\n'* ]]
	[[ "$output" == *$'\n'"c OK "* ]]
	[[ "$output" == *'* LIST (\HasNoChildren) "/" "INBOX"'* || "$output" == *'* LIST (\HasNoChildren) "/" INBOX'* ]]
	[[ "$output" == *'* LIST (\HasChildren) "/" "archive"'* || "$output" == *'* LIST (\HasChildren) "/" archive'* ]]
	[[ "$output" == *'* LIST (\HasNoChildren) "/" "archive/2025"'* || "$output" == *'* LIST (\HasNoChildren) "/" archive/2025'* ]]
	[ "$(grep -c '^\* LIST ' <<<"$output")" -eq 3 ]
}

@test "the greeting is * OK [CAPABILITY ...] text, CRLF, and agrees with CAPABILITY" {
	local greeting='^\* OK \[CAPABILITY [!-Z^-~]+( [!-Z^-~]+)*\] [!-~][ -~]*<CR>$'
	for mode in "" --tls; do
		start_tcpserver $mode
		run direct --show-cr $mode "$PORT" <<'S'
a CAPABILITY
!wait a
b LOGOUT
!wait b
S
		[ "$status" -eq 0 ]
		# resp-text-code, then at least one character of text, then CRLF.
		[[ "${lines[0]}" =~ $greeting ]]
		caps_of "${lines[0]}" | grep -qx IMAP4rev1
		[[ "${lines[1]}" == "* CAPABILITY "*"<CR>" ]]
		[ "$(caps_of "${lines[0]}" | sort)" = "$(caps_of "${lines[1]}" | sed 's/<CR>$//' | sort)" ]
		[[ "${lines[2]}" == "a OK "*"<CR>" ]]
		[[ "${lines[3]}" == "* BYE "*"<CR>" ]]
		[[ "${lines[4]}" == "b OK "*"<CR>" ]]
	done
}

@test "plaintext from a non-loopback address: STARTTLS and LOGINDISABLED, no AUTH=, LOGIN refused" {
	run accept_from 192.0.2.1 <<'S'
a CAPABILITY
!wait a
b LOGIN u1 pw1
!wait b
c AUTHENTICATE PLAIN AHUxAHB3MQ==
!wait c
d AUTHENTICATE PLAIN
!wait d
e LOGOUT
!wait e
S
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "* OK [CAPABILITY "* ]]
	local caps
	for l in "${lines[0]}" "$(grep '^\* CAPABILITY ' <<<"$output")"; do
		caps=$(caps_of "$l")
		grep -qx STARTTLS <<<"$caps"
		grep -qx LOGINDISABLED <<<"$caps"
		! grep -q '^AUTH=' <<<"$caps" || false
	done
	[[ "$output" == *$'\n'"b NO "* ]]
	[[ "$output" == *$'\n'"c NO "* ]]
	[[ "$output" == *$'\n'"d NO "* ]]
	! grep -q '^+' <<<"$output" || false
	[[ "$output" == *$'\n'"e OK "* ]]
	[[ "$output" == *$'\n'"[exit 0]" ]]
	[ -z "$(supervisors)" ] # nothing was handed over
}

@test "non-loopback after STARTTLS: AUTH=PLAIN, no LOGINDISABLED, and LOGIN works" {
	run accept_from 192.0.2.1 <<'S'
a STARTTLS
!wait a
!starttls
b CAPABILITY
!wait b
c LOGIN u1 pw1
!wait c
d SELECT INBOX
!wait d
e LOGOUT
!wait e
S
	[ "$status" -eq 0 ]
	local caps
	caps=$(caps_of "$(grep '^\* CAPABILITY ' <<<"$output")")
	grep -qx AUTH=PLAIN <<<"$caps"
	grep -qx IMAP4rev1 <<<"$caps"
	! grep -qx LOGINDISABLED <<<"$caps" || false
	! grep -qx STARTTLS <<<"$caps" || false
	[[ "$output" == *$'\n'"c OK "* ]]
	[[ "$output" == *$'\n'"* 12 EXISTS"$'\n'* ]]
	[[ "$output" == *$'\n'"d OK "* ]]
	[[ "$output" == *$'\n'"e OK "* ]]
	[[ "$output" == *$'\n'"[exit 0]" ]]
}

@test "bytes pipelined after STARTTLS in the same write are discarded, not executed" {
	start_tcpserver
	run direct "$PORT" <<'S'
a STARTTLS
b LOGIN u1 pw1
!wait a
!quiet 0.3
!starttls
c CAPABILITY
!wait c
d LOGIN u1 pw1
!wait d
e SELECT INBOX
!wait e
S
	[ "$status" -eq 0 ]
	! grep -q '^b ' <<<"$output" || false
	# Still before login after the handshake: d is the login that counts.
	grep -qx AUTH=PLAIN <<<"$(caps_of "$(grep '^\* CAPABILITY ' <<<"$output")")"
	[[ "$output" == *$'\n'"d OK "* ]]
	[[ "$output" == *$'\n'"* 12 EXISTS"$'\n'* ]]
	[[ "$output" == *$'\n'"e OK "* ]]
}

@test "LOGIN with synchronizing literals: the server asks with + for each" {
	start_tcpserver
	run direct "$PORT" <<'S'
a LOGIN {2}
!wait +
u1 {3}
!wait +
pw1
!wait a
b SELECT INBOX
!wait b
S
	[ "$status" -eq 0 ]
	[ "$(grep -c '^+ ' <<<"$output")" -eq 2 ]
	[[ "$output" == *$'\n'"a OK "* ]]
	[[ "$output" == *$'\n'"* 12 EXISTS"$'\n'* ]]
	[[ "$output" == *$'\n'"b OK "* ]]
}

@test "LOGIN with LITERAL+ literals in one write, plaintext and TLS" {
	for mode in "" --tls; do
		start_tcpserver $mode
		run direct $mode "$PORT" <<'S'
a LOGIN {2+}
u1 {3+}
pw1
b SELECT INBOX
c FETCH 12 (UID)
!wait c
S
		[ "$status" -eq 0 ]
		! grep -q '^+' <<<"$output" || false
		[[ "$output" == *$'\n'"a OK "* ]]
		[[ "$output" == *$'\n'"* 12 EXISTS"$'\n'* ]]
		[[ "$output" == *$'\n'"b OK "* ]]
		[[ "$output" == *$'\n'"* 12 FETCH (UID 12)"$'\n'* ]]
		[[ "$output" == *$'\n'"c OK "* ]]
	done
}
