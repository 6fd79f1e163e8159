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

# nmh as the owner of the mail root, on u1's folders.
nmh() {
	local cmd=$1
	shift
	printf 'Path: %s\n' "$W/mail/u1" >"$W/mh_profile"
	chown "$SVC_UID:$SVC_GID" "$W/mh_profile"
	MH=$W/mh_profile MHCONTEXT=$W/mh_context setpriv --reuid="$SVC_UID" --regid="$SVC_GID" \
		--clear-groups "/usr/bin/mh/$cmd" "$@"
}

@test "UIDs and UIDVALIDITY survive a restart of the supervisor" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
!wait b
S
	v1=$(printf '%s\n' "$output" | sed -n 's/.*\[UIDVALIDITY \([0-9]*\)\].*/\1/p')
	[ -n "$v1" ]
	[ -f "$W/mail/u1/inbox/.asimap-state" ]
	kill $(supervisors)
	sleep 0.3
	[ -z "$(supervisors)" ]
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
!wait b
c UID FETCH 1:* UID
!wait c
S
	[[ "$output" == *"[UIDVALIDITY $v1]"* ]]
	[[ "$output" == *"* 12 FETCH (UID 12)"* ]]
}

@test "folder -pack renumbers files and every message keeps its UID" {
	[ -x /usr/bin/mh/folder ] || skip "nmh is not installed"
	run imap "$PORT" <<S
a LOGIN u1 pw1
b SELECT INBOX
!wait b
!sh rm $W/mail/u1/inbox/3 $W/mail/u1/inbox/4
c UID FETCH 5 (UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID SUBJECT)])
!wait c
S
	before=$(printf '%s\n' "$output" | sed -n '/^c /q;/FETCH (UID 5/,/^)/p')
	[ -n "$before" ]
	nmh folder +inbox -pack >/dev/null
	[ -f "$W/mail/u1/inbox/10" ]
	[ ! -f "$W/mail/u1/inbox/11" ]
	run imap "$PORT" <<S
a LOGIN u1 pw1
b SELECT INBOX
!wait b
c UID FETCH 5 (UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID SUBJECT)])
!wait c
d FETCH 3 UID
!wait d
S
	after=$(printf '%s\n' "$output" | sed -n '/^c /q;/FETCH (UID 5/,/^)/p')
	[ "$(printf '%s\n' "$before" | sed 's/^\* [0-9]* FETCH/FETCH/')" = "$(printf '%s\n' "$after" | sed 's/^\* [0-9]* FETCH/FETCH/')" ]
	[[ "$output" == *"* 3 FETCH (UID 5)"* ]]
	[[ "$output" == *"* 10 EXISTS"* ]]
	[[ "$output" == *"[UIDNEXT 13]"* ]]
}

@test "a lost state file gives the folder a new, greater UIDVALIDITY" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b STATUS INBOX (UIDVALIDITY)
!wait b
S
	v1=$(printf '%s\n' "$output" | sed -n 's/.*UIDVALIDITY \([0-9]*\)).*/\1/p')
	kill $(supervisors)
	sleep 1.1
	rm "$W/mail/u1/inbox/.asimap-state"
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b STATUS INBOX (UIDVALIDITY UIDNEXT)
!wait b
S
	v2=$(printf '%s\n' "$output" | sed -n 's/.*UIDVALIDITY \([0-9]*\).*/\1/p')
	[ -n "$v1" ]
	[ -n "$v2" ]
	[ "$v2" -gt "$v1" ]
	[[ "$output" == *"UIDNEXT 13"* ]]
}

@test "sortm reordering the messages of a selected folder ends the session with BYE" {
	[ -x /usr/bin/mh/sortm ] || skip "nmh is not installed"
	run imap "$PORT" <<S
a LOGIN u1 pw1
b SELECT INBOX
!wait b
!sh printf 'Path: %s\n' $W/mail/u1 > $W/mh_profile; MH=$W/mh_profile MHCONTEXT=$W/mh_context setpriv --reuid=$SVC_UID --regid=$SVC_GID --clear-groups /usr/bin/mh/sortm +inbox -textfield subject >/dev/null
c NOOP
!read
S
	[[ "$output" == *"* BYE [UIDVALIDITY]"* || "$output" == *"c OK"* ]]
	# sortm changed the order only if the subjects were out of order; they are (corpus first).
	[[ "$output" == *"* BYE [UIDVALIDITY]"* ]]
}

@test "STORE changes flags as MH sequences that nmh reads, and tells every session" {
	run imap "$PORT" <<S
a LOGIN u1 pw1
b SELECT INBOX
!wait b
c STORE 2 +FLAGS (\Seen \Answered)
!wait c
d UID STORE 3 +FLAGS \$Forwarded
!wait d
e STORE 1 FLAGS (\Draft)
!wait e
f STORE 4 -FLAGS.SILENT (\Seen)
!wait f
g STORE 5 +FLAGS (\Recent)
!wait g
!sh printf 'a LOGIN u1 pw1\nb SELECT INBOX\n!wait b\nc STORE 6 +FLAGS (\\\\Flagged)\n!wait c\n' | $IMAPC $PORT >/dev/null
h NOOP
!wait h
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"b OK [READ-WRITE]"* ]]
	[[ "$output" == *'PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft \*)'* ]]
	[[ "$output" == *'* 2 FETCH (FLAGS (\Seen \Answered))'* ]]
	[[ "$output" == *'* 3 FETCH (UID 3 FLAGS ($Forwarded))'* ]]
	[[ "$output" == *'* 1 FETCH (FLAGS (\Draft))'* ]]
	[[ "$output" == *"g BAD"* ]]
	[ "$(printf '%s\n' "$output" | sed -n '/^e OK/,/^f /p' | grep -c FETCH)" -eq 0 ]
	[[ "$output" == *'* 6 FETCH (FLAGS (\Seen \Flagged))'* ]]
	seqs=$W/mail/u1/inbox/.mh_sequences
	grep -qx 'unseen: 1 3-4 9' "$seqs"
	grep -qx 'replied: 2' "$seqs"
	grep -qx 'Draft: 1' "$seqs"
	grep -qx 'flagged: 6' "$seqs"
	grep -qx '\$Forwarded: 3' "$seqs"
	# nmh agrees
	[ "$(nmh mark +inbox -list -sequence unseen)" = "unseen: 1 3-4 9" ]
	[ "$(nmh mark +inbox -list -sequence '$Forwarded')" = '$Forwarded: 3' ]
}

@test "FETCH of body data sets \\Seen and says so; PEEK and EXAMINE do not" {
	run imap "$PORT" <<S
a LOGIN u1 pw1
b EXAMINE INBOX
!wait b
c FETCH 2 BODY[TEXT]
!wait c
d STORE 2 +FLAGS (\Seen)
!wait d
e SELECT INBOX
!wait e
f FETCH 3 BODY.PEEK[HEADER]
!wait f
g FETCH 4 (BODY[HEADER.FIELDS (SUBJECT)])
!wait g
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"d NO [READ-ONLY]"* ]]
	[[ "$output" != *'* 2 FETCH (FLAGS'* ]]
	[[ "$output" == *'* 4 FETCH (BODY[HEADER.FIELDS (SUBJECT)]'* ]]
	[[ "$(printf '%s\n' "$output" | grep '^\* 4 FETCH' -A3 | tr -d '\n')" == *'FLAGS (\Seen)'* ]]
	grep -qx 'unseen: 2-3 9' "$W/mail/u1/inbox/.mh_sequences"
}

@test "IDLE is woken by another session's APPEND and by nmh's inc, and ends at DONE" {
	[ -x /usr/bin/mh/inc ] || skip "nmh is not installed"
	printf 'From sender@example.org Mon Nov  2 10:00:00 2026\nSubject: via inc\n\nhello\n' >"$W/mbox"
	chown "$SVC_UID:$SVC_GID" "$W/mbox"
	printf 'Path: %s\n' "$W/mail/u1" >"$W/mh_profile"
	run imap --timeout 8 "$PORT" <<S
a LOGIN u1 pw1
b SELECT INBOX
!wait b
c IDLE
!wait +
!sh printf 'a LOGIN u1 pw1\nb APPEND INBOX {10+}\nSubject: y\n!wait b\n' | $IMAPC $PORT >/dev/null
!sleep 0.8
!sh MH=$W/mh_profile MHCONTEXT=$W/mh_context setpriv --reuid=$SVC_UID --regid=$SVC_GID --clear-groups /usr/bin/mh/inc +inbox -file $W/mbox -truncate -silent
!sleep 0.8
DONE
!wait c
S
	[ "$status" -eq 0 ]
	idle_part=$(printf '%s\n' "$output" | sed -n '/^+ idling/,/^c OK/p')
	[[ "$idle_part" == *"* 13 EXISTS"* ]]
	[[ "$idle_part" == *"* 14 EXISTS"* ]]
	[[ "$output" == *"c OK IDLE terminated"* ]]
	[[ "$output" == *" IDLE "* ]] # advertised in CAPABILITY
}

@test "sizes are cached by file identity: kept across restarts, never stale, rebuilt when corrupt" {
	local script='a LOGIN u1 pw1
b SELECT INBOX
c FETCH 1:* RFC822.SIZE
!wait c'
	run imap "$PORT" <<<"$script"
	[ "$status" -eq 0 ]
	first=$(printf '%s\n' "$output" | grep 'RFC822.SIZE')
	[ "$(printf '%s\n' "$first" | wc -l)" -eq 12 ]
	[ -s "$W/mail/u1/inbox/.asimap-cache" ]
	kill $(supervisors); sleep 0.3
	# A file changed in place (same name): its cached size must not be used.
	printf 'Subject: changed\n\nnew and longer body text\n' >"$W/mail/u1/inbox/7"
	run imap "$PORT" <<<"$script"
	[[ "$output" == *"* 7 FETCH (RFC822.SIZE 46)"* ]]
	[ "$(printf '%s\n' "$output" | grep RFC822.SIZE | grep -v '^\* 7 ')" = "$(printf '%s\n' "$first" | grep -v '^\* 7 ')" ]
	# The cached size is used: with the file unreadable, the size still comes.
	kill $(supervisors); sleep 0.3
	chmod 000 "$W/mail/u1/inbox/3"
	run imap "$PORT" <<<"$script"
	chmod 644 "$W/mail/u1/inbox/3"
	[ "$(printf '%s\n' "$output" | grep '^\* 3 FETCH')" = "$(printf '%s\n' "$first" | grep '^\* 3 FETCH')" ]
	kill $(supervisors); sleep 0.3
	head -c 100 /dev/urandom >"$W/mail/u1/inbox/.asimap-cache"
	run imap "$PORT" <<<"$script"
	[[ "$output" == *"* 7 FETCH (RFC822.SIZE 46)"* ]]
	[ "$(printf '%s\n' "$output" | grep -c RFC822.SIZE)" -eq 12 ]
}

@test "ENVELOPE, BODY and BODYSTRUCTURE come from the cache byte for byte, and never stale" {
	local script='a LOGIN u1 pw1
b SELECT INBOX
c FETCH 1:* (ENVELOPE BODY BODYSTRUCTURE RFC822.SIZE)
!wait c'
	# The corpus's multipart messages make the answers worth caching.
	i=13
	for f in "$CORPUS"/*.eml; do
		cp "$f" "$W/mail/u1/inbox/$i"
		i=$((i + 1))
		[ $i -lt 40 ] || break
	done
	chown -R "$SVC_UID" "$W/mail/u1/inbox"
	run imap "$PORT" <<<"$script"
	[ "$status" -eq 0 ]
	first=$(printf '%s\n' "$output" | grep ' FETCH (')
	[ "$(printf '%s\n' "$first" | wc -l)" -eq $((i - 1)) ]
	[[ "$output" == *"c OK"* ]]
	[ -s "$W/mail/u1/inbox/.asimap-cache" ]
	kill $(supervisors); sleep 0.3
	# From the cache: the files cannot be read, the answers still come, the same.
	chmod 000 "$W/mail/u1/inbox/"[1-9]*
	run imap "$PORT" <<<"$script"
	chmod 644 "$W/mail/u1/inbox/"[1-9]*
	[ "$(printf '%s\n' "$output" | grep ' FETCH (')" = "$first" ]
	# In the same supervisor, the answers kept in memory are the same too.
	run imap "$PORT" <<<"$script"
	[ "$(printf '%s\n' "$output" | grep ' FETCH (')" = "$first" ]
	kill $(supervisors); sleep 0.3
	# A file replaced in place: its new envelope, not the cached one.
	printf 'Subject: replaced\nFrom: x@example.org\n\nbody\n' >"$W/mail/u1/inbox/13"
	run imap "$PORT" <<<"$script"
	[[ "$output" == *'* 13 FETCH (ENVELOPE (NIL "replaced" (("x" NIL "x" "example.org"))'* ]] ||
		[[ "$output" == *'* 13 FETCH (ENVELOPE (NIL "replaced" ((NIL NIL "x" "example.org"))'* ]]
	[ "$(printf '%s\n' "$output" | grep ' FETCH (' | grep -v '^\* 13 ')" = "$(printf '%s\n' "$first" | grep -v '^\* 13 ')" ]
	# A damaged cache is no cache: the same answers again.
	kill $(supervisors); sleep 0.3
	cp "$W/mail/u1/inbox/.asimap-cache" "$BATS_TEST_TMPDIR/c"
	dd if=/dev/urandom of="$W/mail/u1/inbox/.asimap-cache" bs=1 seek=3000 count=50 conv=notrunc 2>/dev/null
	run imap "$PORT" <<<"$script"
	[ "$(printf '%s\n' "$output" | grep ' FETCH (' | grep -v '^\* 13 ')" = "$(printf '%s\n' "$first" | grep -v '^\* 13 ')" ]
}

@test "an APPEND to a folder whose cache is not loaded keeps that cache and adds the new message's size" {
	make_folder "$W/mail/u1/other" 30
	chown -R "$SVC_UID" "$W/mail/u1/other"
	imap "$PORT" >/dev/null <<'S'
a LOGIN u1 pw1
b SELECT other
c FETCH 1:* (ENVELOPE BODYSTRUCTURE)
!wait c
S
	kill $(supervisors); sleep 0.3
	local before
	before=$(stat -c %s "$W/mail/u1/other/.asimap-cache")
	[ "$before" -gt 3000 ]
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
c APPEND other {24}
Subject: appended
!raw 0d0a
x
!raw 0d0a
!wait c
S
	[[ "$output" == *"c OK [APPENDUID "* ]]
	kill $(supervisors); sleep 0.3
	[ "$(stat -c %s "$W/mail/u1/other/.asimap-cache")" -gt "$before" ]
	# What was cached still answers, the new size too: the files cannot be read.
	chmod 000 "$W/mail/u1/other/"[1-9]*
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT other
c FETCH 1:30 (ENVELOPE)
d FETCH 31 (RFC822.SIZE)
!wait d
S
	chmod 644 "$W/mail/u1/other/"[1-9]*
	[ "$(printf '%s\n' "$output" | grep -c '^\* [0-9]* FETCH (ENVELOPE ')" -eq 30 ]
	[[ "$output" == *"* 31 FETCH (RFC822.SIZE 24)"* ]]
	[[ "$output" == *"d OK"* ]]
}

# header_searches OUT [KEY]: the answers of SEARCHes on the fields the
# cache keeps, in one session, into OUT; the message files the supervisor
# opened meanwhile (strace) into OUT.opens.  KEY: one more SEARCH key.
header_searches() {
	local out=$1
	imap "$PORT" >"$out.raw" <<S
a LOGIN u1 pw1
b SELECT INBOX
!wait b
!sh strace -f -qq -e trace=openat,open -o $out.trace -p \$(pgrep -f "asimap-user [^ ]+ $W/") & echo \$! >$out.pid; sleep 1
q01 SEARCH FROM "mimekit"
q02 SEARCH FROM "peju winery"
q03 SEARCH SUBJECT "napa weekend forecast"
q04 SEARCH SUBJECT "message 3"
q05 SEARCH TO "u1@example"
q06 SEARCH CC ""
q07 SEARCH BCC "a"
q08 SEARCH HEADER Message-ID "example.org"
q09 SEARCH SENTSINCE 1-Nov-2026
q10 SEARCH OR FROM "j0hn" SENTBEFORE 1-Jan-2000
q11 UID SEARCH NOT SUBJECT "tests"
q12 SEARCH HEADER Reply-To ""
q13 SEARCH HEADER IN-REPLY-TO ""
q14 SEARCH HEADER sender ""
q15 SEARCH FROM "replaced-sender"
q16 SEARCH ${2:-ALL}
!wait q16
!sh sleep 0.3; kill \$(cat $out.pid)
c LOGOUT
!wait c
S
	grep -E '^(\* SEARCH|q[0-9]+ )' "$out.raw" >"$out"
	grep -cE 'open(at)?\([0-9A-Z_]+, "[0-9]+"' "$out.trace" >"$out.opens" || true
}

@test "SEARCH on From, To, Subject and the other envelope fields answers from the cache, the same as from the files" {
	command -v strace >/dev/null || skip "strace is not installed (mk/deps.sh installs it)"
	make_folder "$W/mail/u1/inbox" 40
	chown -R "$SVC_UID" "$W/mail/u1/inbox"
	local d=$BATS_TEST_TMPDIR
	# Nothing cached yet: each message's header is read from its file.
	header_searches "$d/cold"
	[ "$(grep -c '^q[0-9]* OK' "$d/cold")" -eq 16 ]
	[ "$(cat "$d/cold.opens")" -ge 40 ]
	grep -q '^\* SEARCH 1[0-9 ]*$' "$d/cold" # something matched
	# What those reads found is kept: the same answers again without a file.
	header_searches "$d/again"
	diff "$d/cold" "$d/again"
	[ "$(cat "$d/again.opens")" -eq 0 ]
	# Once the metadata is known (FETCH), the same answers without opening a file.
	imap "$PORT" >/dev/null <<'S'
a LOGIN u1 pw1
b SELECT INBOX
c FETCH 1:* (BODYSTRUCTURE)
!wait c
S
	header_searches "$d/warm"
	diff "$d/cold" "$d/warm"
	[ "$(cat "$d/warm.opens")" -eq 0 ]
	# In the next supervisor too, from the cache file.
	kill $(supervisors); sleep 0.3
	header_searches "$d/file"
	diff "$d/cold" "$d/file"
	[ "$(cat "$d/file.opens")" -eq 0 ]
	# A key the cache does not keep reads the files (the count above means something).
	header_searches "$d/other" 'HEADER X-Mailer ""'
	[ "$(cat "$d/other.opens")" -ge 40 ]
	# A message rewritten while no supervisor ran: its new header, not the cached one.
	kill $(supervisors); sleep 0.3
	printf 'From: Replaced-Sender <r@example.org>\nSubject: new\n\nx\n' >"$W/mail/u1/inbox/21"
	header_searches "$d/changed"
	grep -q '^\* SEARCH 21$' "$d/changed"
	[ "$(grep -c '^\* SEARCH 21$' "$d/cold")" -eq 0 ]
}

# The message files the supervisor looked at (stat) while SELECT ran in a
# fresh supervisor: strace on it between LOGIN and SELECT.
select_stats() {
	local out=$BATS_TEST_TMPDIR/strace.$1
	kill $(supervisors) 2>/dev/null; sleep 0.3
	imap "$PORT" <<S >/dev/null
a LOGIN u1 pw1
!wait a
!sh strace -f -qq -e trace=newfstatat,statx,stat,lstat -o $out -p \$(pgrep -f "asimap-user [^ ]+ $W/") & echo \$! >$out.pid; sleep 1
b SELECT INBOX
!wait b
!sh sleep 0.3; kill \$(cat $out.pid)
c LOGOUT
!wait c
S
	grep -cE '(newfstatat|statx)\([0-9A-Z_]+, "[0-9]+"' "$out" || true
}

@test "a folder unchanged since it was last closed opens from its state file, without looking at each message" {
	command -v strace >/dev/null || skip "strace is not installed (mk/deps.sh installs it)"
	make_folder "$W/mail/u1/inbox" 400
	chown -R "$SVC_UID" "$W/mail/u1/inbox"
	# The first open lists and looks at every file, and leaves a stamp.
	[ "$(select_stats 1)" -ge 400 ]
	[ -s "$W/mail/u1/inbox/.asimap-stamp" ]
	# Unchanged: no file is looked at.
	[ "$(select_stats 2)" -eq 0 ]
	# A message added while no supervisor ran: the directory is listed again.
	printf 'Subject: late\n\nlate\n' >"$W/mail/u1/inbox/401"
	chown "$SVC_UID" "$W/mail/u1/inbox/401"
	[ "$(select_stats 3)" -ge 400 ]
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
!wait b
c FETCH 401 (BODY[HEADER.FIELDS (SUBJECT)])
!wait c
S
	[[ "$output" == *"* 401 EXISTS"* ]]
	[[ "$output" == *"Subject: late"* ]]
	# A stamp that does not check (damaged) is no stamp.
	[ "$(select_stats 4)" -eq 0 ]
	printf 'garbage' | dd of="$W/mail/u1/inbox/.asimap-stamp" bs=1 seek=10 conv=notrunc 2>/dev/null
	[ "$(select_stats 5)" -ge 400 ]
	# The state file replaced behind its back: not the one the stamp vouched for.
	[ "$(select_stats 6)" -eq 0 ]
	cp -p "$W/mail/u1/inbox/.asimap-state" "$W/mail/u1/inbox/.asimap-state.new"
	mv "$W/mail/u1/inbox/.asimap-state.new" "$W/mail/u1/inbox/.asimap-state"
	[ "$(select_stats 7)" -ge 400 ]
	# A supervisor stopped (TERM) with the folder selected, after a change it
	# saw: it closes the folder as a session's end would, stamp and all.
	imap "$PORT" >/dev/null <<S &
a LOGIN u1 pw1
b SELECT INBOX
!wait b
!sh printf 'Subject: during\n\nx\n' >$W/mail/u1/inbox/402 && chown $SVC_UID $W/mail/u1/inbox/402
!sleep 0.5
c NOOP
!wait c
!sleep 5
S
	local client=$!
	sleep 2
	kill -TERM $(supervisors)
	wait "$client" || true
	[ "$(select_stats 8)" -eq 0 ]
}

@test "a folder kept loaded after its last session left follows a delete, a rename and a re-creation" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b CREATE kept
c APPEND kept {22}
Subject: first one

x
d SELECT kept
!wait d
e LOGOUT
!wait e
S
	[[ "$output" == *"* 1 EXISTS"* ]]
	uv1=$(printf '%s\n' "$output" | sed -n 's/.*UIDVALIDITY \([0-9]*\).*/\1/p')
	# Removed and made again by another program while the supervisor keeps it.
	sleep 1.1 # another second: another UIDVALIDITY
	rm -rf "$W/mail/u1/kept"
	mkdir "$W/mail/u1/kept"
	printf 'Subject: other one\n\ny\n' >"$W/mail/u1/kept/1"
	printf 'Subject: two\n\nz\n' >"$W/mail/u1/kept/2"
	chown -R "$SVC_UID" "$W/mail/u1/kept"
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT kept
!wait b
c FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])
!wait c
d UNSELECT
!wait d
e RENAME kept gone
!wait e
f CREATE kept
!wait f
g SELECT kept
!wait g
S
	[[ "$output" == *"* 2 EXISTS"* ]]
	[[ "$output" == *"Subject: other one"* ]]
	[[ "$output" != *"Subject: first one"* ]]
	uv2=$(printf '%s\n' "$output" | sed -n 's/.*UIDVALIDITY \([0-9]*\).*/\1/p' | head -1)
	[ "$uv2" -gt "$uv1" ]
	[[ "$output" == *"* 0 EXISTS"* ]] # the new, empty kept
	[[ "$output" == *"g OK"* ]]
}

@test "a big message's body is sent from its file in pieces, byte-exact, with partials, in bounded memory" {
	# 40 MB of LF lines of many lengths, a few already CRLF, no final newline.
	/usr/bin/python3 - "$W/mail/u1/inbox/13" <<'P'
import random, sys
r = random.Random(7)
out = [b"From: big@example.org\nSubject: big\nX-Line: crlf\r\n\n"]
size = 0
while size < 40 << 20:
    line = bytes(r.choice(b"abcdefghij \t=") for _ in range(r.choice([0, 1, 70, 998, 5000])))
    line += b"\r\n" if r.random() < 0.05 else b"\n"
    out.append(line)
    size += len(line)
out.append(b"the end")
open(sys.argv[1], "wb").write(b"".join(out))
P
	chown "$SVC_UID" "$W/mail/u1/inbox/13"
	run /usr/bin/python3 "$BATS_TEST_DIRNAME/lib/store_big.py" "$PORT" u1 pw1 "$W/mail/u1/inbox/13" 13 "$W"
	echo "$output"
	printf '%s\n' "$output" | grep VmRSS | sed 's/^/# /' >&3
	[ "$status" -eq 0 ]
}

@test "keywords are one keyword whatever their case: STORE adds to, and removes from, the sequence of any case" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
c STORE 1 +FLAGS (Project)
!wait c
d STORE 2 +FLAGS (PROJECT)
!wait d
e STORE 1 -FLAGS (project)
!wait e
f STORE 3 +FLAGS (deleted)
!wait f
g FETCH 1:2 FLAGS
!wait g
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"g OK"* ]]
	[[ "$output" == *"f BAD"* ]] # a keyword that would be the \Deleted sequence
	grep -qx 'Project: 2' "$W/mail/u1/inbox/.mh_sequences"
	! grep -qi '^project: .*1' "$W/mail/u1/inbox/.mh_sequences" || false
	! grep -q '^PROJECT' "$W/mail/u1/inbox/.mh_sequences" || false
	[[ "$output" == *"* 2 FETCH (FLAGS ("*"Project"* ]]
}

@test "\\Recent: each new message is recent for exactly one session, EXAMINE takes none, and it lasts a restart" {
	local inbox=$W/mail/u1/inbox
	run imap "$PORT" <<S
a LOGIN u1 pw1
b SELECT INBOX
!wait b
c FETCH 1 FLAGS
!wait c
d LOGOUT
!wait d
S
	[ "$status" -eq 0 ]
	# A folder asimap never saw: its messages were there before anyone could
	# be told of them, so none is recent.
	[[ "$output" == *"* 0 RECENT"* ]]
	[[ "$output" == *"* 1 FETCH (FLAGS (\\Seen \\Flagged))"* ]]
	kill $(supervisors); sleep 0.3
	# After a restart nothing is recent any more; new mail is, for the first
	# session told of it; EXAMINE shows it recent without taking it.
	run imap "$PORT" <<S
a LOGIN u1 pw1
b SELECT INBOX
!wait b
!sh printf 'Subject: new\n\nnew\n' >$inbox/13 && chown $SVC_UID $inbox/13
c NOOP
!wait c
e FETCH 12:13 FLAGS
!wait e
f SEARCH RECENT
!wait f
g STATUS INBOX (RECENT MESSAGES)
!wait g
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"* 0 RECENT"* ]]
	[[ "$output" == *"* 13 EXISTS"* ]]
	[[ "$output" == *"* 1 RECENT"* ]]
	[[ "$output" == *"* 13 FETCH (FLAGS (\\Recent \\Seen))"* ]]
	[[ "$output" == *"* 12 FETCH (FLAGS (\\Seen))"* ]]
	[[ "$output" == *'* STATUS "INBOX" (RECENT 0 MESSAGES 13)'* ]]
	run imap "$PORT" <<S
a LOGIN u1 pw1
b EXAMINE INBOX
!wait b
!sh printf 'Subject: newer\n\nnewer\n' >$inbox/14 && chown $SVC_UID $inbox/14
c NOOP
!wait c
d FETCH 14 FLAGS
!wait d
e STATUS INBOX (RECENT)
!wait e
S
	[[ "$output" == *"* 0 RECENT"* ]]
	[[ "$output" == *"* 14 EXISTS"* ]]
	[[ "$output" == *"* 1 RECENT"* ]]
	[[ "$output" == *"* 14 FETCH (FLAGS (\\Recent \\Seen))"* ]]
	[[ "$output" == *'* STATUS "INBOX" (RECENT 1)'* ]] # EXAMINE took nothing
	run imap "$PORT" <<S
a LOGIN u1 pw1
b SELECT INBOX
!wait b
c SELECT INBOX
!wait c
S
	[ "$(printf '%s\n' "$output" | grep -c '^\* 1 RECENT')" -eq 1 ]  # taken by b
	[ "$(printf '%s\n' "$output" | grep -c '^\* 0 RECENT')" -eq 1 ]  # so not by c
}

# INBOX opened and closed once, then the supervisor stopped: the next
# one finds its state file vouched for by the stamp.
stamped_inbox() {
	imap "$PORT" >/dev/null <<'S'
a LOGIN u1 pw1
b SELECT INBOX
!wait b
c LOGOUT
!wait c
S
	kill $(supervisors)
	sleep 0.3
	[ -s "$W/mail/u1/inbox/.asimap-stamp" ]
}

# The lines of a SELECT or EXAMINE answer in $1, without the tagged one.
select_answer() {
	printf '%s\n' "$1" | tr -d '\r' |
		grep -E '^\* (FLAGS |OK \[(PERMANENTFLAGS|UNSEEN|UIDVALIDITY|UIDNEXT)|[0-9]+ (EXISTS|RECENT)$)'
}

@test "a fresh supervisor answers SELECT from the state file's header and .mh_sequences, before it reads the rest, as a running one answers" {
	command -v strace >/dev/null || skip "strace is not installed (mk/deps.sh installs it)"
	local in=$W/mail/u1/inbox out=$BATS_TEST_TMPDIR/strace
	# A hole (no 4): message numbers are not sequence numbers; keywords; the
	# unseen sequence starts at the missing file.
	rm "$in/4"
	printf 'flagged: 1\nunseen: 4-6 9\n$Forwarded: 2-3\nurgent: 7\n' >"$in/.mh_sequences"
	chown -R "$SVC_UID" "$in"
	# EXAMINE takes no \Recent: the message that comes meanwhile is saved
	# as recent for the next session.
	imap "$PORT" >/dev/null <<S
a LOGIN u1 pw1
b EXAMINE INBOX
!wait b
!sh printf 'Subject: new\n\nx\n' >$in/13 && chown $SVC_UID $in/13
!sleep 0.3
c NOOP
!wait c
d LOGOUT
!wait d
S
	kill $(supervisors); sleep 0.3
	[ -s "$in/.asimap-stamp" ]
	run imap "$PORT" <<S
a LOGIN u1 pw1
!wait a
!sh strace -f -qq -y -s 1024 -e trace=read,pread64,write -o $out -p \$(pgrep -f "asimap-user [^ ]+ $W/") & echo \$! >$out.pid; sleep 1
b EXAMINE INBOX
!wait b
!sh sleep 0.3; kill \$(cat $out.pid)
c FETCH 1:* (UID FLAGS)
!wait c
S
	[ "$status" -eq 0 ]
	local fresh running
	fresh=$(select_answer "$output")
	[[ "$output" == *"c OK"* ]]
	[ "$(printf '%s\n' "$output" | grep -c ' FETCH (UID ')" -eq 12 ]
	run imap "$PORT" <<S
a LOGIN u1 pw1
b EXAMINE INBOX
!wait b
S
	running=$(select_answer "$output")
	[ "$fresh" = "$running" ]
	[ "$(printf '%s\n' "$fresh" | wc -l)" -eq 7 ]
	[[ "$fresh" == *'* FLAGS (\Answered \Flagged \Deleted \Seen \Draft $Forwarded urgent)'* ]]
	[[ "$fresh" == *"* 12 EXISTS"* ]]
	[[ "$fresh" == *"* 1 RECENT"* ]]
	[[ "$fresh" == *"* OK [UNSEEN 4]"* ]] # file 5 is the fourth message
	[[ "$fresh" == *"* OK [UIDNEXT 13]"* ]] # UIDs 1-11 for the files found first
	# The answer went out before the state file's records were read; only
	# its header and a few records had been (pread64).
	local w r p
	w=$(grep -n 'write(.*UIDNEXT' "$out" | head -1 | cut -d: -f1)
	r=$(grep -nE '^[0-9]+ +read\([0-9]+<[^>]*/\.asimap-state>' "$out" | head -1 | cut -d: -f1)
	p=$(grep -nE '^[0-9]+ +pread64\([0-9]+<[^>]*/\.asimap-state>' "$out" | head -1 | cut -d: -f1)
	[ -n "$w" ] && [ -n "$r" ] && [ -n "$p" ]
	[ "$p" -lt "$w" ] && [ "$w" -lt "$r" ]
}

@test "a folder changed just after a fresh supervisor's SELECT answer: the next command tells EXPUNGE and EXISTS against that answer" {
	local in=$W/mail/u1/inbox
	stamped_inbox
	# Changed at once after the answer: the message list is built at the
	# next command (or once the supervisor is idle), from a folder that
	# differs from the answer.  Either way the client hears of it.
	run imap "$PORT" <<S
a LOGIN u1 pw1
!wait a
b SELECT INBOX
!wait b
!sh rm $in/3 && printf 'Subject: late\n\nx\n' >$in/13 && chown $SVC_UID $in/13
c FETCH 1:* (UID)
!wait c
d NOOP
!wait d
e UID FETCH 1:* (UID)
!wait e
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"* 12 EXISTS"* ]]
	[[ "$output" == *"* 13 EXISTS"* ]]
	[[ "$output" == *"c NO Some messages were removed by another program"* ]]
	[[ "$output" == *"* 3 EXPUNGE"* ]]
	[[ "$output" == *"e OK"* ]]
	# Every message told of has its right UID, before and after.
	local uids
	uids=$(printf '%s\n' "$output" | tr -d '\r' | sed -n 's/^\* \([0-9]*\) FETCH (UID \([0-9]*\))$/\1:\2/p' | tr '\n' ' ')
	[ "$uids" = "1:1 2:2 4:4 5:5 6:6 7:7 8:8 9:9 10:10 11:11 12:12 13:13 1:1 2:2 3:4 4:5 5:6 6:7 7:8 8:9 9:10 10:11 11:12 12:13 " ] || {
		echo "UIDs: $uids"
		false
	}
}

@test "a state file damaged behind its stamp's back: the SELECT answered from it is taken back with BYE at the next command, nothing lost" {
	local in=$W/mail/u1/inbox
	stamped_inbox
	# A record's bytes flipped, the file's identity (inode, size, mtime) kept:
	# the header still reads, the checksum does not.
	cp -p "$in/.asimap-state" "$BATS_TEST_TMPDIR/ref"
	printf '\377\377\377\377' | dd of="$in/.asimap-state" bs=1 seek=100 conv=notrunc 2>/dev/null
	touch -r "$BATS_TEST_TMPDIR/ref" "$in/.asimap-state"
	old=$(od -An -tu4 -j16 -N4 "$in/.asimap-state" | tr -d ' ')
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
!wait b
c FETCH 1 (UID)
!read
S
	[[ "$output" == *"* OK [UIDVALIDITY $old]"* ]]
	[[ "$output" == *"* BYE [UIDVALIDITY]"* ]]
	[[ "$output" != *"* 1 FETCH"* ]] || false
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
!wait b
S
	[[ "$output" == *"* 12 EXISTS"* ]]
	new=$(printf '%s\n' "$output" | tr -d '\r' | sed -n 's/^\* OK \[UIDVALIDITY \([0-9]*\)\].*/\1/p')
	[ -n "$new" ] && [ "$new" -gt "$old" ]
}

@test "a folder answered by SELECT but not built yet counts as selected: DELETE and RENAME of it are refused" {
	imap "$PORT" >/dev/null <<'S'
a LOGIN u1 pw1
b CREATE sub
c APPEND sub {15}
Subject: one
x
d SELECT sub
!wait d
e LOGOUT
!wait e
S
	kill $(supervisors); sleep 0.3
	[ -s "$W/mail/u1/sub/.asimap-stamp" ]
	# The other session's commands come well within the 50 ms the
	# supervisor waits, idle, before it builds the folder.
	run /usr/bin/python3 - "$PORT" "$ROOT/t/lib" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
from sup_client import Session, report, failures
port = int(sys.argv[1])
a, b = Session(port), Session(port)
for s in (a, b):
    s.greeting()
    s.run("l", "LOGIN u1 pw1")
tagged, untagged = a.run("s", "SELECT sub")
report("SELECT answered", None if tagged.startswith(b"s OK") and b"* 1 EXISTS" in untagged else tagged)
report("DELETE refused", None if b"NO [INUSE]" in b.run("d", "DELETE sub")[0] else "DELETE went on")
report("RENAME refused", None if b"NO [INUSE]" in b.run("r", "RENAME sub other")[0] else "RENAME went on")
tagged, untagged = a.run("f", "FETCH 1 (BODY[HEADER.FIELDS (SUBJECT)])")
report("FETCH after", None if tagged.startswith(b"f OK") else tagged)
a.run("c", "CLOSE")
report("DELETE after CLOSE", None if b.run("d2", "DELETE sub")[0].startswith(b"d2 OK") else "refused")
sys.exit(1 if failures() else 0)
PY
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c '^ok ')" -eq 5 ]
	[ ! -e "$W/mail/u1/sub" ]
}
