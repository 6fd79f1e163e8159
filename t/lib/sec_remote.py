#!/usr/bin/python3
"""sec_remote: asimap-accept for a client that is not on loopback.

usage: sec_remote.py ASIMAP-ACCEPT REMOTEIP USER PASS

Starts ASIMAP-ACCEPT as a super-server would, on fds 0 and 1 (one end of
a socketpair) with TCPREMOTEIP=REMOTEIP (the environment it was given,
PWFILE, SSL_CERT, SSL_KEY and ASIMAP_RUNDIR included), and checks:
  greeting   advertises LOGINDISABLED and STARTTLS, not AUTH=PLAIN
  login      LOGIN in plaintext gets NO [PRIVACYREQUIRED]
  plain      AUTHENTICATE PLAIN in plaintext gets NO [PRIVACYREQUIRED]
  inject     "X1 CAPABILITY" sent in the same write as STARTTLS is never
             answered (plaintext must not cross into the TLS session)
  tls-caps   after STARTTLS, CAPABILITY offers AUTH=PLAIN
  tls-login  LOGIN then works and SELECT INBOX is answered
Prints "ok WHAT" / "bad WHAT: ..." lines; exit status 0 when all are ok.
"""
import os
import socket
import ssl
import subprocess
import sys
import time

from sup_client import failures, report



def reader(sock):
    buf = bytearray()

    def until(pred, timeout=10.0):
        deadline = time.time() + timeout
        sock.settimeout(0.2)
        while not pred(bytes(buf)) and time.time() < deadline:
            try:
                d = sock.recv(65536)
            except (socket.timeout, ssl.SSLWantReadError):
                continue
            if not d:
                break
            buf.extend(d)
        return bytes(buf)

    return buf, until


def main():
    prog, ip, user, pw = sys.argv[1:5]
    ours, theirs = socket.socketpair()
    env = dict(os.environ, TCPREMOTEIP=ip, TCPREMOTEPORT="40000", TCPLOCALIP="192.0.2.10",
               TCPLOCALPORT="143", PROTO="TCP")
    p = subprocess.Popen([prog], stdin=theirs, stdout=theirs, env=env)
    theirs.close()
    buf, until = reader(ours)
    g = until(lambda b: b"\r\n" in b)
    greet = g.split(b"\r\n")[0]
    report("greeting", None if b"LOGINDISABLED" in greet and b"STARTTLS" in greet
           and b"AUTH=PLAIN" not in greet else repr(greet))
    ours.sendall(b"a LOGIN %s %s\r\n" % (user.encode(), pw.encode()))
    out = until(lambda b: b"\r\na " in b)
    report("login", None if b"\r\na NO [PRIVACYREQUIRED]" in out else repr(out[-200:]))
    import base64
    ir = base64.b64encode(b"\0" + user.encode() + b"\0" + pw.encode())
    ours.sendall(b"b AUTHENTICATE PLAIN " + ir + b"\r\n")
    out = until(lambda b: b"\r\nb " in b)
    report("plain", None if b"\r\nb NO [PRIVACYREQUIRED]" in out else repr(out[-200:]))
    # STARTTLS with a command smuggled behind it in the same segment.
    ours.sendall(b"S0 STARTTLS\r\nX1 CAPABILITY\r\n")
    out = until(lambda b: b"\r\nS0 " in b)
    if b"\r\nS0 OK" not in out:
        report("starttls", repr(out[-200:]))
        p.kill()
        return 1
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ours.settimeout(10)
    t = ctx.wrap_socket(ours)
    tbuf, tuntil = reader(t)
    t.sendall(b"c CAPABILITY\r\n")
    out = tuntil(lambda b: b"\r\nc " in b"\r\n" + b)
    report("inject", None if b"X1" not in out else repr(out[:300]))
    caps = [l for l in out.split(b"\r\n") if l.startswith(b"* CAPABILITY")]
    report("tls-caps", None if caps and b"AUTH=PLAIN" in caps[0] and b"LOGINDISABLED" not in caps[0]
           else repr(out[:300]))
    t.sendall(b"d LOGIN %s %s\r\ne SELECT INBOX\r\n" % (user.encode(), pw.encode()))
    out = tuntil(lambda b: b"\r\ne " in b)
    report("tls-login", None if b"\r\nd OK" in b"\r\n" + out and b"\r\ne OK" in out
           else repr(out[-300:]))
    t.sendall(b"f LOGOUT\r\n")
    tuntil(lambda b: b"\r\nf " in b)
    report("inject", None if b"X1" not in bytes(tbuf) else "answered inside TLS")
    t.close()
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        report("exit", "asimap-accept still running 10 s after LOGOUT")
    return 1 if failures() else 0


if __name__ == "__main__":
    sys.exit(main())
