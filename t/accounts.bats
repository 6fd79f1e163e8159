#!/usr/bin/env bats
# Accounts: hashes made by real Django log in over IMAP (and wrong
# passwords do not), for every hasher; asimapd_set_password writes hashes
# Django accepts, updates the password file atomically under a lock, keeps
# its owner, mode and every other byte, and refuses what would break it.
# Needs Debian's python3-django, python3-argon2 and python3-bcrypt (run
# with /usr/bin/python3); without them the tests skip and say so.
load lib/common

DJANGO="/usr/bin/python3 $ROOT/t/lib/accounts_django.py"
TTY="/usr/bin/python3 $ROOT/t/lib/accounts_tty.py"

setup() {
	setup_world
	export ASIMAP_AUTH_FAILS_USER=1000 ASIMAP_AUTH_FAILS_ADDR=1000
	SETPW=$BIN/asimapd_set_password
}
teardown() { teardown_world; }

need_django() {
	/usr/bin/python3 -c 'import django, argon2, bcrypt' 2>/dev/null ||
		skip "python3-django, python3-argon2 or python3-bcrypt is not installed"
}

# add_mailroot USER: an MH mail root with one message, owned by the service user.
add_mailroot() {
	make_folder "$W/mail/$1/inbox" 1
	chown -R "$SVC_UID:$SVC_GID" "$W/mail/$1"
}

# login USER PASSWORD: the tagged answer to LOGIN (the password quoted).
login() {
	printf 'a LOGIN %s "%s"\n!wait a\n' "$1" "$2" | imap "$PORT" | grep '^a ' || true
}

# hash_of USER: the hash field of USER's line in the password file.
hash_of() {
	grep "^$1:" "$W/passwd" | cut -d: -f2
}

# django_login HASHER PREFIX: a hash made by Django's make_password for
# HASHER (its default work factors) starts with PREFIX; in the password
# file the right password logs in over IMAP, wrong ones do not.
django_login() {
	need_django
	local user=d_$1 h
	h=$($DJANGO make "$1" "correct horse")
	[[ "$h" == "$2"* ]]
	add_mailroot "$user"
	echo "$user:$h:mail/$user" >>"$W/passwd"
	start_tcpserver
	[[ "$(login "$user" "correct horse")" == "a OK"* ]]
	# (crypt reads 8 bytes, bcrypt 72: the wrong ones differ early)
	[[ "$(login "$user" "Correct horse")" == "a NO"* ]]
	[[ "$(login "$user" "correcT horse")" == "a NO"* ]]
	[[ "$(login "$user" "")" == "a NO"* ]]
}

@test "Django pbkdf2_sha256: the right password logs in over IMAP, wrong ones do not" {
	django_login pbkdf2_sha256 'pbkdf2_sha256$'
}

@test "Django pbkdf2_sha1: the right password logs in over IMAP, wrong ones do not" {
	django_login pbkdf2_sha1 'pbkdf2_sha1$'
}

@test "Django argon2 (argon2id, p=8): the right password logs in, wrong ones do not" {
	django_login argon2 'argon2$argon2id$v=19$m=102400,t=2,p=8$'
}

@test "Django bcrypt_sha256: the right password logs in over IMAP, wrong ones do not" {
	django_login bcrypt_sha256 'bcrypt_sha256$$2b$12$'
}

@test "Django bcrypt: the right password logs in over IMAP, wrong ones do not" {
	django_login bcrypt 'bcrypt$$2b$12$'
}

@test "Django 4.2 scrypt (on hashlib.scrypt): the right password logs in, wrong ones do not" {
	django_login scrypt 'scrypt$16384$'
}

@test "Django legacy sha1: the right password logs in over IMAP, wrong ones do not" {
	django_login sha1 'sha1$'
}

@test "Django legacy md5: the right password logs in over IMAP, wrong ones do not" {
	django_login md5 'md5$'
}

@test "Django unsalted_sha1: the right password logs in over IMAP, wrong ones do not" {
	django_login unsalted_sha1 'sha1$$'
}

@test "Django unsalted_md5: the right password logs in over IMAP, wrong ones do not" {
	django_login unsalted_md5 ''
}

@test "Django crypt: the right password logs in over IMAP, wrong ones do not" {
	django_login crypt 'crypt$$'
}

# set_roundtrip HASHER PREFIX: asimapd_set_password creates an account with
# HASHER; Django's check_password takes the hash it wrote, and so does
# asimap-accept over IMAP.
set_roundtrip() {
	need_django
	local user=s_$1 h
	add_mailroot "$user"
	run "$SETPW" ${1:+--hasher="$1"} "$user" "battery staple" "mail/$user"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	h=$(hash_of "$user")
	[[ "$h" == "$2"* ]]
	$DJANGO check "battery staple" "$h"
	run $DJANGO check "battery stapler" "$h"
	[ "$status" -eq 1 ]
	start_tcpserver
	[[ "$(login "$user" "battery staple")" == "a OK"* ]]
	[[ "$(login "$user" "battery stapler")" == "a NO"* ]]
}

@test "asimapd_set_password: the default hash (pbkdf2_sha256, 870000) checks in Django and IMAP" {
	set_roundtrip "" 'pbkdf2_sha256$870000$'
}

@test "asimapd_set_password --hasher=pbkdf2_sha1: checks in Django and over IMAP" {
	set_roundtrip pbkdf2_sha1 'pbkdf2_sha1$870000$'
}

@test "asimapd_set_password --hasher=argon2: checks in Django and over IMAP" {
	set_roundtrip argon2 'argon2$argon2id$v=19$m=102400,t=2,p=8$'
}

@test "asimapd_set_password --hasher=bcrypt_sha256: checks in Django and over IMAP" {
	set_roundtrip bcrypt_sha256 'bcrypt_sha256$$2b$12$'
}

@test "asimapd_set_password --hasher=scrypt: checks in Django 4.2's hasher and over IMAP" {
	set_roundtrip scrypt 'scrypt$16384$'
}

@test "asimapd_set_password changes a password: the new one logs in, the old one no more" {
	export ASIMAP_PASSWORD_HASHER=argon2
	run "$SETPW" u1 "new one"
	[ "$status" -eq 0 ]
	[[ "$(hash_of u1)" == 'argon2$'* ]]
	[ "$(grep -c '^u1:' "$W/passwd")" -eq 1 ]
	grep -q '^u1:[^:]*:mail/u1$' "$W/passwd"
	start_tcpserver
	[[ "$(login u1 "new one")" == "a OK"* ]]
	[[ "$(login u1 pw1)" == "a NO"* ]]
	[[ "$(login u2 pw2)" == "a OK"* ]]
}

# wait_stopped PID: until the process is stopped (state T).
wait_stopped() {
	local i
	for i in $(seq 1 200); do
		[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = T ] && return 0
		sleep 0.05
	done
	return 1
}

# temp_files: the temp files beside the password file.
temp_files() {
	ls -a "$W" | grep '^\.passwd\.tmp\.' || true
}

@test "an update killed before its rename leaves the old file intact, and the next one works" {
	cp -p "$W/passwd" "$W/passwd.before"
	ASIMAP_TEST_PAUSE_BEFORE_RENAME=1 "$SETPW" u1 "never lands" 3>&- &
	local pid=$!
	wait_stopped "$pid"
	# The new content is written and synced beside the file, not yet in place.
	[ "$(temp_files | wc -l)" -eq 1 ]
	grep -q '^u1:pbkdf2_sha256\$870000\$' "$W/$(temp_files)"
	cmp "$W/passwd" "$W/passwd.before"
	kill -9 "$pid"
	wait "$pid" || true
	cmp "$W/passwd" "$W/passwd.before"
	start_tcpserver
	[[ "$(login u1 pw1)" == "a OK"* ]]
	[[ "$(login u1 "never lands")" == "a NO"* ]]
	# The lock died with it; the next update removes the leftover.
	run timeout 20 "$SETPW" u1 "lands"
	[ "$status" -eq 0 ]
	[ -z "$(temp_files)" ]
	[[ "$(login u1 lands)" == "a OK"* ]]
	[[ "$(login u1 pw1)" == "a NO"* ]]
}

@test "concurrent updates for different users all land (the lock serialises them)" {
	need_django
	# The first holds the lock, stopped just before its rename; the second
	# must wait for it, not write over it.
	cp -p "$W/passwd" "$W/passwd.before"
	ASIMAP_TEST_PAUSE_BEFORE_RENAME=1 "$SETPW" u1 "first" 3>&- &
	local p1=$!
	wait_stopped "$p1"
	"$SETPW" u2 "second" 3>&- &
	local p2=$!
	sleep 1
	kill -0 "$p2"
	cmp "$W/passwd" "$W/passwd.before"
	kill -CONT "$p1"
	wait "$p1"
	wait "$p2"
	$DJANGO check first "$(hash_of u1)"
	$DJANGO check second "$(hash_of u2)"
	# Eight at once, each creating its own account.
	local i pids=""
	for i in 1 2 3 4 5 6 7 8; do
		"$SETPW" "c$i" "pw$i" "mail/c$i" 3>&- &
		pids="$pids $!"
	done
	for i in $pids; do
		wait "$i"
	done
	for i in 1 2 3 4 5 6 7 8; do
		[ "$(grep -c "^c$i:" "$W/passwd")" -eq 1 ]
		$DJANGO check "pw$i" "$(hash_of "c$i")"
	done
	$DJANGO check first "$(hash_of u1)"
	$DJANGO check second "$(hash_of u2)"
	[ -z "$(temp_files)" ]
}

@test "an update keeps the file's owner and mode, its comments and every other line" {
	{
		printf '\n  # an indented comment, then a CRLF line and a malformed one\r\n'
		printf 'crlf:%s:mail/u2\r\n' "$(django_hash crlfpw)"
		printf 'this line is not an entry\n'
		printf '# last line, no newline'
	} >>"$W/passwd"
	chmod 640 "$W/passwd"
	cp -p "$W/passwd" "$W/passwd.before"
	local owner
	owner=$(stat -c '%u:%g %a' "$W/passwd")
	run "$SETPW" u2 "changed"
	[ "$status" -eq 0 ]
	[ "$(stat -c '%u:%g %a' "$W/passwd")" = "$owner" ]
	[ "$owner" = "$SVC_UID:$SVC_GID 640" ]
	# Byte for byte but the one line, which stays where it was.
	cmp <(grep -v '^u2:' "$W/passwd.before") <(grep -v '^u2:' "$W/passwd")
	[ "$(grep -n '^u2:' "$W/passwd" | cut -d: -f1)" = "$(grep -n '^u2:' "$W/passwd.before" | cut -d: -f1)" ]
	[ "$(tail -c 23 "$W/passwd")" = "# last line, no newline" ]
	# A CRLF line keeps its CR.
	run "$SETPW" crlf "crlf changed"
	[ "$status" -eq 0 ]
	grep -q $'^crlf:pbkdf2_sha256[^:]*:mail/u2\r$' "$W/passwd"
	start_tcpserver
	[[ "$(login u2 changed)" == "a OK"* ]]
	[[ "$(login crlf "crlf changed")" == "a OK"* ]]
	[[ "$(login u1 pw1)" == "a OK"* ]]
}

@test "the service user who owns the file can update it; the file stays theirs" {
	[ "$(id -u)" = 0 ] || skip "needs root to act as the service user"
	run setpriv --reuid="$SVC_UID" --regid="$SVC_GID" --clear-groups "$SETPW" u1 "by the owner"
	[ "$status" -eq 0 ]
	[ "$(stat -c '%u:%g %a' "$W/passwd")" = "$SVC_UID:$SVC_GID 600" ]
	start_tcpserver
	[[ "$(login u1 "by the owner")" == "a OK"* ]]
}

@test "asimapd_set_password refuses what would break the file, with exit 100" {
	cp -p "$W/passwd" "$W/passwd.before"
	local bad
	for bad in 'a:b' $'a\nb' ' a' 'a ' '#a' $'a\tb' $'a\x1bb' ''; do
		run "$SETPW" "$bad" pw /m
		[ "$status" -eq 100 ]
		[[ "$output" == "asimapd_set_password: fatal: unable to use the user name"* ]]
	done
	for bad in '/m:x' $'/m\nx' ' /m' '/m ' ''; do
		run "$SETPW" newuser pw "$bad"
		[ "$status" -eq 100 ]
		[[ "$output" == "asimapd_set_password: fatal: unable to use the maildir"* ]]
	done
	run "$SETPW" newuser pw
	[ "$status" -eq 100 ]
	[[ "$output" == *"fatal: unable to find the account newuser in"*"give a maildir to create it"* ]]
	run "$SETPW" --hasher=md5 u1 pw
	[ "$status" -eq 100 ]
	[[ "$output" == *"fatal: unable to use hasher md5"* ]]
	run env -u PWFILE "$SETPW" u1 pw
	[ "$status" -eq 100 ]
	[[ "$output" == *"fatal: unable to find the password file: set PWFILE or --pwfile"* ]]
	run "$SETPW" --pwfile="$W/nodir/passwd" u1 pw /m
	[ "$status" -eq 100 ]
	[[ "$output" == "asimapd_set_password: fatal: unable to "*"No such file or directory" ]]
	run "$SETPW"
	[ "$status" -eq 100 ]
	[[ "$output" == "usage: asimapd_set_password"* ]]
	run "$SETPW" --disable u1 pw /m
	[ "$status" -eq 100 ]
	cmp "$W/passwd" "$W/passwd.before"
	run "$SETPW" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "asimapd_set_password "[0-9]* ]]
	run "$SETPW" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--disable"* ]]
}

@test "--pwfile wins over PWFILE; a missing file is created with mode 0600" {
	run "$SETPW" --pwfile="$W/new-passwd" fresh "fresh pw" mail/u2
	[ "$status" -eq 0 ]
	[ "$(stat -c '%a' "$W/new-passwd")" = 600 ]
	[ "$(wc -l <"$W/new-passwd")" -eq 1 ]
	! grep -q '^fresh:' "$W/passwd" || false
}

@test "without a password argument: one line of stdin, or twice from a terminal without echo" {
	printf 'from stdin\n' | "$SETPW" u1
	run $TTY "on a tty" "on a tty" -- "$SETPW" u2
	[ "$status" -eq 0 ]
	[[ "$output" == *"Password: "*"again"*"[exit 0]"* ]]
	[[ "$output" != *"on a tty"* ]]
	run $TTY "one" "two" -- "$SETPW" u2
	[[ "$output" == *"fatal: unable to set the password: the two entries differ"*"[exit 1]"* ]]
	run "$SETPW" u2 </dev/null
	[ "$status" -eq 100 ]
	start_tcpserver
	[[ "$(login u1 "from stdin")" == "a OK"* ]]
	[[ "$(login u2 "on a tty")" == "a OK"* ]]
}

@test "--disable and an empty password make an account unusable" {
	run "$SETPW" --disable u1
	[ "$status" -eq 0 ]
	[[ "$(hash_of u1)" == '!'* ]]
	[ "$(hash_of u1 | wc -c)" -eq 42 ]
	run "$SETPW" u2 ""
	[ "$status" -eq 0 ]
	[[ "$(hash_of u2)" == '!'* ]]
	printf '\n' | "$SETPW" nomail
	[[ "$(hash_of nomail)" == '!'* ]]
	run "$SETPW" --disable newbie mail/u2
	[ "$status" -eq 0 ]
	[[ "$(hash_of newbie)" == '!'* ]]
	start_tcpserver
	[[ "$(login u1 pw1)" == "a NO"* ]]
	[[ "$(login u2 pw2)" == "a NO"* ]]
	[[ "$(login u2 "")" == "a NO"* ]]
	[[ "$(login newbie "")" == "a NO"* ]]
}
