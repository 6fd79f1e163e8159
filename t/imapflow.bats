#!/usr/bin/env bats
# imapflow (the Node.js IMAP client behind many web and desktop mailers)
# against the whole chain, over implicit TLS with the test's certificate:
# t/imapflow/client.mjs lists folders, fetches envelopes, flags and body
# structures and checks them against what t/lib/imapflow_folder.py derived
# from the messages, sets and clears flags, appends, and IDLEs while this
# test delivers a message into the MH folder.  imapflow is pinned in
# t/imapflow/package-lock.json and installed with `npm ci` into
# t/imapflow/node_modules when missing (or another version); without the
# npm registry (and no copy in npm's cache) the suite fails and says so.
load lib/common

IMAPFLOW_DIR=$BATS_TEST_DIRNAME/imapflow

setup_file() {
	local err=$BATS_FILE_TMPDIR/setup.err
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		# mk/deps.sh lists nodejs and npm: as root it installs them.
		sh "$BATS_TEST_DIRNAME/../mk/deps.sh" >&2 ||
			{ echo "node and npm are missing and mk/deps.sh could not install them" >"$err"; return 0; }
	fi
	local major
	major=$(node -p 'process.versions.node.split(".")[0]')
	# imapflow 1.7 runs on Debian 12's Node.js 18 (imapflow 2 needs 20).
	if [ "$major" -lt 18 ]; then
		echo "imapflow 1.7 needs Node.js 18 or later; this is $(node --version)" >"$err"
		return 0
	fi
	local want have=""
	want=$(node -p 'require(process.argv[1]).packages["node_modules/imapflow"].version' \
		"$IMAPFLOW_DIR/package-lock.json")
	[ ! -f "$IMAPFLOW_DIR/node_modules/imapflow/package.json" ] ||
		have=$(node -p 'require(process.argv[1]).version' \
			"$IMAPFLOW_DIR/node_modules/imapflow/package.json")
	if [ "$have" != "$want" ]; then
		if ! (cd "$IMAPFLOW_DIR" && timeout 300 npm ci --prefer-offline --no-audit --no-fund \
			--ignore-scripts) >"$BATS_FILE_TMPDIR/npm.log" 2>&1; then
			{
				echo "npm ci of imapflow $want failed: is the npm registry ($(npm config get registry)) reachable?"
				tail -5 "$BATS_FILE_TMPDIR/npm.log"
			} >"$err"
		fi
	fi
}

setup() {
	if [ -s "$BATS_FILE_TMPDIR/setup.err" ]; then
		cat "$BATS_FILE_TMPDIR/setup.err"
		return 1
	fi
	setup_world
	rm -rf "$W/mail/u1/inbox"
	/usr/bin/python3 "$ROOT/t/lib/imapflow_folder.py" "$W/mail/u1/inbox" "$W/expect.json"
	chown -R "$SVC_UID:$SVC_GID" "$W/mail/u1"
	start_tcpserver --tls
}

teardown() {
	[ -z "${NODE_PID:-}" ] || kill "$NODE_PID" 2>/dev/null || true
	teardown_world
}

@test "imapflow: list, fetch envelopes, flags and structures, store, append, IDLE" {
	mkdir -p "$W/state"
	node "$IMAPFLOW_DIR/client.mjs" "$PORT" "$W/cert.pem" "$W/expect.json" \
		"INBOX,archive,archive/2025" "$W/state" >"$W/node.out" 2>"$W/node.err" &
	NODE_PID=$!
	# Deliver while imapflow IDLEs: a new file, as a delivery agent writes it.
	local i
	for i in $(seq 1 300); do
		[ -e "$W/state/idling" ] || ! kill -0 "$NODE_PID" 2>/dev/null || { sleep 0.1; continue; }
		break
	done
	cat "$W/node.out" "$W/node.err"
	[ -e "$W/state/idling" ]
	printf 'From: MDA <mda@example.org>\nSubject: imapflow delivered while idling\n\nNew mail.\n' \
		>"$W/mail/u1/inbox/.new"
	chown "$SVC_UID:$SVC_GID" "$W/mail/u1/inbox/.new"
	mv "$W/mail/u1/inbox/.new" "$W/mail/u1/inbox/7"
	local rc=0
	wait "$NODE_PID" || rc=$?
	NODE_PID=
	cat "$W/node.out" "$W/node.err"
	[ "$rc" -eq 0 ]
	grep -qx 'list: INBOX archive archive/2025' "$W/node.out"
	[ "$(grep -c '^fetch [1-5] ok: ' "$W/node.out")" -eq 5 ]
	grep -qx 'fetch 5 ok: multipart/mixed(text/plain,message/rfc822(text/plain))' "$W/node.out"
	grep -qx 'flags 1: $Important \\Flagged' "$W/node.out"
	grep -qx 'flags 2: \\Seen' "$W/node.out"
	grep -qx 'append: uid 6' "$W/node.out"
	grep -Eqx 'idle: exists 7 after [0-9]+ ms' "$W/node.out"
	grep -qx 'idle: subject imapflow delivered while idling' "$W/node.out"
	grep -qx 'logout: ok' "$W/node.out"
	# What imapflow changed is in the MH folder, as nmh reads it.
	local seqs=$W/mail/u1/inbox/.mh_sequences
	cat "$seqs"
	grep -Eq '^flagged: 1$' "$seqs"               # set on 1, cleared on 2
	grep -Eq '^\$Important: 1$' "$seqs"           # a keyword is a sequence
	grep -Eq '^unseen: 1( |$)' "$seqs"            # \Seen cleared on 1
	! grep -Eq '^unseen:.* (2|6)( |$)' "$seqs" || false
	grep -qx 'Subject: imapflow append' "$W/mail/u1/inbox/6"
	! grep -q $'\r' "$W/mail/u1/inbox/6" || false # stored with LF, as MH tools expect
}

@test "imapflow: the client script fails on an answer that is not the expected one" {
	# Message 2's subject, decoded, is "Grüße aus Köln ☕"; expect another.
	/usr/bin/python3 - "$W/expect.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
e[1]["subject"] = "Grüsse aus Köln"
json.dump(e, open(sys.argv[1], "w"))
PY
	mkdir -p "$W/state"
	run timeout 60 node "$IMAPFLOW_DIR/client.mjs" "$PORT" "$W/cert.pem" "$W/expect.json" \
		"INBOX,archive,archive/2025" "$W/state"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *'imapflow: FAIL: message 2: got '*'"subject":"Grüße aus Köln ☕"'* ]]
	[ ! -e "$W/state/idling" ]
	# and on a folder list that is not the server's
	run timeout 60 node "$IMAPFLOW_DIR/client.mjs" "$PORT" "$W/cert.pem" "$W/expect.json" \
		"INBOX,archive" "$W/state"
	[ "$status" -eq 1 ]
	[[ "$output" == *'imapflow: FAIL: LIST: got ["INBOX","archive","archive/2025"]'* ]]
}
