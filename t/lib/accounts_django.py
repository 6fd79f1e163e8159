#!/usr/bin/python3
"""Real Django password hashes for the accounts tests.

    accounts_django.py make HASHER PASSWORD [--cheap]
        print make_password(PASSWORD, hasher=HASHER); --cheap uses small
        work factors (pbkdf2 1000 iterations, argon2 m=256 t=1 p=2,
        bcrypt cost 4, scrypt N=1024) so that a suite stays fast
    accounts_django.py check PASSWORD HASH
        exit 0 when Django's check_password accepts, 1 when it does not
    accounts_django.py vectors
        print the C constants of t/unit/test_hash_django.c

Runs Debian's Django (python3-django, with python3-argon2 and
python3-bcrypt) under /usr/bin/python3.  Debian 12 ships Django 3.2, which
has no scrypt hasher: ScryptPasswordHasher below is Django 4.2's, on
hashlib.scrypt.  Exit 100 when Django or a hasher library is missing.
"""
import base64
import hashlib
import sys

try:
    import django
    from django.conf import settings
except ImportError:
    print("accounts_django.py: fatal: python3-django is not installed", file=sys.stderr)
    sys.exit(100)

from django.contrib.auth.hashers import (  # noqa: E402  (after the check above)
    Argon2PasswordHasher,
    BasePasswordHasher,
    BCryptPasswordHasher,
    BCryptSHA256PasswordHasher,
    PBKDF2PasswordHasher,
    PBKDF2SHA1PasswordHasher,
)
from django.utils.crypto import constant_time_compare  # noqa: E402


class ScryptPasswordHasher(BasePasswordHasher):
    """Django 4.2's django.contrib.auth.hashers.ScryptPasswordHasher."""

    algorithm = "scrypt"
    block_size = 8
    maxmem = 0
    parallelism = 1
    work_factor = 2**14

    def encode(self, password, salt, n=None, r=None, p=None):
        assert password is not None
        assert salt and "$" not in salt
        n = n or self.work_factor
        r = r or self.block_size
        p = p or self.parallelism
        hash_ = hashlib.scrypt(
            password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=self.maxmem, dklen=64
        )
        hash_ = base64.b64encode(hash_).decode("ascii").strip()
        return "%s$%d$%s$%d$%d$%s" % (self.algorithm, n, salt, r, p, hash_)

    def decode(self, encoded):
        algorithm, work_factor, salt, block_size, parallelism, hash_ = encoded.split("$", 6)
        assert algorithm == self.algorithm
        return {
            "algorithm": algorithm,
            "work_factor": int(work_factor),
            "salt": salt,
            "block_size": int(block_size),
            "parallelism": int(parallelism),
            "hash": hash_,
        }

    def verify(self, password, encoded):
        d = self.decode(encoded)
        encoded_2 = self.encode(
            password, d["salt"], d["work_factor"], d["block_size"], d["parallelism"]
        )
        return constant_time_compare(encoded, encoded_2)

    def safe_summary(self, encoded):
        return {}

    def harden_runtime(self, password, encoded):
        pass


# Cheap variants: same algorithm names and formats, small work factors.
class CheapPBKDF2(PBKDF2PasswordHasher):
    iterations = 1000


class CheapPBKDF2SHA1(PBKDF2SHA1PasswordHasher):
    iterations = 1000


class CheapArgon2(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 256
    parallelism = 2


class CheapBCryptSHA256(BCryptSHA256PasswordHasher):
    rounds = 4


class CheapBCrypt(BCryptPasswordHasher):
    rounds = 4


class CheapScrypt(ScryptPasswordHasher):
    work_factor = 2**10


H = "django.contrib.auth.hashers."
ALL = [
    H + "PBKDF2PasswordHasher",
    H + "PBKDF2SHA1PasswordHasher",
    H + "Argon2PasswordHasher",
    H + "BCryptSHA256PasswordHasher",
    H + "BCryptPasswordHasher",
    "__main__.ScryptPasswordHasher",
    H + "SHA1PasswordHasher",
    H + "MD5PasswordHasher",
    H + "UnsaltedSHA1PasswordHasher",
    H + "UnsaltedMD5PasswordHasher",
    H + "CryptPasswordHasher",
]
CHEAP = {
    "pbkdf2_sha256": CheapPBKDF2,
    "pbkdf2_sha1": CheapPBKDF2SHA1,
    "argon2": CheapArgon2,
    "bcrypt_sha256": CheapBCryptSHA256,
    "bcrypt": CheapBCrypt,
    "scrypt": CheapScrypt,
}

settings.configure(PASSWORD_HASHERS=ALL)
django.setup()

from django.contrib.auth.hashers import check_password, make_password  # noqa: E402


def make(hasher, password, cheap=False):
    if cheap and hasher in CHEAP:
        return make_password(password, hasher=CHEAP[hasher]())
    return make_password(password, hasher=hasher)


def vectors():
    """The constants of t/unit/test_hash_django.c: NAME, hash, password."""
    pw = "correct horse"
    utf8 = "p\u00e4ssw\u00f6rd \u2603"
    out = []

    def add(name, encoded, password):
        assert check_password(password, encoded), name
        out.append((name, encoded, password))

    for hasher in CHEAP:
        add(hasher + "_cheap", make(hasher, pw, cheap=True), pw)
        add(hasher + "_utf8", make(hasher, utf8, cheap=True), utf8)
        add(hasher + "_empty", make(hasher, "", cheap=True), "")
        add(hasher + "_default", make(hasher, pw), pw)
    add("argon2i_old", Argon2iOld().encode(pw, "saltsaltsalt"), pw)
    add("bcrypt_sha256_2a", bcrypt_2a(pw), pw)
    # A bcrypt password over bcrypt's 72 bytes: only the first 72 count.
    long_pw = "x" * 80
    add("bcrypt_long", make("bcrypt", long_pw, cheap=True), long_pw)
    for hasher in ("sha1", "md5", "unsalted_sha1", "unsalted_md5", "crypt"):
        add(hasher, make(hasher, pw), pw)
        add(hasher + "_utf8", make(hasher, utf8), utf8)
    md5 = make("unsalted_md5", pw)
    add("unsalted_md5_prefixed", "md5$$" + md5, pw)
    add("crypt_old_salt", "crypt$ab$" + make("crypt", pw).split("$", 2)[2], pw)
    for name, encoded, password in out:
        cname = name.upper()
        print('#define %s "%s"' % (cname, encoded))
        print('#define %s_PW "%s"' % (cname, c_escape(password)))


class Argon2iOld(Argon2PasswordHasher):
    """An argon2i hash without "v=19", as argon2-cffi wrote before 1.3."""

    def encode(self, password, salt):
        import argon2

        data = argon2.low_level.hash_secret(
            password.encode(), salt.encode(), time_cost=2, memory_cost=512, parallelism=2,
            hash_len=16, type=argon2.low_level.Type.I, version=0x10,
        ).decode("ascii")
        return self.algorithm + data.replace("$v=16", "")


def bcrypt_2a(password):
    """A bcrypt_sha256 hash with the "$2a$" prefix of the py-bcrypt days."""
    import binascii

    import bcrypt

    digest = binascii.hexlify(hashlib.sha256(password.encode()).digest())
    salt = b"$2a$" + bcrypt.gensalt(4)[4:]
    return "bcrypt_sha256$" + bcrypt.hashpw(digest, salt).decode("ascii")


def c_escape(s):
    return "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "".join(
        "\\x%02x\"\"" % b for b in c.encode()) for c in s)


def main(argv):
    if len(argv) >= 4 and argv[1] == "make":
        print(make(argv[2], argv[3], cheap="--cheap" in argv[4:]))
        return 0
    if len(argv) == 4 and argv[1] == "check":
        return 0 if check_password(argv[2], argv[3]) else 1
    if len(argv) == 2 and argv[1] == "vectors":
        vectors()
        return 0
    print(__doc__, file=sys.stderr)
    return 100


if __name__ == "__main__":
    sys.exit(main(sys.argv))
