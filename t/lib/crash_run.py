#!/usr/bin/python3
"""crash_run: SIGKILL the user's supervisor in the middle of writes, many times.

usage: crash_run.py ROUNDS [SECONDS]     (environment: W, PORT, SVC_UID, SVC_GID)

Makes two folders of u1 (inbox, crash) of messages that each carry a unique
X-Test-Id header (a few of some hundred KB), then runs ROUNDS rounds (or
stops starting new ones after SECONDS).  A round: a client selects a folder
and sends one of APPEND (of a new message of a few hundred KB), STORE, COPY,
MOVE or EXPUNGE (after a STORE \\Deleted it waited for); after a random
0-50 ms (in a quarter of the rounds 50-250 ms, so that some operations
answer first) the supervisor gets SIGKILL; the client reads what came before the
connection closed.  Then the round is checked against a model of the
folders (UID -> test id and flags, per folder), taken from the previous
round's check:

- every numbered file is a whole message: its bytes equal a body this run
  wrote (never half a message);
- `mark -list` works on each folder, without a word on stderr, and an nmh
  write (mark -add / -delete) works;
- a new supervisor SELECTs each folder (UIDVALIDITY unchanged) and
  FETCH 1:* shows exactly the files on disk;
- what changed is what the operation allows: nothing but its own
  messages; an interrupted APPEND/COPY/MOVE happened or not for each
  message (a MOVEd message is in exactly one of the two folders), an
  interrupted EXPUNGE removed only \\Deleted messages, an interrupted STORE
  set its flags on all its messages or on none; a tagged OK means it all
  happened;
- a new message has a UID above every UID the folder had, and the flags its
  operation gave it (a message whose flags were not yet written has none);
- every UID the client was told (APPENDUID, COPYUID) names the message it
  was told for (UID FETCH BODY.PEEK[HEADER.FIELDS (X-TEST-ID)]) until an
  operation of this run removed it; no UID ever names another message.

Prints one line per round and notes (e.g. copies whose flags were lost to
the crash); exit 1 with FAIL: on the first violation.
"""
import collections
import os
import random
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nmh_imap import Conn, Fail, check, flags_of, mh  # noqa: E402

W = os.environ["W"]
PORT = os.environ["PORT"]
ROOTDIR = W + "/mail/u1"
FOLDERS = ["inbox", "crash"]
IMAPNAME = {"inbox": "INBOX", "crash": "crash"}
UID_, GID_ = int(os.environ["SVC_UID"]), int(os.environ["SVC_GID"])

known = {}        # test id -> file bytes (LF)
serial = [0]
notes = collections.Counter()


def log(*a):
    print(*a, flush=True)


# --- messages ------------------------------------------------------------

def new_message(rng, big):
    serial[0] += 1
    tid = "t%04d" % serial[0]
    lines = [
        "From: Crash Test <crash@example.org>",
        "To: u1@example.org",
        "Subject: crash test message %s" % tid,
        "Date: Mon, 2 Nov 2026 10:%02d:00 +0000" % (serial[0] % 60),
        "Message-ID: <%s@crash.example.org>" % tid,
        "X-Test-Id: %s" % tid,
        "",
    ]
    size = rng.randint(150_000, 400_000) if big else rng.randint(100, 2000)
    body, n = [], 0
    while n < size:
        line = "%s %06d %s" % (tid, n, "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(60)))
        body.append(line)
        n += len(line) + 1
    data = ("\n".join(lines + body) + "\n").encode()
    known[tid] = data
    return tid, data


def test_id(data):
    m = re.search(rb"^X-Test-Id: (\S+)\r?$", data.split(b"\n\n", 1)[0], re.M)
    return m.group(1).decode() if m else None


def make_folders(rng):
    for f, n in (("inbox", 12), ("crash", 4)):
        d = os.path.join(ROOTDIR, f)
        os.makedirs(d, exist_ok=True)
        for name in os.listdir(d):
            p = os.path.join(d, name)
            if os.path.isfile(p):
                os.unlink(p)
        for i in range(1, n + 1):
            tid, data = new_message(rng, big=(i % 4 == 0))
            with open(os.path.join(d, str(i)), "wb") as fh:
                fh.write(data)
            os.chown(os.path.join(d, str(i)), UID_, GID_)
        with open(os.path.join(d, ".mh_sequences"), "w") as fh:
            fh.write("unseen: 2-3\nflagged: 1\n")
        os.chown(os.path.join(d, ".mh_sequences"), UID_, GID_)
        os.chown(d, UID_, GID_)


# --- the supervisor ------------------------------------------------------

def supervisors():
    p = subprocess.run(["pgrep", "-f", "asimap-user [^ ]+ %s/" % W], capture_output=True, text=True)
    return [int(x) for x in p.stdout.split()]


def kill_supervisors():
    pids = supervisors()
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.time() + 5
    # pgrep loses a dying process (its cmdline) before it has closed its
    # files: wait until each is a zombie or gone, so its socket is closed
    # and the next login starts a new supervisor instead of failing.
    while supervisors() or any(alive(p) for p in pids):
        if time.time() > deadline:
            raise Fail("the supervisor %r did not die of SIGKILL within 5 s" % pids)
        time.sleep(0.01)
    return pids


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rpartition(")")[2].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


# --- observing -----------------------------------------------------------

def on_disk():
    """{folder: {num: test id}}; every numbered file is a whole known message."""
    out = {}
    for f in FOLDERS:
        d = os.path.join(ROOTDIR, f)
        out[f] = {}
        for name in os.listdir(d):
            if not name.isdigit():
                if not name.startswith((".mh_sequences", ".asimap")) and not name.startswith(","):
                    notes["stray file %s" % name] += 1
                continue
            data = open(os.path.join(d, name), "rb").read()
            tid = test_id(data)
            check(tid in known, "%s/%s is not a message this run wrote (%d bytes, X-Test-Id %r)"
                  % (f, name, len(data), tid))
            check(data == known[tid], "%s/%s is %d bytes, not the %d bytes of %s (half a message?)"
                  % (f, name, len(data), len(known[tid]), tid))
            out[f][int(name)] = tid
    return out


def nmh_ok(f):
    """nmh reads and writes the folder's sequences (it refuses an empty folder)."""
    if not [n for n in os.listdir(os.path.join(ROOTDIR, f)) if n.isdigit()]:
        return
    mh("mark", "+" + f, "-list")  # raises on a non-zero status or stderr
    mh("mark", "+" + f, "first", "-sequence", "nmhprobe", "-add", "-nozero")
    mh("mark", "+" + f, "first", "-sequence", "nmhprobe", "-delete")


def observe(c):
    """{folder: (uidvalidity, {uid: (tid, flags)})} through IMAP."""
    out = {}
    for f in FOLDERS:
        c.select(IMAPNAME[f])
        check(c.uidvalidity, "no UIDVALIDITY for %s" % f)
        msgs = {}
        if c.exists:
            r = c.fetch("1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (X-TEST-ID)])")
            check(len(r) == c.exists, "%s: FETCH 1:* answered %d of %d" % (f, len(r), c.exists))
            for seq, v in r.items():
                tid = test_id(v["BODY[HEADER.FIELDS (X-TEST-ID)]"].replace(b"\r\n", b"\n") + b"\n")
                msgs[int(v["UID"])] = (tid, frozenset(flags_of(v["FLAGS"])))
        out[f] = (c.uidvalidity, msgs)
    return out


# --- the model -----------------------------------------------------------

class Model:
    def __init__(self):
        self.state = {}       # folder -> {uid: (tid, flags)}
        self.validity = {}
        self.maxuid = collections.Counter()
        self.gone = set()     # (folder, uid) removed by an operation
        self.told = {}        # (folder, uid) -> tid, from APPENDUID / COPYUID
        self.last = None      # the previous round's operation

    def adopt(self, obs):
        for f, (v, msgs) in obs.items():
            self.validity[f] = v
            self.state[f] = dict(msgs)
            if msgs:
                self.maxuid[f] = max(self.maxuid[f], max(msgs))


def seq_of(model_f, uid):
    return sorted(model_f).index(uid) + 1


def parse_uidset(s):
    out = []
    for part in s.split(","):
        a, _, b = part.partition(":")
        a, b = int(a), int(b or a)
        out += list(range(a, b + 1)) if a <= b else list(range(a, b - 1, -1))
    return out


def judge(model, op, obs, disk):
    """Check obs against model and op; raise Fail."""
    what = op["desc"]
    for f in FOLDERS:
        v, msgs = obs[f]
        check(v == model.validity[f], "%s: UIDVALIDITY %d became %d after %s" % (f, model.validity[f], v, what))
        ids_disk = collections.Counter(disk[f].values())
        ids_imap = collections.Counter(t for t, _ in msgs.values())
        check(ids_disk == ids_imap, "%s: the files hold %r but IMAP shows %r" % (f, ids_disk, ids_imap))
        for u in msgs:
            check((f, u) not in model.gone, "%s: UID %d came back after it was removed" % (f, u))
    kind, ok = op["kind"], op["ok"]
    for f in FOLDERS:
        prev, now = model.state[f], obs[f][1]
        removed = sorted(set(prev) - set(now))
        added = sorted(set(now) - set(prev))
        common = set(prev) & set(now)
        for u in common:
            check(prev[u][0] == now[u][0], "%s: UID %d was %s, now names %s" % (f, u, prev[u][0], now[u][0]))
        for u in added:
            check(u > model.maxuid[f], "%s: new UID %d is not above the folder's highest UID %d"
                  % (f, u, model.maxuid[f]))
        # flags of messages the operation did not touch stay as they were
        touched = set(op.get("S", ())) if kind == "STORE" and f == op["F"] else set()
        for u in common - touched:
            check(prev[u][1] == now[u][1], "%s: UID %d (%s) had FLAGS %s, now %s after %s"
                  % (f, u, now[u][0], sorted(prev[u][1]), sorted(now[u][1]), what))
        if touched:
            newf = {u: prev[u][1] | op["flags"] for u in touched}
            done = [u for u in touched if now[u][1] == newf[u] and newf[u] != prev[u][1]]
            undone = [u for u in touched if now[u][1] == prev[u][1] and newf[u] != prev[u][1]]
            for u in touched:
                check(now[u][1] in (prev[u][1], newf[u]), "%s: UID %d: FLAGS %s, neither %s nor %s after %s"
                      % (f, u, sorted(now[u][1]), sorted(prev[u][1]), sorted(newf[u]), what))
            check(not (done and undone), "%s: %s done on UIDs %r only, not on %r (one .mh_sequences write)"
                  % (f, what, done, undone))
            check(not ok or not undone, "%s: %s answered OK but UIDs %r lack the flags" % (f, what, undone))
        # removals
        if kind == "EXPUNGE" and f == op["F"]:
            allowed = set(op["D"])
            check(set(removed) <= allowed, "%s: EXPUNGE removed UIDs %r, only %r were \\Deleted"
                  % (f, removed, sorted(allowed)))
            check(not ok or set(removed) == allowed, "%s: EXPUNGE answered OK but UIDs %r remain"
                  % (f, sorted(allowed - set(removed))))
        elif kind == "MOVE" and f == op["F"]:
            check(set(removed) <= set(op["S"]), "%s: MOVE of %r removed %r" % (f, op["S"], removed))
            check(not ok or set(removed) == set(op["S"]), "%s: MOVE answered OK but %r remain"
                  % (f, sorted(set(op["S"]) - set(removed))))
        else:
            check(not removed, "%s: UIDs %r (%s) vanished after %s"
                  % (f, removed, [prev[u][0] for u in removed], what))
        # additions
        if kind == "APPEND" and f == op["F"]:
            check(len(added) <= 1, "%s: one APPEND added UIDs %r" % (f, added))
            for u in added:
                check(now[u][0] == op["tid"], "%s: APPEND of %s added %s" % (f, op["tid"], now[u][0]))
                if now[u][1] != op["flags"]:
                    check(not ok and now[u][1] == frozenset({"\\Seen"}),
                          "%s: the APPENDed UID %d has FLAGS %s, APPEND gave %s%s"
                          % (f, u, sorted(now[u][1]), sorted(op["flags"]), "" if ok else " (or none)"))
                    notes["APPEND interrupted before its flags were written"] += 1
            check(not ok or len(added) == 1, "%s: APPEND answered OK but added nothing" % f)
        elif kind in ("COPY", "MOVE") and f == op["G"]:
            src = model.state[op["F"]]
            if kind == "COPY":
                pool = collections.Counter(src[u][0] for u in op["S"])
                check(not ok or len(added) == len(op["S"]), "%s: COPY answered OK but added %r" % (f, added))
            else:
                gone_from = set(model.state[op["F"]]) - set(obs[op["F"]][1])
                pool = collections.Counter(src[u][0] for u in gone_from)
                check(collections.Counter(now[u][0] for u in added) == pool,
                      "MOVE %s -> %s: %s left the source but %s arrived"
                      % (op["F"], f, sorted(pool.elements()), sorted(now[u][0] for u in added)))
            got = collections.Counter(now[u][0] for u in added)
            if 0 < len(added) < len(op["S"]):
                notes["%s of %d messages interrupted with %d of them done" % (kind, len(op["S"]), len(added))] += 1
            check(not (got - pool), "%s: %s added %r, more than %r" % (f, what, dict(got), dict(pool)))
            srcflags = {}
            for u in op["S"]:
                srcflags.setdefault(src[u][0], set()).add(src[u][1])
            for u in added:
                if now[u][1] not in srcflags[now[u][0]]:
                    check(not ok and now[u][1] == frozenset({"\\Seen"}),
                          "%s: UID %d, a copy of %s, has FLAGS %s, the original %s"
                          % (f, u, now[u][0], sorted(now[u][1]), [sorted(x) for x in srcflags[now[u][0]]]))
                    notes["%s interrupted before the flags of a copy were written" % kind] += 1
        else:
            check(not added, "%s: UIDs %r (%s) appeared after %s" % (f, added, [now[u][0] for u in added], what))
        for u in removed:
            model.gone.add((f, u))
    # what the client was told
    for (f, u), tid in op["told"].items():
        now = obs[f][1]
        check(u in now and now[u][0] == tid, "%s: told UID %d for %s, but UID %d is %s after %s"
              % (f, u, tid, u, now[u][0] if u in now else "missing", what))
        model.told[(f, u)] = tid


def check_told(c, model):
    """UID FETCH of every UID the client was ever told."""
    for f in FOLDERS:
        uids = sorted(u for (g, u) in model.told if g == f)
        if not uids:
            continue
        c.select(IMAPNAME[f])
        r = c.fetch(",".join(map(str, uids)), "(BODY.PEEK[HEADER.FIELDS (X-TEST-ID)])", uid=True)
        seen = {}
        for v in r.values():
            tid = test_id(v["BODY[HEADER.FIELDS (X-TEST-ID)]"].replace(b"\r\n", b"\n") + b"\n")
            seen[int(v["UID"])] = tid
        for u in uids:
            if u in seen:
                check(seen[u] == model.told[(f, u)], "%s: told UID %d for %s, UID FETCH gives %s"
                      % (f, u, model.told[(f, u)], seen[u]))
            else:
                check((f, u) in model.gone, "%s: told UID %d for %s is gone, and no operation removed it"
                      % (f, u, model.told[(f, u)]))


# --- one round -----------------------------------------------------------

STORE_FLAGS = ["\\Flagged", "\\Answered", "kw1", "kw2", "$Label3", "\\Draft"]
APPEND_FLAGS = [(), ("\\Seen",), ("\\Flagged", "kw1"), ("\\Seen", "\\Answered")]


def plan(rng, model):
    sizes = {f: len(model.state[f]) for f in FOLDERS}
    kinds = ["APPEND", "STORE", "COPY", "MOVE", "EXPUNGE"]
    weights = [3, 2, 3, 3, 3]
    if sum(sizes.values()) > 45:
        weights = [1, 1, 1, 3, 6]
    kind = rng.choices(kinds, weights)[0]
    F = rng.choice(FOLDERS)
    last = model.last
    if last and last["kind"] in ("EXPUNGE", "MOVE") and not last["ok"] and rng.random() < 0.5:
        # give out the numbers an interrupted removal may have left in the
        # sequences: add to that folder
        kind = rng.choice(["APPEND", "COPY", "MOVE"])
        F = last["F"] if kind == "APPEND" else [f for f in FOLDERS if f != last["F"]][0]
    if kind != "APPEND" and not model.state[F]:
        F = max(FOLDERS, key=lambda f: sizes[f])
        if not model.state[F]:
            kind = "APPEND"
    G = [f for f in FOLDERS if f != F][0]
    op = {"kind": kind, "F": F, "G": G, "told": {}, "ok": False}
    uids = sorted(model.state[F])
    if kind == "APPEND":
        op["tid"], op["data"] = new_message(rng, big=True)
        op["flags"] = frozenset(rng.choice(APPEND_FLAGS))
        op["desc"] = "APPEND %s %s (%d bytes)" % (F, op["tid"], len(op["data"]))
    elif kind in ("STORE", "COPY", "MOVE", "EXPUNGE"):
        k = min(len(uids), rng.randint(1, 3))
        if kind in ("EXPUNGE", "MOVE") and rng.random() < 0.6:
            S = uids[-k:]  # the highest: their numbers are given out again
        else:
            S = sorted(rng.sample(uids, k))
        op["S"] = S
        if kind == "STORE":
            op["flags"] = frozenset(rng.sample(STORE_FLAGS, rng.randint(1, 2)))
            op["desc"] = "UID STORE %s %s +FLAGS (%s)" % (F, ",".join(map(str, S)), " ".join(sorted(op["flags"])))
        elif kind == "EXPUNGE":
            op["desc"] = "EXPUNGE %s of UIDs %s" % (F, ",".join(map(str, S)))
        else:
            op["desc"] = "UID %s %s %s -> %s" % (kind, ",".join(map(str, S)), F, G)
    return op


def run_round(rng, model, op):
    c = Conn(PORT, timeout=10, name="op")
    c.login()
    c.select(IMAPNAME[op["F"]])
    if op["kind"] == "EXPUNGE":
        # an interrupted EXPUNGE may have left some \\Deleted: they go too
        already = [u for u, (_, fl) in model.state[op["F"]].items() if "\\Deleted" in fl]
        c.cmd("UID STORE %s +FLAGS.SILENT (\\Deleted)" % ",".join(map(str, op["S"])))
        for u in op["S"]:
            t, fl = model.state[op["F"]][u]
            model.state[op["F"]][u] = (t, fl | {"\\Deleted"})
        op["D"] = sorted(set(op["S"]) | set(already))
    pids = supervisors()
    check(len(pids) == 1, "supervisors before the kill: %r" % pids)
    kind, S = op["kind"], ",".join(map(str, op.get("S", ())))
    if kind == "APPEND":
        data = op["data"].replace(b"\n", b"\r\n")
        t = c.start("APPEND %s (%s)" % (IMAPNAME[op["F"]], " ".join(sorted(op["flags"]))), literal=data)
    elif kind == "STORE":
        t = c.start("UID STORE %s +FLAGS (%s)" % (S, " ".join(sorted(op["flags"]))))
    elif kind == "EXPUNGE":
        t = c.start("EXPUNGE")
    else:
        t = c.start("UID %s %s %s" % (kind, S, IMAPNAME[op["G"]]))
    # mostly in the middle of the work; a quarter later, after the answer
    delay = rng.uniform(0, 0.050) if rng.random() < 0.75 else rng.uniform(0.050, 0.250)
    time.sleep(delay)
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.time() + 5
    while supervisors():
        check(time.time() < deadline, "the supervisor did not die of SIGKILL within 5 s")
        time.sleep(0.01)
    lines = []
    try:
        while True:
            lines.append(c.read(timeout=3))
    except EOFError:
        pass
    c.close()
    for r in lines:
        m = re.search(rb"\[(APPENDUID|COPYUID) (\d+) ([\d:,]+)(?: ([\d:,]+))?\]", r.line)
        if m:
            check(int(m.group(2)) == model.validity[op["F"] if kind == "APPEND" else op["G"]],
                  "%s answered UIDVALIDITY %s" % (op["desc"], m.group(2).decode()))
            if m.group(1) == b"APPENDUID":
                op["told"][(op["F"], int(m.group(3)))] = op["tid"]
            else:
                src, dst = parse_uidset(m.group(3).decode()), parse_uidset(m.group(4).decode())
                check(len(src) == len(dst) and set(src) <= set(op["S"]), "%s: %s" % (op["desc"], r.text))
                for a, b in zip(src, dst):
                    op["told"][(op["G"], b)] = model.state[op["F"]][a][0]
        if r.line.startswith((t + " ").encode()):
            check(r.line.startswith((t + " OK").encode()), "%s answered %s" % (op["desc"], r.text))
            op["ok"] = True
    return delay


def main():
    rounds = int(sys.argv[1])
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    seed = int(os.environ.get("CRASH_SEED") or time.time())
    log("seed %d (CRASH_SEED=%d repeats this run)" % (seed, seed))
    rng = random.Random(seed)
    make_folders(rng)
    model = Model()
    c = Conn(PORT, name="check")
    c.login()
    model.adopt(observe(c))
    c.close()
    start = time.time()
    results = collections.Counter()
    for i in range(1, rounds + 1):
        if time.time() - start > limit:
            log("stopping after %d rounds: %.0f s" % (i - 1, limit))
            break
        op = plan(rng, model)
        delay = run_round(rng, model, op)
        for f in FOLDERS:
            nmh_ok(f)
        c = Conn(PORT, name="check")
        c.login()
        obs = observe(c)
        # after the new supervisor opened the folders: an interrupted COPY
        # left copies on disk that opening a folder undoes (mh_journal)
        disk = on_disk()
        judge(model, op, obs, disk)
        check_told(c, model)
        c.close()
        model.adopt(obs)
        model.last = op
        results["%s %s" % (op["kind"], "OK" if op["ok"] else "cut")] += 1
        log("round %2d: %-60s killed after %4.1f ms: %s; inbox %d, crash %d"
            % (i, op["desc"][:60], delay * 1000, "OK" if op["ok"] else "no answer",
               len(model.state["inbox"]), len(model.state["crash"])))
    log("outcomes: %s" % dict(sorted(results.items())))
    for k, v in sorted(notes.items()):
        log("note: %s (%d times)" % (k, v))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (Fail, EOFError) as e:
        print("FAIL: %s" % e, flush=True)
        sys.exit(1)
