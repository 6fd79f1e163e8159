#!/bin/sh
# dovecot_start.sh DIR MSGDIR: start Debian's Dovecot (imap only) in the
# background for the differential suite, serving every file of MSGDIR as
# its own one-message Maildir folder named after the file (without .eml),
# byte for byte as on disk (Maildir keeps LF or CRLF as given).  Prints
# the port on stdout once Dovecot listens on it (127.0.0.1, a free port);
# `dovecot_start.sh stop DIR` stops it.  Everything lives under DIR: a
# private dovecot.conf, the run and state directories, the log.  The user
# is "u" with password "p" (static passdb), mail owned by nobody; no TLS.
# Run as root (Dovecot's master drops to its own users); DIR's parents
# must be searchable by nobody.
#
# Exit: 0 listening, 100 usage, 111 Dovecot missing or not starting.
set -u
if [ "${1:-}" = stop ]; then
	[ -f "$2/dovecot.conf" ] || exit 0
	doveadm -c "$2/dovecot.conf" stop >/dev/null 2>&1 ||
		{ [ -f "$2/run/master.pid" ] && kill "$(cat "$2/run/master.pid")"; }
	i=0
	while [ -f "$2/run/master.pid" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	exit 0
fi
[ $# = 2 ] || { echo "usage: dovecot_start.sh DIR MSGDIR | stop DIR" >&2; exit 100; }
dir=$1 msgs=$2
command -v dovecot >/dev/null || [ -x /usr/sbin/dovecot ] ||
	{ echo "dovecot_start: fatal: dovecot is not installed" >&2; exit 111; }
PATH=$PATH:/usr/sbin
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$dir/run" "$dir/mail/cur" "$dir/mail/new" "$dir/mail/tmp"
chmod 755 "$dir"
n=0
for f in "$msgs"/*; do
	[ -f "$f" ] || continue
	name=$(basename "$f" .eml)
	n=$((n + 1))
	mkdir -p "$dir/mail/.$name/cur" "$dir/mail/.$name/new" "$dir/mail/.$name/tmp"
	cp "$f" "$dir/mail/.$name/cur/1000000000.M1P1.asimap,S=$(wc -c <"$f"):2,S"
done
chown -R nobody:nogroup "$dir/mail"
cat >"$dir/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:$dir/mail
first_valid_uid = 1
default_login_user = dovenull
default_internal_user = dovecot
passdb {
  driver = static
  args = password=p
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$dir/mail
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
CONF
mkdir -p "$dir/state"
dovecot -c "$dir/dovecot.conf" 2>>"$dir/dovecot.log" ||
	{ echo "dovecot_start: fatal: unable to start dovecot:" >&2; tail -5 "$dir/dovecot.log" >&2; exit 111; }
i=0
while ! /usr/bin/python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "dovecot_start: fatal: dovecot does not listen on $port" >&2; tail -5 "$dir/dovecot.log" >&2; exit 111; }
	sleep 0.1
done
echo "$port"
