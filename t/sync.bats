#!/usr/bin/env bats
# mbsync (isync) keeps a local Maildir tree and u1's MH folders in sync
# both ways through asimap (tcpserver, asimap-accept over implicit TLS,
# asimap-user): a full sync, changes on both sides, an incremental sync
# after which both sides hold the same bodies with the same flags, each
# once, and a third sync that changes nothing.
#
# Server side: imaplib APPENDs, STOREs and EXPUNGEs (t/lib/sync_server.py),
# nmh's mark and rmm change the folders, a message arrives as a new file.
# Client side: the Maildir is changed as a mail reader does it: a flag by
# renaming a file, a deletion by removing one, a new message and a new
# folder by writing files.
load lib/common
source "$BATS_TEST_DIRNAME/lib/nmh_common.sh"

setup() {
	setup_world
	nmh_profile
	start_tcpserver --tls
	mbsync_config '*' 'Sync All
Create Both
Expunge Both'
}

teardown() { teardown_world; }

sync() {
	run env HOME="$W" timeout 60 mbsync -c "$W/mbsyncrc" -a
	echo "$output" | sed 's/^/mbsync: /'
	[ "$status" -eq 0 ]
}

check() { # FOLDER...
	run /usr/bin/python3 "$ROOT/t/lib/sync_check.py" compare "$W/mail/u1" "$W/maildir" "$@"
	echo "$output"
	[ "$status" -eq 0 ]
}

snapshot() {
	/usr/bin/python3 "$ROOT/t/lib/sync_check.py" snapshot "$W/mail/u1" "$W/maildir"
}

# maildir_file FOLDER UID: the Maildir file mbsync keeps for far UID.
maildir_file() {
	local near
	near=$(awk -v far="$2" 'NF >= 2 && $1 == far { print $2 }' "$W/maildir/$1/.mbsyncstate")
	[ -n "$near" ] || return 1
	find "$W/maildir/$1/cur" "$W/maildir/$1/new" -name "*,U=$near:*" | grep .
}

@test "mbsync: full sync, changes on both sides, incremental sync, then nothing to do" {
	command -v mbsync >/dev/null || skip "mbsync not installed"

	# 1. Full sync of the folder tree.
	sync
	check INBOX archive archive/2025
	echo "$output" | grep -qx 'INBOX: 12 messages'
	echo "$output" | grep -qx 'archive: 3 messages'
	echo "$output" | grep -qx 'archive/2025: 2 messages'
	# .mh_sequences: unseen 2-4 9, flagged 1
	echo "$output" | grep -qx 'INBOX 1 FS .*'
	echo "$output" | grep -qx 'INBOX 3 - .*'
	echo "$output" | grep -qx 'INBOX 5 S .*'

	# 2. The server side: another IMAP client, nmh, a delivery.
	run /usr/bin/python3 "$ROOT/t/lib/sync_server.py" "$PORT" u1 pw1
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -Eqx 'append: APPENDUID [0-9]+ 13'
	nmh mark +inbox 5 -sequence flagged -add
	nmh mark +inbox 3 -sequence unseen -delete
	nmh rmm +inbox 8
	[ ! -e "$W/mail/u1/inbox/8" ]
	printf 'From: Delivery <mda@example.org>\nSubject: sync delivered as a file\n\nWritten into the folder by a delivery agent.\n' \
		>"$W/mail/u1/inbox/.new"
	as_owner "$W/mail/u1/inbox/.new"
	mv "$W/mail/u1/inbox/.new" "$W/mail/u1/inbox/14"

	# The client side, as a mail reader changes a Maildir.
	local f
	f=$(maildir_file INBOX 10) # seen: flag it
	mv "$f" "${f%:2,*}:2,FS"
	f=$(maildir_file INBOX 9) # unseen, in new/: read it
	mv "$f" "$W/maildir/INBOX/cur/$(basename "${f%:2,*}"):2,S"
	f=$(maildir_file archive 3) # delete it
	rm "$f"
	printf 'From: Near Side <near@example.org>\nSubject: sync added in the Maildir\n\nWritten by a local mail reader.\n' \
		>"$W/maildir/INBOX/new/1800000000.P1.local"
	mkdir -p "$W/maildir/fromclient/cur" "$W/maildir/fromclient/new" "$W/maildir/fromclient/tmp"
	printf 'From: Near Side <near@example.org>\nSubject: sync new folder\n\nIn a folder made by the client.\n' \
		>"$W/maildir/fromclient/cur/1800000001.P1.local:2,S"

	# 3. Incremental sync: both sides agree, nothing lost or doubled.
	sync
	check INBOX archive archive/2025 fromclient
	echo "$output" | grep -qx 'INBOX: 14 messages'  # 12 - rmm + APPEND + file + Maildir
	echo "$output" | grep -qx 'archive: 1 messages' # 3 - EXPUNGE - Maildir delete
	echo "$output" | grep -qx 'archive/2025: 2 messages'
	echo "$output" | grep -qx 'fromclient: 1 messages'
	echo "$output" | grep -qx 'INBOX 5 FS .*'  # nmh mark flagged
	echo "$output" | grep -qx 'INBOX 3 S .*'   # nmh mark -delete unseen
	echo "$output" | grep -qx 'INBOX 10 FS .*' # renamed in the Maildir
	echo "$output" | grep -qx 'INBOX 9 S .*'   # read in the Maildir
	echo "$output" | grep -qx 'INBOX 13 F sync appended on the server'
	echo "$output" | grep -qx 'INBOX 14 S sync delivered as a file'
	echo "$output" | grep -Eqx 'INBOX 1[5-9] - sync added in the Maildir'
	echo "$output" | grep -Eqx 'archive 1 S .*'
	echo "$output" | grep -Eqx 'archive/2025 1 RS .*'
	echo "$output" | grep -Eqx 'fromclient 1 S sync new folder'
	! echo "$output" | grep -q '^INBOX 8 ' || false
	# What clients sent with CRLF is stored with LF, as MH tools expect.
	! grep -q $'\r' "$W/mail/u1/inbox/13" "$W/mail/u1/inbox/15" "$W/mail/u1/fromclient/1" || false

	# 4. A third sync has nothing to do.
	snapshot >"$W/before"
	sync
	snapshot >"$W/after"
	diff "$W/before" "$W/after"
	[ "$(grep -c '^mh ' "$W/after")" -ge 18 ]
	check INBOX archive archive/2025 fromclient
}
