#!/usr/bin/python3
"""bench/logins.py: IMAP logins per second over implicit TLS.

    bench/logins.py --port PORT --users U1,U2,... --password PW
                    [--workers 1,2] [--same-user] [--seconds S] [--count C]

For each worker count N, N client processes each run, until S seconds
have passed (default 10) or C cycles are done (default no limit):
connect to 127.0.0.1:PORT, TLS handshake (a full one: no session
resumption), read the greeting, LOGIN, LOGOUT, close.  Worker i logs in as
user i (so the per-user serialisation of password checks does not stand
in the way); with --same-user one more row runs the largest N all as the
first user.  Each user logs in once before the clock starts, so the start
of its supervisor is not timed.

Prints a table: logins/s (cycles done / wall time), the p50 and p95 of a
whole cycle and the p50 of LOGIN alone (sent to tagged OK: the password
check and the hand-off to the user's supervisor).  Exit: 0 done, 1 some
cycles failed (counted in the table), 100 usage.
"""
import argparse
import multiprocessing
import socket
import ssl
import statistics
import sys
import time

IO_TIMEOUT_S = 30.0


def read_tagged(sock, buf, tag):
    """Reads until the tagged response of tag; returns its status word."""
    want = tag.encode() + b" "
    while True:
        while b"\r\n" in buf:
            line, _, rest = bytes(buf).partition(b"\r\n")
            del buf[: len(line) + 2]
            if tag == "*" and line.startswith(b"* "):
                return line.split(b" ")[1].decode()
            if line.startswith(want):
                return line.split(b" ")[1].decode()
        d = sock.recv(65536)
        if not d:
            raise ConnectionError("closed by the server before %s" % tag)
        buf.extend(d)


def cycle(ctx, port, user, password):
    """One connect+TLS+LOGIN+LOGOUT: (seconds in all, seconds of LOGIN)."""
    t0 = time.monotonic()
    raw = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT_S)
    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
        buf = bytearray()
        if read_tagged(s, buf, "*") != "OK":
            raise ConnectionError("no OK greeting")
        t1 = time.monotonic()
        s.sendall(b"a1 LOGIN %s %s\r\n" % (user.encode(), password.encode()))
        if read_tagged(s, buf, "a1") != "OK":
            raise ConnectionError("LOGIN refused")
        t2 = time.monotonic()
        s.sendall(b"a2 LOGOUT\r\n")
        if read_tagged(s, buf, "a2") != "OK":
            raise ConnectionError("LOGOUT refused")
    return time.monotonic() - t0, t2 - t1


def client_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def worker(args):
    port, user, password, start, deadline, count = args
    ctx = client_context()
    done, errors = [], []
    while time.monotonic() < start:
        time.sleep(0.001)
    while time.monotonic() < deadline and (not count or len(done) < count):
        try:
            done.append(cycle(ctx, port, user, password))
        except (OSError, ConnectionError) as e:
            errors.append(str(e))
    return done, errors, time.monotonic()


def run(port, users, password, seconds, count):
    """Runs len(users) workers at once; returns a table row and the errors."""
    n = len(users)
    start = time.monotonic() + 0.5
    jobs = [(port, u, password, start, start + seconds, count) for u in users]
    with multiprocessing.get_context("fork").Pool(n) as pool:
        results = pool.map(worker, jobs)
    cycles = [c for r in results for c in r[0]]
    errors = [e for r in results for e in r[1]]
    wall = max(r[2] for r in results) - start
    total = sorted(c[0] for c in cycles)
    login = [c[1] for c in cycles]

    def pct(xs, q):
        return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")

    label = "%d" % n if len(set(users)) == n else "%d, one user" % n
    return (label, "%d" % len(cycles), "%.1f" % wall, "%.2f" % (len(cycles) / wall),
            "%.0f" % (pct(total, 0.5) * 1e3), "%.0f" % (pct(total, 0.95) * 1e3),
            "%.0f" % (statistics.median(login) * 1e3 if login else float("nan")),
            "%d" % len(errors)), errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--users", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--same-user", action="store_true")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--count", type=int, default=0)
    a = ap.parse_args()
    users = a.users.split(",")
    counts = [int(x) for x in a.workers.split(",")]
    if max(counts) > len(users):
        print("logins.py: fatal: %d workers want %d users" % (max(counts), max(counts)),
              file=sys.stderr)
        return 100
    ctx = client_context()
    for u in users[: max(counts)]:
        cycle(ctx, a.port, u, a.password)  # warm-up: starts the supervisor
    plans = [users[:n] for n in counts]
    if a.same_user:
        plans.append([users[0]] * max(counts))
    rows, failed = [], 0
    for plan in plans:
        print("logins.py: %d worker(s) for %.0f s" % (len(plan), a.seconds), file=sys.stderr)
        row, errors = run(a.port, plan, a.password, a.seconds, a.count)
        rows.append(row)
        failed += len(errors)
        for e in sorted(set(errors)):
            print("logins.py: warning: %s (%d times)" % (e, errors.count(e)), file=sys.stderr)
    head = ("workers", "logins", "seconds", "logins/s", "p50 ms", "p95 ms", "LOGIN p50 ms",
            "failed")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    for r in [head, tuple("-" * w for w in widths)] + rows:
        cells = [c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths))]
        print("| " + " | ".join(cells) + " |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
