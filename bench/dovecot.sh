#!/bin/sh
# bench/dovecot.sh: Debian's Dovecot (imap only, no TLS) on a private
# configuration, for the mail benchmark to compare asimap with.
#
#	sh bench/dovecot.sh setup DIR MAILDIR USER PASSWORD
#		writes DIR/dovecot.conf: one user USER (static password
#		PASSWORD) whose INBOX is the Maildir MAILDIR (its other
#		folders Maildir++ beside it: MAILDIR/.name), mail owned by
#		nobody, listening on a free 127.0.0.1 port; prints the port
#	sh bench/dovecot.sh start DIR	starts it; returns once it listens
#	sh bench/dovecot.sh stop DIR	stops it; returns once it is gone
#	sh bench/dovecot.sh pid DIR	prints the master's pid
#
# Everything but the mail lives under DIR (configuration, run and state
# directories, the log dovecot.log).  Dovecot keeps its indexes in the
# Maildir (dovecot.index*, dovecot-uidlist, dovecot.list.index*).  Run as
# root: the master drops to Dovecot's own users, the imap processes to
# nobody.  DIR's and MAILDIR's parents must be searchable by nobody.
#
# Exit: 0 done, 100 usage, 111 Dovecot missing or not starting.
set -eu
PATH=$PATH:/usr/sbin
PY=/usr/bin/python3

fatal() {
	echo "bench/dovecot.sh: fatal: $*" >&2
	exit 111
}

conf_port() {
	sed -n 's/^    port = \([0-9][0-9]*\)$/\1/p' "$1/dovecot.conf" | head -1
}

listening() {
	$PY -c "import socket; socket.create_connection(('127.0.0.1', $1), 1)" 2>/dev/null
}

cmd=${1:-}
case $cmd in
setup)
	[ $# = 5 ] || { echo "usage: dovecot.sh setup DIR MAILDIR USER PASSWORD" >&2; exit 100; }
	dir=$2 maildir=$3 user=$4 pw=$5
	command -v dovecot >/dev/null || fatal "dovecot is not installed (apt-get install dovecot-imapd)"
	mkdir -p "$dir/run" "$dir/state"
	chmod 755 "$dir"
	port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	cat >"$dir/dovecot.conf" <<CONF
# The mail benchmark's Dovecot: bench/dovecot.sh wrote this.
protocols = imap
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:$maildir
first_valid_uid = 1
default_login_user = dovenull
default_internal_user = dovecot
passdb {
  driver = static
  args = password=$pw
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$maildir
}
protocol imap {
  # The mixed workload runs 20 sessions of one user from one address.
  mail_max_userip_connections = 1000
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
	: "$user"
	echo "$port"
	;;
start)
	[ $# = 2 ] || { echo "usage: dovecot.sh start DIR" >&2; exit 100; }
	dir=$2
	port=$(conf_port "$dir")
	[ -n "$port" ] || fatal "no port in $dir/dovecot.conf: run setup first"
	dovecot -c "$dir/dovecot.conf" 2>>"$dir/dovecot.log" ||
		{ tail -5 "$dir/dovecot.log" >&2; fatal "unable to start dovecot"; }
	i=0
	until listening "$port"; do
		i=$((i + 1))
		[ $i -lt 100 ] || { tail -5 "$dir/dovecot.log" >&2; fatal "dovecot does not listen on $port"; }
		sleep 0.1
	done
	;;
stop)
	[ $# = 2 ] || { echo "usage: dovecot.sh stop DIR" >&2; exit 100; }
	dir=$2
	[ -f "$dir/dovecot.conf" ] || exit 0
	[ -f "$dir/run/master.pid" ] || exit 0
	pid=$(cat "$dir/run/master.pid")
	# TERM to the master (what doveadm stop does, without its second of sleep).
	kill "$pid" 2>/dev/null || true
	i=0
	# Gone, or a zombie that init has not reaped yet.
	while kill -0 "$pid" 2>/dev/null &&
		[ "$(sed 's/.*) \(.\).*/\1/' "/proc/$pid/stat" 2>/dev/null)" != Z ]; do
		i=$((i + 1))
		if [ $i -ge 100 ]; then
			kill -KILL "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.05
	done
	rm -f "$dir/run/master.pid"
	;;
pid)
	cat "$2/run/master.pid"
	;;
*)
	echo "usage: dovecot.sh setup DIR MAILDIR USER PASSWORD | start DIR | stop DIR | pid DIR" >&2
	exit 100
	;;
esac
