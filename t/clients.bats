#!/usr/bin/env bats
# Real clients against the whole chain (tcpserver, asimap-accept over
# implicit TLS, asimap-user): what they see must match the MH folders.
load lib/common

setup() { setup_world; }
teardown() { teardown_world; }

@test "python imaplib as a mail client: capability, list, status, select, flags, examine" {
	start_tcpserver --tls
	run /usr/bin/python3 "$ROOT/t/lib/clients_imaplib.py" "$PORT" u1 pw1
	[ "$status" -eq 0 ]
	local caps
	caps=$(sed -n 's/^capability: //p' <<<"$output" | tr ' ' '\n')
	grep -qx IMAP4rev1 <<<"$caps"
	! grep -qx LOGINDISABLED <<<"$caps" || false
	! grep -qx STARTTLS <<<"$caps" || false
	grep -qx "list: INBOX archive archive/2025" <<<"$output"
	grep -qx "status INBOX: MESSAGES 12 UNSEEN 4 UIDNEXT 13" <<<"$output"
	grep -qx "select INBOX: EXISTS 12" <<<"$output"
	# .mh_sequences: unseen 2-4 9, flagged 1.
	local want="" n f
	for n in $(seq 1 12); do
		f=""
		[ "$n" = 1 ] && f='\Flagged'
		case $n in 2 | 3 | 4 | 9) ;; *) f="${f:+$f }\\Seen" ;; esac
		want+="flags $n:${f:+ $f}"$'\n'
	done
	[ "$(grep '^flags ' <<<"$output")" = "${want%$'\n'}" ]
	grep -qx "examine archive: EXISTS 3" <<<"$output"
	grep -qx "logout: BYE" <<<"$output"
}

@test "mbsync pulls INBOX and archive into a Maildir with the same bytes and flags" {
	command -v mbsync >/dev/null || skip "mbsync not installed"
	start_tcpserver --tls
	mbsync_config 'INBOX archive' 'Sync Pull
Create Near'
	run env HOME="$W" timeout 30 mbsync -c "$W/mbsyncrc" -a
	[ "$status" -eq 0 ]
	[ -d "$W/maildir/INBOX/cur" ]
	[ -d "$W/maildir/archive/cur" ]

	run /usr/bin/python3 "$ROOT/t/lib/clients_mbsync.py" "$W/mail/u1/inbox" "$W/maildir/INBOX"
	[ "$status" -eq 0 ]
	[ "$output" = "messages 12"$'\n'"unseen: 2 3 4 9"$'\n'"flagged: 1" ]

	run /usr/bin/python3 "$ROOT/t/lib/clients_mbsync.py" "$W/mail/u1/archive" "$W/maildir/archive"
	[ "$status" -eq 0 ]
	[ "$output" = "messages 3"$'\n'"unseen:"$'\n'"flagged:" ]
}
