#!/bin/sh
# mk/run.sh: what `make run` runs after the build.  Makes (once) a demo
# store under ./run/ -- a self-signed certificate, an MH mail root and a
# password file for user demo, password demo -- then runs service/asimapd
# in the foreground on 127.0.0.1.  Ctrl-C stops it.  Nothing is written
# outside ./run/; what exists already is kept.
#
# Environment: ASIMAP_SHARED (default ../shared), BUILD (default build),
# ASIMAP_RUN_PORT (9993), ASIMAP_RUN_IMAP_PORT (9143),
# ASIMAP_RUN_POP3_PORT (9995, used when $BUILD/asimap-pop3 exists),
# ASIMAP_RUN_USER (as root: who owns run/ and runs the server; default
# the owner of an existing run/, else $SUDO_USER, else nobody).

set -eu
umask 077

PROG=run.sh
fatal() { echo "$PROG: fatal: $*" >&2; exit 100; }
warn() { echo "$PROG: warning: $*" >&2; }

ROOT=$(cd -- "$(dirname -- "$0")/.." && pwd -P)
cd -- "$ROOT"
BUILD=${BUILD:-build}
case $BUILD in /*) BINDIR=$BUILD ;; *) BINDIR=$ROOT/$BUILD ;; esac
SHARED=${ASIMAP_SHARED:-$ROOT/../shared}
PORT=${ASIMAP_RUN_PORT:-9993}
IMAP_PORT=${ASIMAP_RUN_IMAP_PORT:-9143}
POP3_PORT=${ASIMAP_RUN_POP3_PORT:-9995}
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

[ ! -L run ] || fatal "refusing to use ./run: it is a symbolic link"

# The front end refuses root-owned mail roots and the supervisor never runs
# as root, so as root the demo is served as an unprivileged user who owns
# run/, the default deployment (one service user owns everything).
run_user=
if [ "$(id -u)" = 0 ]; then
  run_user=${ASIMAP_RUN_USER:-}
  if [ -z "$run_user" ] && [ -d run ] && [ "$(stat -c %u run)" != 0 ]; then
    run_user=$(stat -c %U run)
  fi
  if [ -z "$run_user" ] && [ "${SUDO_USER:-root}" != root ]; then
    run_user=$SUDO_USER
  fi
  run_user=${run_user:-nobody}
  if ! { run_uid=$(id -u "$run_user" 2>/dev/null) &&
    run_gid=$(id -g "$run_user"); }; then
    fatal "unable to find user $run_user: set ASIMAP_RUN_USER"
  fi
  [ "$run_uid" != 0 ] ||
    fatal "bad ASIMAP_RUN_USER: $run_user: the demo is not served as root"
fi
mkdir -p run

# -- TLS -------------------------------------------------------------------------
make_tls() {
  [ -s run/tls/cert.pem ] && [ -s run/tls/key.pem ] && return 0
  mkdir -p run/tls
  rm -f run/tls/cert.pem run/tls/key.pem
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -subj /CN=localhost \
    -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
    -keyout run/tls/key.pem -out run/tls/cert.pem 2>/dev/null ||
    fatal "unable to make a certificate: openssl req failed"
  chmod 0600 run/tls/key.pem
  echo "made run/tls/cert.pem and run/tls/key.pem (self-signed, CN=localhost)"
}

# -- MH mail root -------------------------------------------------------------------
SENDERS="Alice Liddell <alice@example.org>|Bob Marley <bob@example.net>|\
Carol Danvers <carol@example.com>|Dave Bowman <dave@example.org>|\
Eve Moneypenny <eve@example.net>|Frank Poole <frank@example.com>"
TOPICS="Lunch on Thursday?|Minutes of the weekly meeting|Re: build broken again|\
Quarterly report draft|Holiday schedule|Your parcel has shipped|\
Re: the flaky test|Invitation: design review|Password policy reminder|\
Photos from the trip|Release notes for 0.1|Re: Re: coffee machine"

# pick LIST N: the Nth (0-based, modulo) '|'-separated item of LIST.
pick() {
  printf '%s\n' "$1" | tr '|' '\n' | awk -v n="$2" \
    '{ a[NR - 1] = $0 } END { print a[n % NR] }'
}

# gen_message FILE N FOLDER EPOCH: a plain-text message dated EPOCH.
gen_message() {
  from=$(pick "$SENDERS" "$2")
  subject=$(pick "$TOPICS" $(($2 * 7 + ${#3})))
  date=$(date -u -d "@$4" '+%a, %d %b %Y %H:%M:%S +0000')
  {
    echo "From: $from"
    echo "To: Demo User <demo@localhost>"
    echo "Subject: $subject"
    echo "Date: $date"
    echo "Message-ID: <$4.$2.$(echo "$3" | tr / .)@asimap.example>"
    echo "MIME-Version: 1.0"
    echo "Content-Type: text/plain; charset=us-ascii"
    echo
    echo "Hello,"
    echo
    echo "this is message $2 of the $3 folder of the asimap demo store."
    i=0
    while [ $i -lt $(($2 % 5 + 1)) ]; do
      echo "Line $i: the quick brown fox jumps over the lazy dog."
      i=$((i + 1))
    done
    echo
    echo "-- "
    echo "${from%% <*}"
  } >"$1"
  touch -d "@$4" "$1"
}

# fill_folder DIR FOLDER FIRST COUNT: messages FIRST..FIRST+COUNT-1, one
# every ~36 hours ending now.
fill_folder() {
  now=$(date +%s)
  n=$3
  while [ "$n" -lt $(($3 + $4)) ]; do
    gen_message "$1/$n" "$n" "$2" $((now - ($3 + $4 - n) * 129600 + n * 601))
    n=$((n + 1))
  done
}

# copy_corpus DIR: the corpus messages as 1, 2, ...; echoes how many.
copy_corpus() {
  n=0
  if ! [ -d "$SHARED/corpus/mime" ]; then
    warn "no $SHARED/corpus/mime (set ASIMAP_SHARED): generated messages only"
    echo 0
    return 0
  fi
  # m1.eml ... m16.eml in numeric order, then broken1.eml ...
  for f in $(cd "$SHARED/corpus/mime" && {
    printf '%s\n' m[0-9]*.eml | sort -n -k 1.2
    printf '%s\n' broken[0-9]*.eml | sort -n -k 1.7
  }); do
    [ -f "$SHARED/corpus/mime/$f" ] || continue
    n=$((n + 1))
    cat "$SHARED/corpus/mime/$f" >"$1/$n"
    d=$(sed -n '/^$/q; s/^[Dd]ate:[[:space:]]*//p' "$1/$n" | head -n 1 |
      sed 's/([^)]*)//g')
    [ -z "$d" ] || touch -d "$d" "$1/$n" 2>/dev/null || :
  done
  echo "$n"
}

make_store() {
  [ -d run/mail/demo ] && return 0
  tmp=run/mail/.demo.tmp.$$
  rm -rf "$tmp"
  mkdir -p "$tmp/inbox" "$tmp/archive" "$tmp/work/projects"
  ncorpus=$(copy_corpus "$tmp/inbox")
  fill_folder "$tmp/inbox" inbox $((ncorpus + 1)) $((40 - ncorpus))
  fill_folder "$tmp/archive" archive 1 10
  fill_folder "$tmp/work/projects" work/projects 1 5
  # The newest messages are unread, plus a few corpus ones.
  echo "unseen: 3 5-6 33-40" >"$tmp/inbox/.mh_sequences"
  echo "unseen: 9-10" >"$tmp/archive/.mh_sequences"
  echo "unseen: 2 5" >"$tmp/work/projects/.mh_sequences"
  mv "$tmp" run/mail/demo
  echo "made run/mail/demo: inbox (40 messages), archive (10), work/projects (5)"
}

# -- password file ------------------------------------------------------------------
make_passwd() {
  [ -s run/passwd ] && return 0
  hash=$("$PYTHON" -c '
import base64, hashlib, secrets, string
alphabet = string.ascii_letters + string.digits
salt = "".join(secrets.choice(alphabet) for _ in range(22))
iterations = 870000
dk = hashlib.pbkdf2_hmac("sha256", b"demo", salt.encode(), iterations)
print("pbkdf2_sha256$%d$%s$%s" % (iterations, salt, base64.b64encode(dk).decode()))
') || fatal "unable to hash the demo password: python3 failed"
  printf '# user:django_hash:maildir (relative to this file)\ndemo:%s:mail/demo\n' \
    "$hash" >run/passwd.tmp
  mv run/passwd.tmp run/passwd
  echo "made run/passwd: user demo, password demo"
}

make_tls
make_store
make_passwd
mkdir -p run/rundir
chmod 0700 run/rundir
printf 'Path: %s/run/mail/demo\n' "$ROOT" >run/mh_profile

as_user=
if [ -n "$run_user" ]; then
  chown -R "$run_uid:$run_gid" run
  as_user=" (as $run_user)"
  # Everything the server touches must be reachable by that user.
  # shellcheck disable=SC2016 # $1 is expanded by the inner sh
  if [ -x "$BINDIR/asimap-accept" ] && ! setpriv --reuid="$run_uid" \
    --regid="$run_gid" --init-groups sh -c 'test -x "$1/asimap-accept" &&
      test -r service/asimapd && test -w run/rundir' sh "$BINDIR"; then
    fatal "unable to serve the demo as $run_user: $ROOT is not reachable by that user (run make run as a normal user, or set ASIMAP_RUN_USER)"
  fi
fi

set -- --address 127.0.0.1 --port "$PORT" --imap-port "$IMAP_PORT" \
  --cert run/tls/cert.pem --key run/tls/key.pem --pwfile run/passwd \
  --rundir run/rundir --bindir "$BINDIR"
pop3_line=
if [ -x "$BINDIR/asimap-pop3" ]; then
  set -- "$@" --enable-pop3 --pop3-port "$POP3_PORT"
  pop3_line="
  POP3 over TLS:    openssl s_client -quiet -connect 127.0.0.1:$POP3_PORT
                    then: USER demo / PASS demo / STAT / QUIT"
fi

cat <<EOF

asimap demo: user demo, password demo, mail in run/mail/demo (MH).

  IMAP over TLS:    openssl s_client -quiet -connect 127.0.0.1:$PORT
                    then: a LOGIN demo demo / b SELECT INBOX / c LOGOUT
  STARTTLS:         openssl s_client -quiet -starttls imap -connect 127.0.0.1:$IMAP_PORT
  python3:          python3 -c 'import imaplib,ssl; m=imaplib.IMAP4_SSL("127.0.0.1",$PORT,ssl_context=ssl.create_default_context(cafile="$ROOT/run/tls/cert.pem")); m.login("demo","demo"); print(m.select("INBOX")); m.logout()'
  mutt:             mutt -f imaps://demo@127.0.0.1:$PORT/
                    (self-signed certificate: accept it once, or set ssl_verify_host=no)$pop3_line
  nmh, same mail:   MH=$ROOT/run/mh_profile scan +inbox$as_user

Remove run/ to start from a fresh store.  Ctrl-C stops the server$as_user.

EOF

if [ -n "$run_user" ]; then
  exec setpriv --reuid="$run_uid" --regid="$run_gid" --init-groups \
    service/asimapd "$@"
fi
exec service/asimapd "$@"
