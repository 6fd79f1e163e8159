#!/usr/bin/python3
"""bench/hash.py: the time of one successful verification per Django hasher,
in asimap's C code (hash_django_verify, through build/bench/hash_time) next
to the same hash computed by Python on the same parameters.

    bench/hash.py [--runs N] [--min-batch-ms MS] [--only NAME,...] HASH_TIME

HASH_TIME is the path of the built bench/hash_time.c.  The hashes are made by
Debian's Django (python3-django 3.2, with python3-argon2 and python3-bcrypt)
with the work factors lib/hash_make.h writes set by hand, scrypt in Django
4.2's format on hashlib.scrypt (Django 3.2 has no scrypt hasher).  Each time is the median
of N timed batches (default 5), the C and Python batches alternating; a
batch is one verification for the slow hashers and as many as fill
MIN_BATCH_MS (default 50) for the cheap ones.  "spread" is (max - min) /
median of the N batches: a large one says the machine was busy.  "C first"
is the median time of the first verification in a fresh hash_time process,
which is what a login pays: asimap-accept verifies once per process.
The Python side calls the primitive Django itself calls (hashlib.pbkdf2_hmac,
argon2.low_level.hash_secret_raw, bcrypt.checkpw, hashlib.scrypt, hashlib,
crypt.crypt) and checks that its result equals the stored hash, so both
sides are known to do the same work.

Prints a table on stdout, progress on stderr.  Exit: 0 done, 1 a password
did not verify, 100 usage or a missing package, 111 hash_time failed.
"""
import argparse
import base64
import binascii
import hashlib
import statistics
import subprocess
import sys
import time
import warnings

try:
    import argon2
    import bcrypt
    import django
    from django.conf import settings
except ImportError as e:
    print("hash.py: fatal: unable to import %s: install python3-django, python3-argon2 "
          "and python3-bcrypt" % e.name, file=sys.stderr)
    sys.exit(100)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # noqa: E402  (Django's CryptPasswordHasher uses it too)

settings.configure()
django.setup()

from django.contrib.auth import hashers as dj  # noqa: E402

PASSWORD = "correct horse battery staple"
# The work factors lib/hash_make.h writes (HASH_MAKE_*).
PBKDF2_ITERATIONS = 870000
ARGON2 = dict(time_cost=2, memory_cost=102400, parallelism=8)
BCRYPT_ROUNDS = 12
SCRYPT = dict(n=2**14, r=8, p=1)


class Argon2(dj.Argon2PasswordHasher):
    time_cost = ARGON2["time_cost"]
    memory_cost = ARGON2["memory_cost"]
    parallelism = ARGON2["parallelism"]


class BCryptSHA256(dj.BCryptSHA256PasswordHasher):
    rounds = BCRYPT_ROUNDS


class BCrypt(dj.BCryptPasswordHasher):
    rounds = BCRYPT_ROUNDS


def b64d(s):
    return base64.b64decode(s + "=" * (-len(s) % 4))


def make_pbkdf2(cls, digest):
    h = cls()
    encoded = h.encode(PASSWORD, h.salt(), PBKDF2_ITERATIONS)
    _, it, salt, want = encoded.split("$", 3)
    pw, salt, it = PASSWORD.encode(), salt.encode(), int(it)

    def py():
        return base64.b64encode(hashlib.pbkdf2_hmac(digest, pw, salt, it)).decode() == want

    return encoded, "%s, %d iterations" % (digest, it), py


def make_argon2():
    h = Argon2()
    encoded = h.encode(PASSWORD, h.salt())
    # argon2$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>
    _, variant, version, params, salt, want = encoded.split("$")
    p = dict(kv.split("=") for kv in params.split(","))
    m, t, par = int(p["m"]), int(p["t"]), int(p["p"])
    raw, salt = b64d(want), b64d(salt)
    pw, ver = PASSWORD.encode(), int(version.split("=")[1])
    kind = {"argon2id": argon2.low_level.Type.ID, "argon2i": argon2.low_level.Type.I}[variant]

    def py():
        return argon2.low_level.hash_secret_raw(
            pw, salt, time_cost=t, memory_cost=m, parallelism=par, hash_len=len(raw),
            type=kind, version=ver) == raw

    return encoded, "%s m=%d KiB t=%d p=%d" % (variant, m, t, par), py


def make_bcrypt(cls, prehash):
    h = cls()
    encoded = h.encode(PASSWORD, h.salt())
    data = encoded.split("$", 1)[1].encode()
    pw = PASSWORD.encode()

    def py():
        p = binascii.hexlify(hashlib.sha256(pw).digest()) if prehash else pw
        return bcrypt.checkpw(p, data)

    what = "sha256 hex, then " if prehash else ""
    return encoded, "%s$%s$, cost %d" % (what, data.split(b"$")[1].decode(), h.rounds), py


def make_scrypt():
    """Django 4.2's ScryptPasswordHasher.encode, on hashlib.scrypt."""
    salt = dj.BasePasswordHasher().salt()
    n, r, p = SCRYPT["n"], SCRYPT["r"], SCRYPT["p"]
    pw, sb = PASSWORD.encode(), salt.encode()
    raw = hashlib.scrypt(pw, salt=sb, n=n, r=r, p=p, maxmem=0, dklen=64)
    encoded = "scrypt$%d$%s$%d$%d$%s" % (n, salt, r, p, base64.b64encode(raw).decode())

    def py():
        return hashlib.scrypt(pw, salt=sb, n=n, r=r, p=p, maxmem=0, dklen=64) == raw

    return encoded, "N=2^%d r=%d p=%d, 64-byte key" % (n.bit_length() - 1, r, p), py


def make_digest(cls, digest, salted):
    h = cls()
    encoded = h.encode(PASSWORD, h.salt() if salted else "")
    want = encoded.rsplit("$", 1)[-1]
    salt = encoded.split("$")[1].encode() if salted else b""
    pw, new = PASSWORD.encode(), getattr(hashlib, digest)

    def py():
        return new(salt + pw).hexdigest() == want

    return encoded, "one %s%s" % (digest, " of salt + password" if salted else ""), py


def make_crypt():
    h = dj.CryptPasswordHasher()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        encoded = h.encode(PASSWORD, h.salt())
    data = encoded.split("$", 2)[2]

    def py():
        return crypt.crypt(PASSWORD, data) == data

    return encoded, "DES crypt(3), 8 bytes used", py


HASHERS = [
    ("pbkdf2_sha256", lambda: make_pbkdf2(dj.PBKDF2PasswordHasher, "sha256")),
    ("pbkdf2_sha1", lambda: make_pbkdf2(dj.PBKDF2SHA1PasswordHasher, "sha1")),
    ("argon2", make_argon2),
    ("bcrypt_sha256", lambda: make_bcrypt(BCryptSHA256, True)),
    ("bcrypt", lambda: make_bcrypt(BCrypt, False)),
    ("scrypt", make_scrypt),
    ("sha1", lambda: make_digest(dj.SHA1PasswordHasher, "sha1", True)),
    ("md5", lambda: make_digest(dj.MD5PasswordHasher, "md5", True)),
    ("unsalted_sha1", lambda: make_digest(dj.UnsaltedSHA1PasswordHasher, "sha1", False)),
    ("unsalted_md5", lambda: make_digest(dj.UnsaltedMD5PasswordHasher, "md5", False)),
    ("crypt", make_crypt),
]


def py_batch(name, fn, n):
    """Seconds taken by n calls of fn; exits when one does not verify."""
    t0 = time.perf_counter()
    for _ in range(n):
        if not fn():
            print("hash.py: fatal: unable to verify %s in Python" % name, file=sys.stderr)
            sys.exit(1)
    return time.perf_counter() - t0


def py_calibrate(name, fn, min_batch_s):
    """The batch size that takes min_batch_s, as hash_time.c finds its own."""
    n, t = 1, py_batch(name, fn, 1)
    while t < min_batch_s:
        want = int(min_batch_s / (t / n) * 1.2) + 1 if t > 0 else n * 10
        n = min(max(want, n * 2), n * 100)
        t = py_batch(name, fn, n)
    return n, t / n


class CTimer:
    """A hash_time process kept warm, timing one hash a run at a time, each
    run a batch of `batch` verifications (0: it finds a batch that lasts
    min_batch_ms, anew at each run)."""

    def __init__(self, hash_time, name, encoded, batch, min_batch_ms):
        self.line = "%s\t%s\t%s\n" % (name, PASSWORD, encoded)
        args = [hash_time, "1", str(min_batch_ms)] + ([str(batch)] if batch else [])
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)

    def run(self):
        """(seconds per verification, batch, seconds of the process's first)."""
        self.p.stdin.write(self.line)
        self.p.stdin.flush()
        out = self.p.stdout.readline()
        if not out:
            self.close()
        _, per, batch, _, first = out.split("\t")
        return float(per), int(batch), float(first)

    def close(self):
        self.p.stdin.close()
        rc = self.p.wait()
        if rc:
            sys.stderr.write(self.p.stderr.read())
            sys.exit(1 if rc == 1 else 111)
        self.p.stdout.close()
        self.p.stderr.close()


def c_once(hash_time, name, encoded, batch, min_batch_ms):
    """One run in a fresh hash_time process."""
    t = CTimer(hash_time, name, encoded, batch, min_batch_ms)
    r = t.run()
    t.close()
    return r


def time_both(hash_time, name, encoded, fn, runs, min_batch_ms):
    """Median seconds per verification in C (warm, and first in a process)
    and in Python, the batch sizes, and the spread of the warm figures
    ((max - min) / median).  The runs alternate between C and Python so
    that a change in the machine's load hits both alike."""
    pn, one = py_calibrate(name, fn, min_batch_ms / 1000)
    # A hash that fills a tenth of the minimum batch by itself is timed alone.
    cn = 1 if one * 1000 >= min_batch_ms / 10 else c_once(hash_time, name, encoded, 0,
                                                          min_batch_ms)[1]
    c = CTimer(hash_time, name, encoded, cn, min_batch_ms)
    cs, ps, firsts = [], [], []
    for r in range(runs):
        if r % 2:
            ps.append(py_batch(name, fn, pn) / pn)
        per, _, first = c.run()
        cs.append(per)
        if not r % 2:
            ps.append(py_batch(name, fn, pn) / pn)
    c.close()
    # The first verification of a process: this one's and two fresh ones'.
    firsts.append(first)
    for _ in range(2):
        firsts.append(c_once(hash_time, name, encoded, cn, min_batch_ms)[2])
    spread = [(max(x) - min(x)) / statistics.median(x) for x in (cs, ps)]
    med = statistics.median
    return med(cs), med(firsts), med(ps), cn, pn, spread


def fmt(s):
    if s >= 1e-3:
        return "%.1f ms" % (s * 1e3)
    if s >= 1e-6:
        return "%.2f us" % (s * 1e6)
    return "%.0f ns" % (s * 1e9)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--min-batch-ms", type=int, default=50)
    ap.add_argument("--only", default="")
    ap.add_argument("hash_time")
    a = ap.parse_args()
    only = set(filter(None, a.only.split(",")))
    rows = []
    for name, make in HASHERS:
        if only and name not in only:
            continue
        encoded, params, py = make()
        print("hash.py: timing %s" % name, file=sys.stderr)
        c, cf, p, cn, pn, spread = time_both(a.hash_time, name, encoded, py, a.runs,
                                             a.min_batch_ms)
        rows.append((name, params, fmt(c), fmt(p), "%.2f" % (c / p), fmt(cf),
                     "%.0f%%/%.0f%%" % (spread[0] * 100, spread[1] * 100), "%d/%d" % (cn, pn)))
    head = ("hasher", "parameters", "C verify", "Python", "C/Python", "C first", "spread C/Py",
            "batch C/Py")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    for i, r in enumerate([head, tuple("-" * w for w in widths)] + rows):
        cells = [c.ljust(w) if j < 2 else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths))]
        print("| " + " | ".join(cells) + " |")
    print()
    print("Median of %d runs each, C and Python alternating; password %d bytes; "
          "times are one successful verification." % (a.runs, len(PASSWORD)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
