#!/usr/bin/env bats
# asimapd composes the programs under a real super-server, with the
# original asimapd's options and variables; make run serves a demo store.
load lib/common

setup() { setup_world; unset PWFILE SSL_CERT SSL_KEY ASIMAP_RUNDIR; }
teardown() {
	[ -n "${DPID:-}" ] && kill -TERM "$DPID" 2>/dev/null
	[ -n "${DPID:-}" ] && wait "$DPID" 2>/dev/null
	teardown_world
}

asimapd() {
	"$ROOT/service/asimapd" --bindir "$BIN" "$@"
}

# start_asimapd ARGS...: in the background as the service user.
start_asimapd() {
	setpriv --reuid="$SVC_UID" --regid="$SVC_GID" --clear-groups \
		"$ROOT/service/asimapd" --bindir "$BIN" "$@" 2>>"$W/server.log" &
	DPID=$!
}

@test "--version and --help" {
	run asimapd --version
	[ "$status" -eq 0 ]
	[ "$output" = "asimapd $(cat "$ROOT/VERSION")" ]
	run asimapd --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--imap-port"* && "$output" == *"--max-connections"* ]]
}

@test "configuration errors exit 100 with a fatal message" {
	run asimapd --cert "$W/nope.pem" --key "$W/key.pem" --pwfile "$W/passwd" --port 1
	[ "$status" -eq 100 ]
	[[ "$output" == "asimapd: fatal: "* ]]
	run asimapd --cert "$W/cert.pem" --key "$W/key.pem" --pwfile "$W/passwd" --port 99999
	[ "$status" -eq 100 ]
	run asimapd --no-such-option
	[ "$status" -eq 100 ]
}

@test "serves implicit TLS and STARTTLS; an option wins over its variable" {
	local tls=$(free_port) plain=$(free_port)
	# PORT names a port nobody listens on: --port must win.
	PORT=1 SSL_CERT=$W/cert.pem SSL_KEY=$W/key.pem PWFILE=$W/nope \
		start_asimapd --address 127.0.0.1 --port "$tls" --imap-port "$plain" \
		--pwfile "$W/passwd" --rundir "$W/rundir"
	wait_port "$tls"
	wait_port "$plain"
	run /usr/bin/python3 "$ROOT/t/lib/fetch_compare.py" tls "$tls" u1 pw1 login "$W/mail/u1/inbox"
	[ "$status" -eq 0 ]
	[[ "$output" == *"checked 12 messages"* ]]
	run /usr/bin/python3 "$ROOT/t/lib/fetch_compare.py" starttls "$plain" u1 pw1 plain "$W/mail/u1/inbox"
	[ "$status" -eq 0 ]
	[[ "$output" == *"checked 12 messages"* ]]
	grep -q "listening on 127.0.0.1:$tls" "$W/server.log"
}

@test "--trace writes the post-login protocol as JSON lines" {
	local tls=$(free_port)
	start_asimapd --address 127.0.0.1 --port "$tls" --cert "$W/cert.pem" --key "$W/key.pem" \
		--pwfile "$W/passwd" --rundir "$W/rundir" --trace --trace-dir "$W/traces"
	wait_port "$tls"
	run imap --tls "$tls" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
!wait b
c LOGOUT
!read
S
	[ "$status" -eq 0 ]
	/usr/bin/python3 - "$W/traces/u1.trace" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
types = [l["msg_type"] for l in lines]
assert types[0] == "CONNECT" and types[-1] == "CLOSE", types
assert any(l["msg_type"] == "RECEIVED" and l["data"] == "b SELECT INBOX" for l in lines)
assert any(l["msg_type"] == "SEND" and "b OK" in l["data"] for l in lines)
assert all(set(l) >= {"connection", "remote", "msg_type", "data", "trace_time",
                      "trace_delta_time", "protocol"} for l in lines)
assert not any("pw1" in l["data"] for l in lines), "a password reached the trace"
PY
}

@test "make run's script builds a demo store and serves it" {
	[ "$(id -u)" = 0 ] || skip "make run's user switch needs root here"
	local tls=$(free_port) plain=$(free_port) pop=$(free_port) repo=$W/repo
	# A copy of the repository, so the test's run/ is its own.
	mkdir -p "$repo"
	cp -r "$ROOT/mk" "$ROOT/service" "$ROOT/VERSION" "$repo/"
	mkdir -p "$repo/build" && cp "$BIN"/asimap-* "$repo/build/"
	chown -R "$SVC_UID:$SVC_GID" "$repo"
	(cd "$repo" && ASIMAP_SHARED=$ROOT/../shared ASIMAP_RUN_USER=nobody \
		ASIMAP_RUN_PORT=$tls ASIMAP_RUN_IMAP_PORT=$plain ASIMAP_RUN_POP3_PORT=$pop \
		exec sh mk/run.sh >"$W/run.out" 2>>"$W/server.log") &
	DPID=$!
	wait_port "$tls"
	wait_port "$plain"
	grep -q "openssl s_client" "$W/run.out"
	run /usr/bin/python3 "$ROOT/t/lib/fetch_compare.py" tls "$tls" demo demo login "$repo/run/mail/demo/inbox"
	[ "$status" -eq 0 ]
	[[ "$output" == *"checked "* ]]
	n=$(ls "$repo/run/mail/demo/inbox" | grep -c '^[0-9]*$')
	[ "$n" -ge 30 ]
	[[ "$output" == *"archive"* && "$output" == *"work/projects"* ]]
}
