#!/usr/bin/env bats
# Mailbox management through the real server: CREATE, DELETE, RENAME
# (INBOX included), SUBSCRIBE, UNSUBSCRIBE and LSUB, as nmh sees the
# folders afterwards, and names that must never reach outside the mail
# root.
load lib/common

setup() {
	setup_world
	# Somewhere the service user could write, were a name to escape.
	mkdir "$W/outside"
	chown "$SVC_UID:$SVC_GID" "$W/outside"
	chmod 777 "$W/outside"
	start_tcpserver
}
teardown() { teardown_world; }

root() { echo "$W/mail/u1"; }

# nmh as the owner of the mail root, on u1's folders.
nmh() {
	local cmd=$1
	shift
	printf 'Path: %s\n' "$W/mail/u1" >"$W/mh_profile"
	chown "$SVC_UID:$SVC_GID" "$W/mh_profile"
	MH=$W/mh_profile MHCONTEXT=$W/mh_context setpriv --reuid="$SVC_UID" --regid="$SVC_GID" \
		--clear-groups "/usr/bin/mh/$cmd" "$@"
}

# What LIST "" "*" names, one per line.
list_names() {
	printf '%s\n' "$1" | sed -n 's/^\* LIST ([^)]*) "\/" //p' | tr -d '"'
}

# part TAG PREV: what the server sent after PREV's tagged response, up to
# and including TAG's.
part() {
	printf '%s\n' "$output" | awk -v t="$1" -v p="$2" 'on { print } $1 == p { on = 1 } on && $1 == t { exit }'
}

@test "CREATE makes nested folders, with or without a trailing slash, that LIST and nmh see" {
	[ -x /usr/bin/mh/folders ] || skip "nmh is not installed"
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b CREATE work/projects/2026x
c CREATE lists/
d CREATE "Sent Messages"
e LIST "" "*"
!wait e
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"b OK"* ]]
	[[ "$output" == *"c OK"* ]]
	[[ "$output" == *"d OK"* ]]
	[ -d "$(root)/work/projects/2026x" ]
	[ -d "$(root)/lists" ]
	[ -d "$(root)/Sent Messages" ]
	names=$(list_names "$output" | LC_ALL=C sort | tr '\n' ' ')
	[ "$names" = "INBOX Sent Messages archive archive/2025 lists work work/projects work/projects/2026x " ]
	[[ "$output" == *'* LIST (\HasChildren) "/" "work"'* ]]
	# new folders are the service user's, private as nmh makes them
	[ "$(stat -c %u "$(root)/work/projects")" = "$SVC_UID" ]
	[ "$(stat -c %a "$(root)/work/projects")" = 700 ]
	run nmh folders -fast -recurse
	[ "$status" -eq 0 ]
	[[ "$output" == *"work/projects/2026x"* ]]
	[[ "$output" == *"lists"* ]]
	[[ "$output" == *"Sent Messages"* ]]
	run nmh folder -all -fast -recurse
	[[ "$output" == *"work/projects/2026x"* ]]
}

@test "CREATE refuses existing names, INBOX, numbered names and files in the way" {
	printf 'Subject: x\n\nx\n' >"$(root)/inbox/13"
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b CREATE archive
c CREATE INBOX
d CREATE inbox
e CREATE 123
f CREATE archive/2026
g CREATE inbox/13
h CREATE inbox/13/x
i CREATE archive/2025/q1
j CREATE ""
k CREATE a//b
!wait k
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"b NO [ALREADYEXISTS]"* ]]
	[[ "$output" == *"c NO [ALREADYEXISTS]"* ]]
	[[ "$output" == *"d NO [ALREADYEXISTS]"* ]]
	[[ "$output" == *"e NO [CANNOT]"* ]]
	[[ "$output" == *"f NO [CANNOT]"* ]]
	[[ "$output" == *"g NO [CANNOT]"* ]]
	[[ "$output" == *"h NO [CANNOT]"* ]]
	# an existing numbered folder may hold new ones (nmh reads it as a folder)
	[[ "$output" == *"i OK"* ]]
	[[ "$output" == *"j NO"* ]]
	[[ "$output" == *"k NO"* ]]
	[ ! -e "$(root)/123" ]
	[ ! -e "$(root)/archive/2026" ]
	[ -f "$(root)/inbox/13" ]
	[ -d "$(root)/archive/2025/q1" ]
}

@test "names with .., absolute names and symbolic links out of the mail root are refused and touch nothing outside" {
	ln -s "$W/outside" "$(root)/link"
	mkdir "$W/outside/victim"
	printf 'Subject: keep\n\nkeep\n' >"$W/outside/victim/1"
	chown -R "$SVC_UID:$SVC_GID" "$W/outside"
	before=$(cd "$W" && find . \( -path ./mail -o -path ./rundir -o -name server.log \) -prune -o -print | sort | md5sum)
	run imap "$PORT" <<S
a LOGIN u1 pw1
b CREATE ../x
c CREATE /$W/outside/abs
d CREATE archive/../../x
e CREATE link/x
f CREATE link
g DELETE link/victim
h DELETE link
i RENAME archive link/archive
j RENAME link/victim stolen
k RENAME archive ../escaped
l SUBSCRIBE ../x
m CREATE .hidden
n SELECT link/victim
!wait n
S
	[ "$status" -eq 0 ]
	for t in b c d e f g h i j k l m n; do
		printf '%s\n' "$output" | grep -q "^$t NO" || { echo "$t was not refused"; false; }
	done
	[[ "$output" == *"e NO [CANNOT] A part of the name is a symbolic link"* ]]
	after=$(cd "$W" && find . \( -path ./mail -o -path ./rundir -o -name server.log \) -prune -o -print | sort | md5sum)
	[ "$before" = "$after" ]
	[ -f "$W/outside/victim/1" ]
	[ -z "$(ls "$W/outside" | grep -v victim)" ]
	[ -d "$(root)/archive/2025" ]
	[ -L "$(root)/link" ]
	[ ! -e "$(root)/stolen" ]
	[ ! -e "$(root)/.hidden" ]
	[ ! -e "$W/mail/x" ]
	[ ! -e "$W/escaped" ]
	if [ -e "$(root)/.asimap-subscriptions" ]; then
		run grep -c x "$(root)/.asimap-subscriptions"
		[ "$output" = 0 ]
	fi
}

@test "DELETE removes a leaf folder, state file included; INBOX and missing names are refused" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b STATUS archive/2025 (UIDVALIDITY)
!wait b
c DELETE archive/2025
d DELETE INBOX
e DELETE nosuch
f LIST "" "*"
!wait f
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"c OK DELETE completed"* ]]
	[[ "$output" == *"d NO [CANNOT] INBOX"* ]]
	[[ "$output" == *"e NO [NONEXISTENT]"* ]]
	[ ! -e "$(root)/archive/2025" ]
	[ -f "$(root)/inbox/1" ]
	[ "$(list_names "$output" | LC_ALL=C sort | tr '\n' ' ')" = "INBOX archive " ]
	[[ "$output" == *'* LIST (\HasNoChildren) "/" "archive"'* ]]
}

@test "DELETE of a folder with subfolders removes its messages and keeps it and them" {
	echo "unseen: 1" >"$(root)/archive/.mh_sequences"
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b STATUS archive (MESSAGES UIDVALIDITY)
!wait b
c DELETE archive
!wait c
d STATUS archive (MESSAGES)
e LIST "" "*"
f STATUS archive/2025 (MESSAGES)
!wait f
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"c OK DELETE completed"* ]]
	[[ "$output" == *'* STATUS "archive" (MESSAGES 0)'* ]]
	[[ "$output" == *'* LIST (\HasChildren) "/" "archive"'* ]]
	[[ "$output" == *'* STATUS "archive/2025" (MESSAGES 2)'* ]]
	[ -d "$(root)/archive" ]
	[ ! -e "$(root)/archive/1" ]
	[ ! -e "$(root)/archive/.mh_sequences" ]
	[ -f "$(root)/archive/2025/1" ]
	[ -f "$(root)/archive/2025/2" ]
}

@test "DELETE leaves a folder holding files that are not mail untouched, and says why" {
	printf 'my notes\n' >"$(root)/archive/2025/notes.txt"
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b DELETE archive/2025
!wait b
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"b NO [CANNOT] The mailbox holds 1 file that are not mail"* ]]
	[ -f "$(root)/archive/2025/notes.txt" ]
	[ -f "$(root)/archive/2025/1" ]
	[ -f "$(root)/archive/2025/2" ]
}

@test "DELETE and RENAME of a folder another session has selected are refused with INUSE" {
	run imap "$PORT" <<S
a LOGIN u1 pw1
b SELECT archive/2025
!wait b
!sh printf 'a LOGIN u1 pw1\nb DELETE archive/2025\n!wait b\nc DELETE archive\n!wait c\nd RENAME archive elsewhere\n!wait d\n' | $IMAPC $PORT >$W/other.out
c CLOSE
!wait c
!sh printf 'a LOGIN u1 pw1\nb DELETE archive/2025\n!wait b\n' | $IMAPC $PORT >$W/after.out
S
	[ "$status" -eq 0 ]
	grep -q '^b NO \[INUSE\] The mailbox, or one below it, is selected' "$W/other.out"
	grep -q '^c NO \[INUSE\]' "$W/other.out"
	grep -q '^d NO \[INUSE\]' "$W/other.out"
	grep -q '^b OK DELETE completed' "$W/after.out"
	[ ! -e "$(root)/archive/2025" ]
	[ -d "$(root)/archive" ]
}

@test "CREATE after DELETE of the same name gives a different UIDVALIDITY" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b CREATE again
c STATUS "again" (UIDVALIDITY)
!wait c
d DELETE again
!wait d
e CREATE again
f STATUS "again" (UIDVALIDITY)
!wait f
S
	[ "$status" -eq 0 ]
	v1=$(printf '%s\n' "$output" | sed -n '/^c OK/q;s/^\* STATUS "again" (UIDVALIDITY \([0-9]*\))$/\1/p')
	v2=$(printf '%s\n' "$output" | sed -n '/^d OK/,$s/^\* STATUS "again" (UIDVALIDITY \([0-9]*\))$/\1/p')
	[ -n "$v1" ]
	[ -n "$v2" ]
	[ "$v1" != "$v2" ]
	[[ "$output" == *"e OK CREATE completed"* ]]
}

@test "RENAME moves a folder and its subfolders, making the new parents; refuses what it must" {
	[ -x /usr/bin/mh/folders ] || skip "nmh is not installed"
	local sum=$(cat "$(root)/archive/2025/1" | md5sum)
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b RENAME archive old/stuff/archive
!wait b
c RENAME nosuch x
d RENAME old/stuff INBOX
e CREATE taken
f RENAME old taken
g RENAME old old/inner
h RENAME old/stuff/archive/2025 y2025
i LIST "" "*"
!wait i
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"b OK RENAME completed"* ]]
	[[ "$output" == *"c NO [NONEXISTENT]"* ]]
	[[ "$output" == *"d NO [ALREADYEXISTS]"* ]]
	[[ "$output" == *"f NO [ALREADYEXISTS]"* ]]
	[[ "$output" == *"g NO [CANNOT]"* ]]
	[[ "$output" == *"h OK RENAME completed"* ]]
	[ "$(list_names "$output" | LC_ALL=C sort | tr '\n' ' ')" = "INBOX old old/stuff old/stuff/archive taken y2025 " ]
	[ ! -e "$(root)/archive" ]
	[ -f "$(root)/old/stuff/archive/1" ]
	[ "$(md5sum <"$(root)/y2025/1")" = "$sum" ]
	run nmh folders -fast -recurse
	[[ "$output" == *"old/stuff/archive"* ]]
	[[ "$output" == *"y2025"* ]]
	[[ "$output" != *"archive/2025"* ]]
}

@test "RENAME INBOX moves every message with its flags to the new folder and leaves INBOX empty" {
	local sums=$(cd "$(root)/inbox" && for i in $(seq 1 12); do md5sum <$i; done)
	run imap "$PORT" <<S
a LOGIN u1 pw1
b SELECT INBOX
!wait b
c STORE 5 +FLAGS (\\Answered \$Work)
!wait c
d FETCH 1:* (FLAGS)
!wait d
e RENAME INBOX saved/y2026
!wait e
f NOOP
!wait f
g STATUS INBOX (MESSAGES UIDNEXT)
!wait g
h SELECT saved/y2026
!wait h
i FETCH 1:* (FLAGS)
!wait i
j LIST "" "*"
!wait j
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"e OK RENAME completed"* ]]
	# the session that had INBOX selected sees its messages go
	[ "$(part f e | grep -c ' EXPUNGE$')" -eq 12 ]
	[[ "$output" == *'* STATUS "INBOX" (MESSAGES 0 UIDNEXT 13)'* ]]
	[[ "$output" == *"* 12 EXISTS"* ]]
	flags_before=$(part d c | grep '^\* [0-9]* FETCH')
	flags_after=$(part i h | grep '^\* [0-9]* FETCH')
	[ -n "$flags_before" ]
	[ "$flags_before" = "$flags_after" ]
	[[ "$flags_after" == *'* 5 FETCH (FLAGS (\Seen \Answered $Work))'* ]]
	[[ "$flags_after" == *'* 1 FETCH (FLAGS (\Seen \Flagged))'* ]]
	[[ "$flags_after" == *'* 2 FETCH (FLAGS ())'* ]]
	[ -d "$(root)/inbox" ]
	[ -z "$(ls "$(root)/inbox" | grep '^[0-9]*$')" ]
	[ "$(cd "$(root)/saved/y2026"
	for i in $(seq 1 12); do md5sum <$i; done)" = "$sums" ]
	list_names "$output" | grep -qx INBOX
	list_names "$output" | grep -qx saved/y2026
	# and new mail in INBOX gets a UID never given before
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b APPEND INBOX {10+}
Subject: x
!wait b
S
	[[ "$output" =~ b\ OK\ \[APPENDUID\ [0-9]+\ 13\] ]]
}

@test "SUBSCRIBE, UNSUBSCRIBE and LSUB: names kept in one file, % returns unsubscribed parents as \\Noselect, so are names with no folder" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b LSUB "" "*"
!wait b
c SUBSCRIBE inbox
d SUBSCRIBE archive/2025
e SUBSCRIBE nosuch/child
f UNSUBSCRIBE never-subscribed
g LSUB "" "*"
!wait g
h LSUB "" "%"
!wait h
i SUBSCRIBE archive
j LSUB "" "%"
!wait j
k UNSUBSCRIBE archive/2025
l LSUB "archive/" "%"
!wait l
m LSUB "" "nosuch/*"
!wait m
S
	[ "$status" -eq 0 ]
	[ -z "$(part b a | grep '^\* LSUB')" ]
	for t in c d e f i k; do
		printf '%s\n' "$output" | grep -q "^$t OK" || { echo "$t failed"; false; }
	done
	[ "$(part g f | grep '^\* LSUB' | tr '\n' '|')" = '* LSUB (\HasNoChildren) "/" "INBOX"|* LSUB (\HasNoChildren) "/" "archive/2025"|* LSUB (\Noselect \HasNoChildren) "/" "nosuch/child"|' ]
	[ "$(part h g | grep '^\* LSUB' | tr '\n' '|')" = '* LSUB (\HasNoChildren) "/" "INBOX"|* LSUB (\Noselect \HasChildren) "/" "archive"|* LSUB (\Noselect \HasNoChildren) "/" "nosuch"|' ]
	[ "$(part j i | grep '^\* LSUB' | tr '\n' '|')" = '* LSUB (\HasNoChildren) "/" "INBOX"|* LSUB (\HasChildren) "/" "archive"|* LSUB (\Noselect \HasNoChildren) "/" "nosuch"|' ]
	[ -z "$(part l k | grep '^\* LSUB')" ]
	[ "$(part m l | grep '^\* LSUB' | tr '\n' '|')" = '* LSUB (\Noselect \HasNoChildren) "/" "nosuch/child"|' ]
	[ "$(cat "$(root)/.asimap-subscriptions")" = "$(printf 'INBOX\narchive\nnosuch/child')" ]
}

@test "subscriptions follow RENAME, children included, and survive a restart of the supervisor" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SUBSCRIBE archive
c SUBSCRIBE archive/2025
d SUBSCRIBE archived
e RENAME archive box/archive
!wait e
S
	[ "$status" -eq 0 ]
	[[ "$output" == *"e OK RENAME completed"* ]]
	kill $(supervisors)
	sleep 0.3
	[ -z "$(supervisors)" ]
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b LSUB "" "*"
!wait b
S
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep '^\* LSUB' | tr '\n' '|')" = '* LSUB (\Noselect \HasNoChildren) "/" "archived"|* LSUB (\HasChildren) "/" "box/archive"|* LSUB (\HasNoChildren) "/" "box/archive/2025"|' ]
}
