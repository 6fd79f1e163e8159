#!/usr/bin/env bats
# The LIST family through the real server: CHILDREN on LIST and LSUB,
# LIST-EXTENDED (RFC 5258 section 5's examples on MH folders), SPECIAL-USE,
# LIST-STATUS, STATUS=SIZE and APPENDLIMIT, and Python's imaplib on them.
# Answers are compared line by line with what the RFCs say.
load lib/common

setup() {
	setup_world
	start_tcpserver
}
teardown() { teardown_world; }

root() { echo "$W/mail/u1"; }

# tree NAME...: u1's folders are exactly INBOX (12 messages) and NAME...
# (empty), as nmh would make them.
tree() {
	rm -rf "$(root)/archive"
	local f
	for f in "$@"; do
		mkdir -p "$(root)/$f"
	done
	chown -R "$SVC_UID:$SVC_GID" "$(root)"
}

# subscribed NAME...: u1's subscriptions file says NAME... (and only them).
subscribed() {
	printf '%s\n' "$@" | LC_ALL=C sort >"$(root)/.asimap-subscriptions"
	chown "$SVC_UID:$SVC_GID" "$(root)/.asimap-subscriptions"
}

# resp TAG: what the server answered to TAG, from $output: the untagged
# lines since the tagged response before it, and TAG's own.
resp() {
	printf '%s\n' "$output" | awk -v t="$1" '
		$1 == t { printf "%s%s\n", buf, $0; exit }
		$1 != "*" && $1 != "+" { buf = ""; next }
		{ buf = buf $0 "\n" }'
}

# answer TAG <<EOF: TAG's answer is exactly these lines (a diff if not).
answer() {
	local want got
	want=$(cat)
	got=$(resp "$1")
	[ "$got" = "$want" ] && return 0
	echo "answer to $1 differs:"
	diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$got") || true
	return 1
}

@test "CHILDREN: every LIST and LSUB line says whether the folder has subfolders, as they are now" {
	tree Fruit/Apple Fruit/Banana Tofu Vegetable/Broccoli Vegetable/Corn
	subscribed INBOX Fruit/Banana Vegetable
	run imap "$PORT" <<S
a LOGIN u1 pw1
b LIST "" "*"
c LIST "" "%"
d LIST "Fruit/" "%"
e LSUB "" "*"
f LSUB "" "%"
g LIST "" Tofu
!wait g
!sh mkdir $(root)/Tofu/Firm
h LIST "" Tofu
i SUBSCRIBE Tofu/Silken
j LSUB "" "Tofu*"
!wait j
S
	[ "$status" -eq 0 ]
	answer b <<'E'
* LIST (\HasChildren) "/" "Fruit"
* LIST (\HasNoChildren) "/" "Fruit/Apple"
* LIST (\HasNoChildren) "/" "Fruit/Banana"
* LIST (\HasNoChildren) "/" "INBOX"
* LIST (\HasNoChildren) "/" "Tofu"
* LIST (\HasChildren) "/" "Vegetable"
* LIST (\HasNoChildren) "/" "Vegetable/Broccoli"
* LIST (\HasNoChildren) "/" "Vegetable/Corn"
b OK LIST completed
E
	answer c <<'E'
* LIST (\HasChildren) "/" "Fruit"
* LIST (\HasNoChildren) "/" "INBOX"
* LIST (\HasNoChildren) "/" "Tofu"
* LIST (\HasChildren) "/" "Vegetable"
c OK LIST completed
E
	answer d <<'E'
* LIST (\HasNoChildren) "/" "Fruit/Apple"
* LIST (\HasNoChildren) "/" "Fruit/Banana"
d OK LIST completed
E
	answer e <<'E'
* LSUB (\HasNoChildren) "/" "Fruit/Banana"
* LSUB (\HasNoChildren) "/" "INBOX"
* LSUB (\HasChildren) "/" "Vegetable"
e OK LSUB completed
E
	# "%" lists Fruit, not subscribed, for its subscribed child (RFC 3501 6.3.9).
	answer f <<'E'
* LSUB (\Noselect \HasChildren) "/" "Fruit"
* LSUB (\HasNoChildren) "/" "INBOX"
* LSUB (\HasChildren) "/" "Vegetable"
f OK LSUB completed
E
	answer g <<'E'
* LIST (\HasNoChildren) "/" "Tofu"
g OK LIST completed
E
	answer h <<'E'
* LIST (\HasChildren) "/" "Tofu"
h OK LIST completed
E
	# A subscribed name with no folder is \Noselect in LSUB.
	answer j <<'E'
* LSUB (\Noselect \HasNoChildren) "/" "Tofu/Silken"
j OK LSUB completed
E
}

@test "LIST-EXTENDED: RFC 5258 section 5, examples 1 to 6, on MH folders" {
	tree Fruit/Apple Fruit/Banana Tofu Vegetable/Broccoli Vegetable/Corn
	# Fruit/Peach is subscribed, but was deleted.
	subscribed INBOX Fruit/Banana Fruit/Peach Vegetable Vegetable/Broccoli
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
A01 LIST "" "*"
A02 LIST (SUBSCRIBED) "" "*"
A03 LIST () "" "%" RETURN (CHILDREN)
A04 LIST (REMOTE) "" "%" RETURN (CHILDREN)
A05 LIST (REMOTE SUBSCRIBED) "" "*"
A06 LIST (REMOTE) "" "*" RETURN (SUBSCRIBED)
!wait A06
S
	[ "$status" -eq 0 ]
	answer A01 <<'E'
* LIST (\HasChildren) "/" "Fruit"
* LIST (\HasNoChildren) "/" "Fruit/Apple"
* LIST (\HasNoChildren) "/" "Fruit/Banana"
* LIST (\HasNoChildren) "/" "INBOX"
* LIST (\HasNoChildren) "/" "Tofu"
* LIST (\HasChildren) "/" "Vegetable"
* LIST (\HasNoChildren) "/" "Vegetable/Broccoli"
* LIST (\HasNoChildren) "/" "Vegetable/Corn"
A01 OK LIST completed
E
	answer A02 <<'E'
* LIST (\HasNoChildren \Subscribed) "/" "Fruit/Banana"
* LIST (\NonExistent \HasNoChildren \Subscribed) "/" "Fruit/Peach"
* LIST (\HasNoChildren \Subscribed) "/" "INBOX"
* LIST (\HasChildren \Subscribed) "/" "Vegetable"
* LIST (\HasNoChildren \Subscribed) "/" "Vegetable/Broccoli"
A02 OK LIST completed
E
	answer A03 <<'E'
* LIST (\HasChildren) "/" "Fruit"
* LIST (\HasNoChildren) "/" "INBOX"
* LIST (\HasNoChildren) "/" "Tofu"
* LIST (\HasChildren) "/" "Vegetable"
A03 OK LIST completed
E
	# No remote mailboxes here: REMOTE changes nothing.
	answer A04 <<'E'
* LIST (\HasChildren) "/" "Fruit"
* LIST (\HasNoChildren) "/" "INBOX"
* LIST (\HasNoChildren) "/" "Tofu"
* LIST (\HasChildren) "/" "Vegetable"
A04 OK LIST completed
E
	answer A05 <<'E'
* LIST (\HasNoChildren \Subscribed) "/" "Fruit/Banana"
* LIST (\NonExistent \HasNoChildren \Subscribed) "/" "Fruit/Peach"
* LIST (\HasNoChildren \Subscribed) "/" "INBOX"
* LIST (\HasChildren \Subscribed) "/" "Vegetable"
* LIST (\HasNoChildren \Subscribed) "/" "Vegetable/Broccoli"
A05 OK LIST completed
E
	# Not a superset of A05: the deleted Fruit/Peach is not listed.
	answer A06 <<'E'
* LIST (\HasChildren) "/" "Fruit"
* LIST (\HasNoChildren) "/" "Fruit/Apple"
* LIST (\HasNoChildren \Subscribed) "/" "Fruit/Banana"
* LIST (\HasNoChildren \Subscribed) "/" "INBOX"
* LIST (\HasNoChildren) "/" "Tofu"
* LIST (\HasChildren \Subscribed) "/" "Vegetable"
* LIST (\HasNoChildren \Subscribed) "/" "Vegetable/Broccoli"
* LIST (\HasNoChildren) "/" "Vegetable/Corn"
A06 OK LIST completed
E
}

@test "LIST-EXTENDED: RFC 5258 example 8, CHILDINFO against \\HasChildren, with SUBSCRIBE and UNSUBSCRIBE" {
	tree Foo/Bar Foo/Baz Moo
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
C01 LIST "" "*"
CA3 LIST "" "%" RETURN (CHILDREN)
b SUBSCRIBE Foo/Baz
C02 LIST (SUBSCRIBED) "" "*"
C03 LIST (SUBSCRIBED) "" "%"
C04 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"
c SUBSCRIBE Foo
C05 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"
d UNSUBSCRIBE Foo
e SUBSCRIBE Goo/Baz
C06 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"
f UNSUBSCRIBE Foo/Baz
g UNSUBSCRIBE Goo/Baz
C07 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"
h SUBSCRIBE Foo
i SUBSCRIBE Moo
C08 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (CHILDREN)
!wait C08
S
	[ "$status" -eq 0 ]
	answer C01 <<'E'
* LIST (\HasChildren) "/" "Foo"
* LIST (\HasNoChildren) "/" "Foo/Bar"
* LIST (\HasNoChildren) "/" "Foo/Baz"
* LIST (\HasNoChildren) "/" "INBOX"
* LIST (\HasNoChildren) "/" "Moo"
C01 OK LIST completed
E
	answer CA3 <<'E'
* LIST (\HasChildren) "/" "Foo"
* LIST (\HasNoChildren) "/" "INBOX"
* LIST (\HasNoChildren) "/" "Moo"
CA3 OK LIST completed
E
	# A) Foo/Baz is the only subscribed mailbox.
	answer C02 <<'E'
* LIST (\HasNoChildren \Subscribed) "/" "Foo/Baz"
C02 OK LIST completed
E
	answer C03 <<'E'
C03 OK LIST completed
E
	answer C04 <<'E'
* LIST (\HasChildren) "/" "Foo" ("CHILDINFO" ("SUBSCRIBED"))
C04 OK LIST completed
E
	# A1) Foo is subscribed too.
	answer C05 <<'E'
* LIST (\HasChildren \Subscribed) "/" "Foo" ("CHILDINFO" ("SUBSCRIBED"))
C05 OK LIST completed
E
	# A2) a subscribed Goo/Baz whose parent Goo does not exist.
	answer C06 <<'E'
* LIST (\HasChildren) "/" "Foo" ("CHILDINFO" ("SUBSCRIBED"))
* LIST (\NonExistent \HasNoChildren) "/" "Goo" ("CHILDINFO" ("SUBSCRIBED"))
C06 OK LIST completed
E
	# B) nothing subscribed: nothing, although Foo has children.
	answer C07 <<'E'
C07 OK LIST completed
E
	# C) Foo and Moo subscribed: Foo has children, none subscribed.
	answer C08 <<'E'
* LIST (\HasChildren \Subscribed) "/" "Foo"
* LIST (\HasNoChildren \Subscribed) "/" "Moo"
C08 OK LIST completed
E
}

@test "LIST-EXTENDED: RFC 5258 examples 9 and 10, CHILDINFO whether or not the children match" {
	tree foo2/bar1 foo2/bar2 baz2/bar2 baz2/bar22 baz2/bar222 eps2/mamba qux2/bar2 foo
	subscribed foo2/bar1 foo2/bar2 baz2/bar2 baz2/bar22 baz2/bar222 eps2 eps2/mamba qux2/bar2 \
		foo/bar
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
D02 LIST (SUBSCRIBED) "" "*"
D03 LIST (RECURSIVEMATCH SUBSCRIBED) "" "*2"
D04 LIST (RECURSIVEMATCH SUBSCRIBED) "" "*"
D05 LIST (RECURSIVEMATCH SUBSCRIBED) "" "%"
a1 LIST "" ("foo")
a2 LIST (SUBSCRIBED) "" "foo/*"
a3 LIST (SUBSCRIBED RECURSIVEMATCH) "" foo RETURN (CHILDREN)
!wait a3
S
	[ "$status" -eq 0 ]
	answer D02 <<'E'
* LIST (\HasNoChildren \Subscribed) "/" "baz2/bar2"
* LIST (\HasNoChildren \Subscribed) "/" "baz2/bar22"
* LIST (\HasNoChildren \Subscribed) "/" "baz2/bar222"
* LIST (\HasChildren \Subscribed) "/" "eps2"
* LIST (\HasNoChildren \Subscribed) "/" "eps2/mamba"
* LIST (\NonExistent \HasNoChildren \Subscribed) "/" "foo/bar"
* LIST (\HasNoChildren \Subscribed) "/" "foo2/bar1"
* LIST (\HasNoChildren \Subscribed) "/" "foo2/bar2"
* LIST (\HasNoChildren \Subscribed) "/" "qux2/bar2"
D02 OK LIST completed
E
	# foo2 for its child bar1 that "*2" does not list; baz2 not, as every
	# subscribed child of it is listed (RFC 5258 3.5: no redundant
	# CHILDINFO); eps2 with CHILDINFO, as it is listed and has one.
	answer D03 <<'E'
* LIST (\HasNoChildren \Subscribed) "/" "baz2/bar2"
* LIST (\HasNoChildren \Subscribed) "/" "baz2/bar22"
* LIST (\HasNoChildren \Subscribed) "/" "baz2/bar222"
* LIST (\HasChildren \Subscribed) "/" "eps2" ("CHILDINFO" ("SUBSCRIBED"))
* LIST (\HasChildren) "/" "foo2" ("CHILDINFO" ("SUBSCRIBED"))
* LIST (\HasNoChildren \Subscribed) "/" "foo2/bar2"
* LIST (\HasNoChildren \Subscribed) "/" "qux2/bar2"
D03 OK LIST completed
E
	answer D04 <<'E'
* LIST (\HasNoChildren \Subscribed) "/" "baz2/bar2"
* LIST (\HasNoChildren \Subscribed) "/" "baz2/bar22"
* LIST (\HasNoChildren \Subscribed) "/" "baz2/bar222"
* LIST (\HasChildren \Subscribed) "/" "eps2" ("CHILDINFO" ("SUBSCRIBED"))
* LIST (\HasNoChildren \Subscribed) "/" "eps2/mamba"
* LIST (\NonExistent \HasNoChildren \Subscribed) "/" "foo/bar"
* LIST (\HasNoChildren \Subscribed) "/" "foo2/bar1"
* LIST (\HasNoChildren \Subscribed) "/" "foo2/bar2"
* LIST (\HasNoChildren \Subscribed) "/" "qux2/bar2"
D04 OK LIST completed
E
	answer D05 <<'E'
* LIST (\HasChildren) "/" "baz2" ("CHILDINFO" ("SUBSCRIBED"))
* LIST (\HasChildren \Subscribed) "/" "eps2" ("CHILDINFO" ("SUBSCRIBED"))
* LIST (\HasNoChildren) "/" "foo" ("CHILDINFO" ("SUBSCRIBED"))
* LIST (\HasChildren) "/" "foo2" ("CHILDINFO" ("SUBSCRIBED"))
* LIST (\HasChildren) "/" "qux2" ("CHILDINFO" ("SUBSCRIBED"))
D05 OK LIST completed
E
	# Example 10: CHILDINFO does not mean \HasChildren.
	answer a1 <<'E'
* LIST (\HasNoChildren) "/" "foo"
a1 OK LIST completed
E
	answer a2 <<'E'
* LIST (\NonExistent \HasNoChildren \Subscribed) "/" "foo/bar"
a2 OK LIST completed
E
	answer a3 <<'E'
* LIST (\HasNoChildren) "/" "foo" ("CHILDINFO" ("SUBSCRIBED"))
a3 OK LIST completed
E
}

@test "LIST-EXTENDED: several patterns, empty patterns, a reference, and LIST \"\" \"\"" {
	tree Sent Sent/2025 Sentinel Fruit/Apple
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b LIST "" ("INBOX" "Sent*")
c LIST "" ("inbox" "INBOX" "I*" "*X")
d LIST "" ""
e LIST "" ("")
f LIST "" "" RETURN ()
g LIST () "" ""
h LIST "" ("" "INBOX")
i LIST "Fruit/" ("%" "Apple" "nothing")
j LIST "" ("Sent/%" Fruit)
!wait j
S
	[ "$status" -eq 0 ]
	answer b <<'E'
* LIST (\HasNoChildren) "/" "INBOX"
* LIST (\HasChildren \Sent) "/" "Sent"
* LIST (\HasNoChildren) "/" "Sent/2025"
* LIST (\HasNoChildren) "/" "Sentinel"
b OK LIST completed
E
	# A name that matches several patterns is listed once.
	answer c <<'E'
* LIST (\HasNoChildren) "/" "INBOX"
c OK LIST completed
E
	# Only the plain LIST "" "" asks for the delimiter (RFC 5258 3).
	answer d <<'E'
* LIST (\Noselect) "/" ""
d OK LIST completed
E
	answer e <<'E'
e OK LIST completed
E
	answer f <<'E'
f OK LIST completed
E
	answer g <<'E'
g OK LIST completed
E
	answer h <<'E'
* LIST (\HasNoChildren) "/" "INBOX"
h OK LIST completed
E
	answer i <<'E'
* LIST (\HasNoChildren) "/" "Fruit/Apple"
i OK LIST completed
E
	answer j <<'E'
* LIST (\HasChildren) "/" "Fruit"
* LIST (\HasNoChildren) "/" "Sent/2025"
j OK LIST completed
E
}

@test "LIST-EXTENDED: invalid options and bad syntax are BAD with a reason, never a hang" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b1 LIST (RECURSIVEMATCH) "" "%"
b2 LIST (REMOTE RECURSIVEMATCH) "" "%"
b3 LIST (BOGUS) "" "%"
b4 LIST "" "%" RETURN (BOGUS)
b5 LIST (SUBSCRIBED "" "%"
b6 LIST "" ("INBOX" "%"
b7 LIST "" "%" RETURN
b8 LIST "" "%" RETURN (STATUS ())
b9 LIST "" "%" RETURN (STATUS (MESSAGES BOGUS))
b10 LIST "" ()
b11 LSUB (SUBSCRIBED) "" "*"
b12 LSUB "" ("INBOX")
b13 LSUB "" "*" RETURN (CHILDREN)
b14 LIST "" "%" extra
b15 LIST
c NOOP
!wait c
S
	[ "$status" -eq 0 ]
	[[ "$(resp b1)" == 'b1 BAD RECURSIVEMATCH needs SUBSCRIBED or SPECIAL-USE beside it (RFC 5258 3.1)' ]]
	[[ "$(resp b2)" == 'b2 BAD RECURSIVEMATCH needs SUBSCRIBED or SPECIAL-USE beside it (RFC 5258 3.1)' ]]
	[[ "$(resp b3)" == "b3 BAD Unknown LIST selection option"* ]]
	[[ "$(resp b4)" == "b4 BAD Unknown LIST return option"* ]]
	[[ "$(resp b5)" == "b5 BAD Expected ) after the LIST selection options" ]]
	[[ "$(resp b6)" == "b6 BAD Expected ) after the LIST patterns" ]]
	[[ "$(resp b7)" == "b7 BAD Expected RETURN (options) after the LIST patterns" ]]
	[[ "$(resp b8)" == "b8 BAD Expected at least one STATUS item" ]]
	[[ "$(resp b9)" == "b9 BAD Unknown STATUS item"* ]]
	[[ "$(resp b10)" == "b10 BAD Expected a mailbox pattern in the list of patterns" ]]
	for t in b11 b12 b13 b14 b15; do
		[[ "$(resp $t)" == "$t BAD "?* ]] || { echo "$t: $(resp $t)"; false; }
	done
	# Nothing but the BAD for any of them.
	[ -z "$(printf '%s\n' "$output" | grep -E '^\* (LIST|LSUB)')" ]
	answer c <<'E'
c OK NOOP completed
E
}

@test "SPECIAL-USE: Apple's and Thunderbird's names at the top level, case-sensitive, on LIST and LSUB" {
	tree Drafts Sent "Sent Messages" Trash "Deleted Messages" Junk Spam Archive Archives \
		sent drafts Work/Sent Sent/March2004 Sent/December2003
	subscribed INBOX Sent Trash Work/Sent
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b LIST "" "*"
c LIST (SPECIAL-USE) "" "*"
d LIST "" "%" RETURN (SPECIAL-USE)
e LIST (SPECIAL-USE SUBSCRIBED) "" "*"
f LIST (SPECIAL-USE RECURSIVEMATCH) "" "%"
g LSUB "" "*"
BBB LIST "" ("INBOX" "Drafts" "Sent/%")
!wait BBB
S
	[ "$status" -eq 0 ]
	answer b <<'E'
* LIST (\HasNoChildren \Archive) "/" "Archive"
* LIST (\HasNoChildren \Archive) "/" "Archives"
* LIST (\HasNoChildren \Trash) "/" "Deleted Messages"
* LIST (\HasNoChildren \Drafts) "/" "Drafts"
* LIST (\HasNoChildren) "/" "INBOX"
* LIST (\HasNoChildren \Junk) "/" "Junk"
* LIST (\HasChildren \Sent) "/" "Sent"
* LIST (\HasNoChildren \Sent) "/" "Sent Messages"
* LIST (\HasNoChildren) "/" "Sent/December2003"
* LIST (\HasNoChildren) "/" "Sent/March2004"
* LIST (\HasNoChildren \Junk) "/" "Spam"
* LIST (\HasNoChildren \Trash) "/" "Trash"
* LIST (\HasChildren) "/" "Work"
* LIST (\HasNoChildren) "/" "Work/Sent"
* LIST (\HasNoChildren) "/" "drafts"
* LIST (\HasNoChildren) "/" "sent"
b OK LIST completed
E
	answer c <<'E'
* LIST (\HasNoChildren \Archive) "/" "Archive"
* LIST (\HasNoChildren \Archive) "/" "Archives"
* LIST (\HasNoChildren \Trash) "/" "Deleted Messages"
* LIST (\HasNoChildren \Drafts) "/" "Drafts"
* LIST (\HasNoChildren \Junk) "/" "Junk"
* LIST (\HasChildren \Sent) "/" "Sent"
* LIST (\HasNoChildren \Sent) "/" "Sent Messages"
* LIST (\HasNoChildren \Junk) "/" "Spam"
* LIST (\HasNoChildren \Trash) "/" "Trash"
c OK LIST completed
E
	answer d <<'E'
* LIST (\HasNoChildren \Archive) "/" "Archive"
* LIST (\HasNoChildren \Archive) "/" "Archives"
* LIST (\HasNoChildren \Trash) "/" "Deleted Messages"
* LIST (\HasNoChildren \Drafts) "/" "Drafts"
* LIST (\HasNoChildren) "/" "INBOX"
* LIST (\HasNoChildren \Junk) "/" "Junk"
* LIST (\HasChildren \Sent) "/" "Sent"
* LIST (\HasNoChildren \Sent) "/" "Sent Messages"
* LIST (\HasNoChildren \Junk) "/" "Spam"
* LIST (\HasNoChildren \Trash) "/" "Trash"
* LIST (\HasChildren) "/" "Work"
* LIST (\HasNoChildren) "/" "drafts"
* LIST (\HasNoChildren) "/" "sent"
d OK LIST completed
E
	answer e <<'E'
* LIST (\HasChildren \Sent \Subscribed) "/" "Sent"
* LIST (\HasNoChildren \Trash \Subscribed) "/" "Trash"
e OK LIST completed
E
	# Special use is for top-level folders only: no CHILDINFO.
	answer f <<'E'
* LIST (\HasNoChildren \Archive) "/" "Archive"
* LIST (\HasNoChildren \Archive) "/" "Archives"
* LIST (\HasNoChildren \Trash) "/" "Deleted Messages"
* LIST (\HasNoChildren \Drafts) "/" "Drafts"
* LIST (\HasNoChildren \Junk) "/" "Junk"
* LIST (\HasChildren \Sent) "/" "Sent"
* LIST (\HasNoChildren \Sent) "/" "Sent Messages"
* LIST (\HasNoChildren \Junk) "/" "Spam"
* LIST (\HasNoChildren \Trash) "/" "Trash"
f OK LIST completed
E
	answer g <<'E'
* LSUB (\HasNoChildren) "/" "INBOX"
* LSUB (\HasChildren \Sent) "/" "Sent"
* LSUB (\HasNoChildren \Trash) "/" "Trash"
* LSUB (\HasNoChildren) "/" "Work/Sent"
g OK LSUB completed
E
	# RFC 5258 example 7: several patterns.
	answer BBB <<'E'
* LIST (\HasNoChildren \Drafts) "/" "Drafts"
* LIST (\HasNoChildren) "/" "INBOX"
* LIST (\HasNoChildren) "/" "Sent/December2003"
* LIST (\HasNoChildren) "/" "Sent/March2004"
BBB OK LIST completed
E
}

# wire_size DIR: the sum of the sizes of DIR's messages with every bare LF
# counted as CRLF (RFC822.SIZE), computed here, not by the server.
wire_size() {
	/usr/bin/python3 - "$1" <<'PY'
import os, sys
d = sys.argv[1]
t = 0
for f in os.listdir(d):
    if f.isdigit() and os.path.isfile(os.path.join(d, f)):
        b = open(os.path.join(d, f), "rb").read()
        t += len(b) + b.count(b"\n") - b.count(b"\r\n")
print(t)
PY
}

@test "LIST-STATUS: a STATUS after each selectable mailbox listed, none for \\NonExistent or a CHILDINFO-only parent" {
	mkdir "$(root)/say \"hi\""
	chown "$SVC_UID:$SVC_GID" "$(root)/say \"hi\""
	subscribed INBOX archive/2025 gone
	local si sa sb
	si=$(wire_size "$(root)/inbox")
	sa=$(wire_size "$(root)/archive")
	sb=$(wire_size "$(root)/archive/2025")
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN UIDNEXT SIZE))
c LIST (SUBSCRIBED) "" "*" RETURN (STATUS (MESSAGES))
d LIST (SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (CHILDREN STATUS (MESSAGES RECENT))
e STATUS archive (UIDVALIDITY)
f LIST "" archive RETURN (STATUS (UIDVALIDITY))
g SELECT INBOX
h LIST "" ("INBOX" "nothing") RETURN (STATUS (MESSAGES UIDNEXT))
!wait h
S
	[ "$status" -eq 0 ]
	answer b <<E
* LIST (\\HasNoChildren) "/" "INBOX"
* STATUS "INBOX" (MESSAGES 12 UNSEEN 4 UIDNEXT 13 SIZE $si)
* LIST (\\HasChildren) "/" "archive"
* STATUS "archive" (MESSAGES 3 UNSEEN 0 UIDNEXT 4 SIZE $sa)
* LIST (\\HasNoChildren) "/" "archive/2025"
* STATUS "archive/2025" (MESSAGES 2 UNSEEN 0 UIDNEXT 3 SIZE $sb)
* LIST (\\HasNoChildren) "/" "say \\"hi\\""
* STATUS "say \\"hi\\"" (MESSAGES 0 UNSEEN 0 UIDNEXT 1 SIZE 0)
b OK LIST completed
E
	answer c <<'E'
* LIST (\HasNoChildren \Subscribed) "/" "INBOX"
* STATUS "INBOX" (MESSAGES 12)
* LIST (\HasNoChildren \Subscribed) "/" "archive/2025"
* STATUS "archive/2025" (MESSAGES 2)
* LIST (\NonExistent \HasNoChildren \Subscribed) "/" "gone"
c OK LIST completed
E
	# archive is listed for its subscribed child only: no STATUS (RFC 5819).
	answer d <<'E'
* LIST (\HasNoChildren \Subscribed) "/" "INBOX"
* STATUS "INBOX" (MESSAGES 12 RECENT 0)
* LIST (\HasChildren) "/" "archive" ("CHILDINFO" ("SUBSCRIBED"))
* LIST (\NonExistent \HasNoChildren \Subscribed) "/" "gone"
d OK LIST completed
E
	local v
	v=$(resp e | sed -n 's/^\* STATUS "archive" (UIDVALIDITY \([0-9][0-9]*\))$/\1/p')
	[ -n "$v" ]
	answer f <<E
* LIST (\\HasChildren) "/" "archive"
* STATUS "archive" (UIDVALIDITY $v)
f OK LIST completed
E
	# The selected mailbox too.
	answer h <<'E'
* LIST (\HasNoChildren) "/" "INBOX"
* STATUS "INBOX" (MESSAGES 12 UIDNEXT 13)
h OK LIST completed
E
}

@test "STATUS SIZE is the sum of RFC822.SIZE, from the files, from the cache, and after APPEND" {
	# CRLF line ends, and no line end at the end: sizes are not file sizes.
	printf 'Subject: crlf\r\n\r\nline\r\n' >"$(root)/inbox/13"
	printf 'Subject: bare\n\nno final newline' >"$(root)/inbox/14"
	chown "$SVC_UID:$SVC_GID" "$(root)/inbox/13" "$(root)/inbox/14"
	local si sa
	si=$(wire_size "$(root)/inbox")
	sa=$(wire_size "$(root)/archive")
	[ "$si" -ne "$(cat "$(root)"/inbox/[0-9]* | wc -c)" ]
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b STATUS INBOX (SIZE MESSAGES)
c STATUS archive (SIZE)
d SELECT INBOX
e FETCH 1:* (RFC822.SIZE)
!wait e
S
	[ "$status" -eq 0 ]
	answer b <<E
* STATUS "INBOX" (SIZE $si MESSAGES 14)
b OK STATUS completed
E
	answer c <<E
* STATUS "archive" (SIZE $sa)
c OK STATUS completed
E
	local sum
	sum=$(resp e | sed -n 's/^\* [0-9]* FETCH (RFC822.SIZE \([0-9]*\))$/\1/p' | paste -sd+ | bc)
	[ "$sum" -eq "$si" ]
	# The sizes were saved for archive, which no session selected: a new
	# supervisor answers from the cache, without reading the messages
	# (which it now could not).
	[ -s "$(root)/archive/.asimap-cache" ]
	kill $(supervisors)
	sleep 0.3
	chmod 000 "$(root)"/archive/[0-9]*
	local msg='Subject: appended\r\n\r\nbody\r\n' n
	n=$(printf "$msg" | wc -c)
	run imap "$PORT" <<S
a LOGIN u1 pw1
b STATUS archive (SIZE)
!raw $(printf "c APPEND INBOX {$n+}\r\n$msg\r\n" | od -An -tx1 | tr -d ' \n')
!wait c
d STATUS INBOX (SIZE)
!wait d
S
	chmod 644 "$(root)"/archive/[0-9]*
	[ "$status" -eq 0 ]
	answer b <<E
* STATUS "archive" (SIZE $sa)
b OK STATUS completed
E
	[[ "$(resp c)" == "c OK [APPENDUID "* ]]
	answer d <<E
* STATUS "INBOX" (SIZE $((si + n)))
d OK STATUS completed
E
}

@test "CAPABILITY names CHILDREN, LIST-EXTENDED, SPECIAL-USE, LIST-STATUS and STATUS=SIZE after login" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b CAPABILITY
!wait b
S
	[ "$status" -eq 0 ]
	local c caps
	for c in "$(resp a)" "$(resp b)"; do
		caps=$(sed -n -e 's/.*\[CAPABILITY \([^]]*\)\].*/\1/p' -e 's/^\* CAPABILITY //p' <<<"$c" |
			tr ' ' '\n')
		for want in CHILDREN LIST-EXTENDED SPECIAL-USE LIST-STATUS STATUS=SIZE; do
			grep -qx "$want" <<<"$caps" || { echo "no $want in: $c"; false; }
		done
	done
}

@test "APPENDLIMIT: advertised, in STATUS and LIST-STATUS; an APPEND over it is refused before its literal" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b CAPABILITY
c STATUS INBOX (APPENDLIMIT MESSAGES)
d LIST "" INBOX RETURN (STATUS (APPENDLIMIT))
e APPEND INBOX {1073741825}
!wait e
f NOOP
!wait f
S
	[ "$status" -eq 0 ]
	grep -q '^a OK \[CAPABILITY .* APPENDLIMIT=1073741824\] ' <<<"$output"
	grep -q '^\* CAPABILITY .* APPENDLIMIT=1073741824$' <<<"$(resp b)"
	answer c <<'E'
* STATUS "INBOX" (APPENDLIMIT 1073741824 MESSAGES 12)
c OK STATUS completed
E
	answer d <<'E'
* LIST (\HasNoChildren) "/" "INBOX"
* STATUS "INBOX" (APPENDLIMIT 1073741824)
d OK LIST completed
E
	# A synchronizing literal: NO [TOOBIG] instead of "+", and the
	# session goes on (the client sent nothing more).  t/append.bats
	# shows the non-synchronizing case.
	grep -q '^e NO \[TOOBIG\] ' <<<"$(resp e)"
	! grep -q '^+' <<<"$output" || false
	answer f <<'E'
f OK NOOP completed
E
	[ "$(ls "$(root)/inbox" | grep -c '^[0-9]*$')" -eq 12 ]
}

@test "APPENDLIMIT: imaplib reads it and APPENDs a 64 MiB message" {
	run /usr/bin/python3 "$ROOT/t/lib/list_append.py" "$PORT" u1 pw1 INBOX 67108864
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "appendlimit: 1073741824" ]
	[[ "${lines[1]}" == "append: OK [APPENDUID "*" 13] "* ]]
	# The message on disk has the CRLF size of what was sent.
	local d
	d=$(mktemp -d)
	cp "$(root)/inbox/13" "$d/1"
	[ "$(wire_size "$d")" -eq 67108864 ]
	rm -rf "$d"
}

@test "python imaplib: list(), lsub(), status() and a LIST-STATUS still work" {
	tree Sent Sent/2025 Drafts
	subscribed INBOX Sent/2025 gone
	local si
	si=$(wire_size "$(root)/inbox")
	run /usr/bin/python3 "$ROOT/t/lib/list_imaplib.py" "$PORT" u1 pw1
	[ "$status" -eq 0 ]
	[ "$output" = "$(
		cat <<E
list: (\\HasNoChildren \\Drafts) "/" "Drafts"
list: (\\HasNoChildren) "/" "INBOX"
list: (\\HasChildren \\Sent) "/" "Sent"
list: (\\HasNoChildren) "/" "Sent/2025"
list %: (\\HasNoChildren \\Drafts) "/" "Drafts"
list %: (\\HasNoChildren) "/" "INBOX"
list %: (\\HasChildren \\Sent) "/" "Sent"
lsub: (\\HasNoChildren) "/" "INBOX"
lsub: (\\HasNoChildren) "/" "Sent/2025"
lsub: (\\Noselect \\HasNoChildren) "/" "gone"
status: "INBOX" (MESSAGES 12 SIZE $si)
list-status list: (\\HasNoChildren \\Drafts) "/" "Drafts"
list-status list: (\\HasNoChildren) "/" "INBOX"
list-status list: (\\HasChildren \\Sent) "/" "Sent"
list-status list: (\\HasNoChildren) "/" "Sent/2025"
list-status status: "Drafts" (MESSAGES 0)
list-status status: "INBOX" (MESSAGES 12)
list-status status: "Sent" (MESSAGES 0)
list-status status: "Sent/2025" (MESSAGES 0)
E
	)" ]
}
