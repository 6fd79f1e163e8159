# Shared set-up for the bats suites: a throw-away world with two users,
# their MH mail roots, a password file with real Django hashes, a
# certificate, and super-servers on free loopback ports.
ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
BIN=${ASIMAP_BIN:-$ROOT/build}
CORPUS=${ASIMAP_CORPUS:-$ROOT/../shared/corpus/mime}
IMAPC="/usr/bin/python3 $ROOT/t/lib/imapc.py"

# The service user: nobody when the suite runs as root (virtual users
# under an unprivileged service account), else whoever runs it.
if [ "$(id -u)" = 0 ]; then
	SVC_UID=$(id -u nobody)
	SVC_GID=$(id -g nobody)
else
	SVC_UID=$(id -u)
	SVC_GID=$(id -g)
fi

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# django_hash PASSWORD [ITERATIONS]: a Django pbkdf2_sha256 hash.
django_hash() {
	/usr/bin/python3 - "$1" "${2:-1000}" <<'PY'
import base64, hashlib, secrets, string, sys
pw, it = sys.argv[1].encode(), int(sys.argv[2])
salt = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(22))
dk = hashlib.pbkdf2_hmac("sha256", pw, salt.encode(), it)
print("pbkdf2_sha256$%d$%s$%s" % (it, salt, base64.b64encode(dk).decode()))
PY
}

# make_folder DIR N: N messages from the corpus (and generated ones) as 1..N.
make_folder() {
	local dir=$1 n=$2 i=1 f
	mkdir -p "$dir"
	for f in "$CORPUS"/*.eml; do
		[ $i -le "$n" ] || break
		cp "$f" "$dir/$i"
		i=$((i + 1))
	done
	while [ $i -le "$n" ]; do
		printf 'From: Sender %d <s%d@example.org>\nTo: u1@example.org\nSubject: message %d\nDate: Mon, 2 Nov 2026 10:%02d:00 +0000\nMessage-ID: <%d@example.org>\n\nBody of message %d.\n' \
			$i $i $i $((i % 60)) $i $i >"$dir/$i"
		i=$((i + 1))
	done
}

setup_world() {
	W=$(mktemp -d /tmp/asimap-test.XXXXXX)
	chmod 755 "$W"
	mkdir -p "$W/mail/u1" "$W/mail/u2" "$W/rundir"
	make_folder "$W/mail/u1/inbox" 12
	make_folder "$W/mail/u1/archive" 3
	make_folder "$W/mail/u1/archive/2025" 2
	echo "unseen: 2-4 9" >"$W/mail/u1/inbox/.mh_sequences"
	echo "flagged: 1" >>"$W/mail/u1/inbox/.mh_sequences"
	make_folder "$W/mail/u2/inbox" 2
	printf 'Subject: secret of u2\n\nu2 only\n' >"$W/mail/u2/inbox/3"
	{
		echo "# test accounts"
		echo "u1:$(django_hash pw1):mail/u1"
		echo "u2:$(django_hash pw2):mail/u2"
		echo "nomail:$(django_hash pw3):mail/missing"
		echo "locked:!unusable:mail/u1"
	} >"$W/passwd"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=localhost -keyout "$W/key.pem" -out "$W/cert.pem" 2>/dev/null
	chmod 600 "$W/key.pem" "$W/passwd"
	chown -R "$SVC_UID:$SVC_GID" "$W"
	export PWFILE=$W/passwd SSL_CERT=$W/cert.pem SSL_KEY=$W/key.pem ASIMAP_RUNDIR=$W/rundir
	export ASIMAP_AUTH_FAIL_DELAY_MS=0
	SERVER_PIDS=""
}

# wait_port PORT: until something accepts on it.
wait_port() {
	local i
	for i in $(seq 1 100); do
		/usr/bin/python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$1),1)" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# start_tcpserver [--root] [asimap-accept options]: sets PORT.
start_tcpserver() {
	local drop="-u $SVC_UID -g $SVC_GID"
	if [ "${1:-}" = --root ]; then
		drop=""
		shift
	fi
	PORT=$(free_port)
	tcpserver $drop -c 200 -HRl0 127.0.0.1 "$PORT" "$BIN/asimap-accept" "$@" 2>>"$W/server.log" &
	SERVER_PIDS="$SERVER_PIDS $!"
	wait_port "$PORT"
}

# start_socket_activate [asimap-accept options]: systemd's per-connection mode.
start_socket_activate() {
	PORT=$(free_port)
	setpriv --reuid="$SVC_UID" --regid="$SVC_GID" --clear-groups \
		systemd-socket-activate -l "127.0.0.1:$PORT" -a --inetd \
		-E PWFILE -E SSL_CERT -E SSL_KEY -E ASIMAP_RUNDIR -E ASIMAP_AUTH_FAIL_DELAY_MS \
		-E ASIMAP_USER_IDLE \
		"$BIN/asimap-accept" "$@" 2>>"$W/server.log" &
	SERVER_PIDS="$SERVER_PIDS $!"
	wait_port "$PORT"
}

# supervisors: pids of the asimap-user processes of this world.
supervisors() {
	pgrep -f "asimap-user [^ ]+ $W/" || true
}

teardown_world() {
	local p
	for p in $SERVER_PIDS; do
		kill "$p" 2>/dev/null || true
	done
	for p in $(supervisors); do
		kill "$p" 2>/dev/null || true
	done
	# A supervisor that does not stop on TERM must not outlive the test.
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		[ -n "$(supervisors)" ] || break
		sleep 0.05
	done
	for p in $(supervisors); do
		kill -KILL "$p" 2>/dev/null || true
	done
	if [ -n "${W:-}" ] && [ -d "$W" ]; then
		[ -z "${BATS_TEST_COMPLETED:-}" ] && [ -s "$W/server.log" ] && sed 's/^/# log: /' "$W/server.log" >&3 || true
		rm -rf "$W"
	fi
}

# imap [--tls|--starttls] PORT <<< script
imap() {
	$IMAPC "$@"
}

# mbsync_config PATTERNS SYNC-LINES: $W/mbsyncrc for user u1 over implicit
# TLS on $PORT into the Maildir $W/maildir (made), channel "c" with those
# Patterns, then the Sync, Create and Expunge lines given (one a line).
# The certificate is for CN=localhost; mbsync checks the host name even
# for a certificate it was given (isync 1.4's SSLType/CertificateFile;
# 1.5 spells it TLSType, and takes either).
mbsync_config() {
	local tlskw=SSLType
	mbsync --version | grep -Eq '^isync 1\.[0-4]\.' || tlskw=TLSType
	mkdir -p "$W/maildir"
	cat >"$W/mbsyncrc" <<EOC
IMAPAccount asimap
Host localhost
Port $PORT
User u1
Pass pw1
$tlskw IMAPS
CertificateFile $W/cert.pem

IMAPStore far
Account asimap

MaildirStore near
Path $W/maildir/
Inbox $W/maildir/INBOX
SubFolders Verbatim

Channel c
Far :far:
Near :near:
Patterns $1
$2
SyncState *
EOC
}
