# Set-up for t/mh_seq.bats: a private nmh profile (MH, MHCONTEXT) whose
# mail root holds one folder, f, of MHSEQ_MESSAGES small messages.
ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
BIN=${ASIMAP_BIN:-$ROOT/build}
MHBIN=/usr/bin/mh
MHSEQ_MESSAGES=${MHSEQ_MESSAGES:-3000}

mhseq_setup() {
	[ -x "$MHBIN/mark" ] || skip "nmh is not installed ($MHBIN/mark)"
	W=$(mktemp -d /tmp/asimap-mhseq.XXXXXX)
	F=$W/Mail/f
	mkdir -p "$F"
	printf 'Path: %s\n' "$W/Mail" >"$W/profile"
	export MH=$W/profile MHCONTEXT=$W/context
	local i
	for ((i = 1; i <= MHSEQ_MESSAGES; i++)); do
		printf 'Subject: message %d\n\nbody %d\n' $i $i >"$F/$i"
	done
}

mhseq_teardown() {
	[ -z "${W:-}" ] || rm -rf "$W"
}

# tool ARGS...: build/t/test_mh_seq_tool (mh_seq from the command line).
tool() {
	"$BIN/t/test_mh_seq_tool" "$@"
}

# mh PROGRAM ARGS...: an nmh program.
mh() {
	local p=$1
	shift
	"$MHBIN/$p" "$@"
}

# expect_text FILE TEXT: FILE holds exactly TEXT and a final newline.
expect_text() {
	[ "$(cat "$1"; echo .)" = "$2
." ] && return 0
	echo "expected in $1:" >&2
	printf '%s\n' "$2" | sed 's/^/  | /' >&2
	echo "found:" >&2
	sed 's/^/  | /' "$1" >&2
	return 1
}

# contains_all SET LOG: every number of LOG (one a line) is in SET.
contains_all() {
	local missing
	missing=$(sort -n "$2" | comm -23 - <(sort -n "$1" | uniq) | head -5)
	[ -z "$missing" ] && return 0
	echo "in $2 but not in $1: $missing" >&2
	return 1
}

# contains_none SET LOG: no number of LOG is in SET.
contains_none() {
	local both
	both=$(sort -n "$2" | comm -12 - <(sort -n "$1" | uniq) | head -5)
	[ -z "$both" ] && return 0
	echo "in both $2 and $1: $both" >&2
	return 1
}
