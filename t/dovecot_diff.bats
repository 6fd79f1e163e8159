#!/usr/bin/env bats
# Differential tests against Dovecot (Debian's dovecot-imapd, 2.3): for
# every message of ../shared/corpus/mime, the same messages with CRLF line
# ends, and the hand-made edge cases of t/lib/dovecot_cases.py, Dovecot
# serves the bytes from a Maildir and answers FETCH ENVELOPE, BODY,
# BODYSTRUCTURE, RFC822*, and BODY.PEEK[section]<partial> for every part
# number with .MIME/.HEADER/.TEXT/.HEADER.FIELDS[.NOT] and some absent
# parts; build/t/test_mime_tool answers the same from lib/mime and
# lib/envelope.  Values must be equal byte for byte, or differ only in the
# form of strings (quoted or literal: the same string, RFC 3501 4.3), or be
# listed below as Dovecot's own deviation from the RFCs.
#
# Dovecot runs as the test's own instance (dovecot -c with a private
# configuration: imap only, loopback, a free port, no TLS, a static
# password, mail as nobody) and is stopped at the end.  Without Debian's
# dovecot-imapd every test skips and says so.

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
BIN=${ASIMAP_BIN:-$ROOT/build}
CORPUS=${ASIMAP_CORPUS:-$ROOT/../shared/corpus/mime}
TOOL=$BIN/t/test_mime_tool

# Dovecot's deviations, "FOLDER ITEM" (the item may end in '*').
ALLOWED='
# RFC 3501 6.4.5: "the blank line is always included in header data,
# except in the case of a message which has no body and no blank line."
# These messages have no blank line; Dovecot still appends one to
# HEADER.FIELDS (and to the unterminated last line of hdr_no_body), so its
# answer is not a subset of BODY[HEADER].  Ours: the matching fields as
# they are, nothing added.
empty BODY.PEEK[HEADER.FIELDS (FROM SUBJECT CONTENT-TYPE X-NOT-THERE)]
empty_crlf BODY.PEEK[HEADER.FIELDS (FROM SUBJECT CONTENT-TYPE X-NOT-THERE)]
hdr_no_blank BODY.PEEK[HEADER.FIELDS (FROM SUBJECT CONTENT-TYPE X-NOT-THERE)]
hdr_no_body BODY.PEEK[HEADER.FIELDS (FROM SUBJECT CONTENT-TYPE X-NOT-THERE)]
hdr_no_blank_crlf BODY.PEEK[HEADER.FIELDS (FROM SUBJECT CONTENT-TYPE X-NOT-THERE)]
hdr_no_body_crlf BODY.PEEK[HEADER.FIELDS (FROM SUBJECT CONTENT-TYPE X-NOT-THERE)]
# RFC 3501 6.4.5 (HEADER.FIELDS is a subset of the encapsulated message'"'"'s
# header) and RFC 2046 5.1.1 (a boundary line ends the body part): when
# the header of a message/rfc822 part has no blank line, Dovecot reads on
# past its end, through the next boundary line and into the next part'"'"'s
# header, until it meets an empty line.  Ours stops at the end of the part.
mp_digest BODY.PEEK[3.HEADER.FIELDS*
rfc822_in_mp_hdr_only BODY.PEEK[1.HEADER.FIELDS*
mp_digest_crlf BODY.PEEK[3.HEADER.FIELDS*
rfc822_in_mp_hdr_only_crlf BODY.PEEK[1.HEADER.FIELDS*
'

setup_file() {
	export DV_DIR MSG_DIR DV_PORT
	DV_DIR=$(mktemp -d /tmp/asimap-dovecot.XXXXXX)
	chmod 755 "$DV_DIR" # the mail user (nobody) walks through it
	MSG_DIR=$DV_DIR/msgs
	mkdir -p "$MSG_DIR"
	if ! command -v dovecot >/dev/null && [ ! -x /usr/sbin/dovecot ]; then
		echo "dovecot is not installed" >"$DV_DIR/skip"
		return 0
	fi
	[ "$(id -u)" = 0 ] || { echo "needs root to run dovecot" >"$DV_DIR/skip"; return 0; }
	cp "$CORPUS"/*.eml "$MSG_DIR/"
	/usr/bin/python3 "$ROOT/t/lib/dovecot_cases.py" "$MSG_DIR" --crlf-copies
	DV_PORT=$(sh "$ROOT/t/lib/dovecot_start.sh" "$DV_DIR/dovecot" "$MSG_DIR") ||
		echo "dovecot did not start: $(tail -3 "$DV_DIR/dovecot/dovecot.log" 2>/dev/null)" \
			>"$DV_DIR/fail"
}

teardown_file() {
	sh "$ROOT/t/lib/dovecot_start.sh" stop "$DV_DIR/dovecot"
	rm -rf "$DV_DIR"
}

setup() {
	if [ -f "$DV_DIR/skip" ]; then
		skip "$(cat "$DV_DIR/skip") (add dovecot-imapd to mk/deps.sh)"
	fi
	if [ -f "$DV_DIR/fail" ]; then
		cat "$DV_DIR/fail"
		return 1
	fi
}

diff_dir() { # DIR
	printf '%s\n' "$ALLOWED" >"$DV_DIR/allowed"
	run /usr/bin/python3 "$ROOT/t/lib/dovecot_diff.py" "$DV_PORT" "$TOOL" "$1" "$DV_DIR/allowed"
	echo "$output" | tail -40
}

@test "ENVELOPE, BODY, BODYSTRUCTURE and every section agree with Dovecot" {
	diff_dir "$MSG_DIR"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q ' passed, 0 failed$'
	# the corpus and the cases were all compared
	n=$(ls "$MSG_DIR" | wc -l)
	[ "$n" -gt 90 ]
}

@test "the comparison catches a difference (a message that is not what Dovecot serves)" {
	bad=$DV_DIR/bad
	mkdir -p "$bad"
	# Dovecot serves m1 as folder m1; we answer from a file with one byte
	# more in the body and another subject.
	sed -e 's/text body/text  body/' -e 's/^Subject: .*/Subject: other/' \
		"$CORPUS/m1.eml" >"$bad/m1.eml"
	diff_dir "$bad"
	[ "$status" -eq 1 ]
	echo "$output" | grep -q '^DIFF m1 ENVELOPE'
	echo "$output" | grep -q '^DIFF m1 BODYSTRUCTURE'
	echo "$output" | grep -q '^DIFF m1 BODY.PEEK\[1\]$'
}

@test "a listed difference that no longer occurs fails the run" {
	one=$DV_DIR/one
	mkdir -p "$one"
	cp "$CORPUS/m1.eml" "$one/"
	printf 'm1 ENVELOPE\n' >"$DV_DIR/stale"
	run /usr/bin/python3 "$ROOT/t/lib/dovecot_diff.py" "$DV_PORT" "$TOOL" "$one" "$DV_DIR/stale"
	[ "$status" -eq 1 ]
	echo "$output" | grep -q '^STALE allowed difference that did not occur: m1 ENVELOPE'
}
