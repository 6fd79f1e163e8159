# Set-up shared by t/nmh.bats and t/crash.bats, sourced after lib/common:
# a private nmh profile for u1's mail root (with nmh's usual
# Unseen-Sequence, so inc and show keep `unseen` as IMAP's \Seen expects),
# nmh's programs run as the owner of the mail root, and Python snippets
# with t/lib/nmh_imap.py on their path.
MHBIN=/usr/bin/mh

# nmh_profile: write $W/mh_profile (call after setup_world).
nmh_profile() {
	printf 'Path: %s\nUnseen-Sequence: unseen\n' "$W/mail/u1" >"$W/mh_profile"
	: >"$W/mh_context"
	chown "$SVC_UID:$SVC_GID" "$W/mh_profile" "$W/mh_context"
	export W SVC_UID SVC_GID PORT
}

# nmh PROGRAM ARGS...: an nmh program as the owner of the mail root.
nmh() {
	local cmd=$1
	shift
	MH=$W/mh_profile MHCONTEXT=$W/mh_context setpriv --reuid="$SVC_UID" --regid="$SVC_GID" \
		--clear-groups "$MHBIN/$cmd" "$@"
}

# py: run a Python snippet (stdin) with nmh_imap importable; bounded.
py() {
	PYTHONPATH=$ROOT/t/lib timeout 60 /usr/bin/python3 - "$@"
}

# as_owner FILE...: give files made by the test to the mail root's owner.
as_owner() {
	chown "$SVC_UID:$SVC_GID" "$@"
}
