#!/usr/bin/python3
"""bench/gen_mail.py: a large, realistic, reproducible mail folder.

    gen_mail.py [--count N] [--seed S] [--jobs J] [--maildir DIR]
                [--maildir-vsize] [--manifest FILE] MHDIR

Writes N messages (default 100000) into the MH folder MHDIR as the files
1..N (LF line ends, as MH stores them) with an .mh_sequences, and, with
--maildir, the same bytes into the Maildir DIR (DIR/cur/<time>.M0P<n>.bench,
S=<size>:2,<flags>, plus ,W=<CRLF size> with --maildir-vsize; new/ and tmp/
empty).  The same seed and count give byte-identical files, names and
mtimes, whatever --jobs is.

The messages: plain text (7bit or quoted-printable UTF-8), multipart/
alternative (text and HTML), multipart/mixed with base64 attachments
(most 1-25 KB, some 50-300 KB, about 0.3% of messages 0.5-1 MB), and
nested mixed+alternative; RFC 2047 encoded subjects and names; From, To,
often Cc, Subject, Date, Message-ID, In-Reply-To/References on replies,
two or three Received lines.  Four messages in five are 2-30 KB (the
median 13 KB); 100000 messages are 2.5 GB.  Dates increase
with the message number over about three years, and each file's mtime is
its Date (asimap's and Dovecot's internal date).

Known answers for SEARCH: the word PLANTED_WORD is in the body of exactly
round(N / 100) messages (7bit, quoted-printable, some split by a QP soft
line break, base64 text and HTML parts, some capitalised), and the
address PLANTED_FROM in the From: of exactly round(N / 100) others (some
with an RFC 2047 display name).  Flags: about 4% unseen (more among the
newest), 1% flagged, 10% replied; .mh_sequences has "unseen", "flagged"
and "replied", the Maildir names S, F and R.

--manifest FILE writes JSON with those counts and the total size.
Exit: 0 done, 100 usage, 111 a file could not be written.
"""
import argparse
import base64
import binascii
import json
import multiprocessing
import os
import random
import sys
import time

PLANTED_WORD = "zebraquartz"
PLANTED_FROM = "planted.sender@bench.example"
EPOCH0 = 1672531200  # 2023-01-01 00:00:00 UTC
SPAN_S = 3 * 365 * 86400
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
          "Nov", "Dec"]
ZONES = [0, 0, -300, -480, 60, 120, 330, 540, -240, 600]  # minutes east of UTC

FIRST = ["Alice", "Bob", "Carol", "David", "Erin", "Frank", "Grace", "Heidi",
         "Ivan", "Judy", "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil",
         "Trent", "Victor", "Walter", "Zoe", "José", "Zoë", "Søren", "Jürgen",
         "François", "Ångström", "Łukasz", "Ōta", "Сергей", "美咲"]
LAST = ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas",
        "Roberts", "Walker", "Wright", "Müller", "Nuñez", "Brontë", "Øster",
        "Dvořák", "Kowalski", "Иванов", "田中", "O'Brien", "van der Berg"]
DOMAINS = ["example.org", "example.com", "example.net", "mail.example.org",
           "lists.example.com", "corp.example", "uni.example.edu"]
WORDS = ("the of and to in is that for it as was with be by on not he this are "
         "or his from at which but have an they you were her all she there would "
         "their we him been has when who will more no if out so said what up its "
         "about into than them can only other new some could time these two may "
         "then do first any my now such like our over man me even most made after "
         "also did many before must through back years where much your way well "
         "down should because each just those people how too little state good very "
         "make world still own see men work long get here between both life being "
         "under never day same another know while last might us great old year off "
         "come since against go came right used take three meeting budget project "
         "report release server folder message schedule review draft invoice ticket "
         "deadline quarter agenda minutes proposal contract shipment backup network "
         "migration upgrade customer support question answer thanks regards please "
         "attached document version feature issue patch branch merge deploy").split()
ACCENTED = ("café naïve résumé façade déjà vu Straße Größe Ärger über schön "
            "Ålesund smørrebrød año niño señor crème brûlée coöperate Zürich "
            "München Øresund łódź žluťoučký kůň").split()
SUBJECT_WORDS = ("quarterly report meeting notes budget review release plan server "
                 "migration invoice due project update weekly sync lunch on friday "
                 "travel booking backup failed contract draft question about the patch "
                 "new feature request holiday schedule").split()
SUBJECT_ACCENTED = ["Café meeting", "Größe der Datei", "Résumé attached",
                    "Über den Termin", "Ålesund trip", "Año nuevo", "Crème brûlée",
                    "Zürich office", "日本語の件名", "Привет из Москвы"]
ATTACH = [("application/pdf", "pdf"), ("image/jpeg", "jpg"), ("image/png", "png"),
          ("application/zip", "zip"),
          ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           "docx"), ("application/octet-stream", "bin")]
MAILERS = ["Mozilla Thunderbird 115.6", "Apple Mail (2.3774)", "mutt 2.2.9",
           "Evolution 3.46", "nmh 1.8", "Microsoft Outlook 16.0"]

# Filled by setup(): shared pools, the same in every worker.
P = {}


def setup(seed):
    """Pools of text and bytes that messages are cut from (fixed per seed)."""
    r = random.Random("pools-%d" % seed)
    vocab = WORDS * 8 + ["".join(r.choice("abcdefghiklmnoprstuvwy") for _ in range(r.randint(3, 11)))
                     for _ in range(1500)]
    paras = []
    for _ in range(3000):
        sents = []
        for _ in range(r.randint(2, 9)):
            w = [r.choice(vocab) for _ in range(r.randint(5, 22))]
            sents.append(" ".join(w).capitalize() + r.choice(".....?!"))
        paras.append(wrap(" ".join(sents)))
    acc = []
    for _ in range(400):
        w = [r.choice(vocab if r.random() < 0.7 else ACCENTED) for _ in range(r.randint(20, 90))]
        acc.append(wrap(" ".join(w).capitalize() + "."))
    P["paras"] = paras
    P["accented"] = acc
    P["blob"] = r.randbytes(2 << 20)
    P["csv"] = "\n".join("%d,%s,%d.%02d" % (i, r.choice(WORDS), r.randint(0, 9999), r.randint(0, 99))
                         for i in range(20000)).encode() + b"\n"


def wrap(text, width=72):
    out, line = [], []
    n = 0
    for w in text.split(" "):
        if line and n + 1 + len(w) > width:
            out.append(" ".join(line))
            line, n = [], 0
        n += len(w) + (1 if line else 0)
        line.append(w)
    if line:
        out.append(" ".join(line))
    return "\n".join(out)


QSAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")


def q_word(raw):
    return "".join(chr(b) if b in QSAFE else "_" if b == 32 else "=%02X" % b for b in raw)


def rfc2047(text, r):
    """text as encoded words (each at most 75 characters) when it is not
    ASCII, else text as it is.  ISO-8859-1 or UTF-8, Q or B, by chance."""
    if text.isascii():
        return text
    charset = "UTF-8"
    try:
        text.encode("iso-8859-1")
        if r.random() < 0.5:
            charset = "ISO-8859-1"
    except UnicodeEncodeError:
        pass
    use_b = r.random() < 0.6
    words, chunk = [], ""

    def enc(s):
        raw = s.encode(charset)
        if use_b:
            return "=?%s?B?%s?=" % (charset, base64.b64encode(raw).decode())
        return "=?%s?Q?%s?=" % (charset, q_word(raw))

    for c in text:
        if chunk and len(enc(chunk + c)) > 75:
            words.append(enc(chunk))
            chunk = ""
        chunk += c
    words.append(enc(chunk))
    return " ".join(words)


def person(r):
    first, last = r.choice(FIRST), r.choice(LAST)
    local = "%s.%s" % (first, last)
    local = "".join(c for c in local.lower() if c.isascii() and (c.isalnum() or c == "."))
    if len(local) < 3 or local.startswith(".") or local.endswith("."):
        local = "user%d" % r.randint(1, 9999)
    return "%s %s" % (first, last), "%s@%s" % (local, r.choice(DOMAINS))


def addr(r, name, email):
    enc = rfc2047(name, r)
    if enc == name and ("'" in name or "." in name):
        enc = '"%s"' % name
    return "%s <%s>" % (enc, email)


def rfc5322_date(t, zone_min):
    lt = time.gmtime(t + zone_min * 60)
    sign = "+" if zone_min >= 0 else "-"
    z = abs(zone_min)
    return "%s, %d %s %d %02d:%02d:%02d %s%02d%02d" % (
        DAYS[lt.tm_wday], lt.tm_mday, MONTHS[lt.tm_mon - 1], lt.tm_year, lt.tm_hour,
        lt.tm_min, lt.tm_sec, sign, z // 60, z % 60)


def msgid(n, seed):
    return "<%d.%08x@bench-%d.example>" % (n, (n * 2654435761 + seed) & 0xFFFFFFFF, seed)


def text_body(r, lo, hi):
    """Plain text of roughly lo..hi bytes from the paragraph pool."""
    want = r.randint(lo, hi)
    out, n = [], 0
    paras = P["paras"]
    while n < want:
        p = paras[r.randrange(len(paras))]
        out.append(p)
        n += len(p) + 2
    return "\n\n".join(out)


def html_of(text):
    esc = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    paras = "".join("<p>%s</p>\n" % p.replace("\n", " ") for p in esc.split("\n\n"))
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n<body>\n%s"
            "</body></html>\n" % paras)


def b64(data):
    return base64.encodebytes(data).decode()


def qp(text):
    return binascii.b2a_qp(text.encode(), istext=True).decode()


def plant(text, r, how):
    """text with the planted word put in a sentence among its paragraphs."""
    word = PLANTED_WORD.capitalize() if how == "cap" else PLANTED_WORD
    parts = text.split("\n\n")
    k = r.randrange(len(parts))
    parts.insert(k, "The code word for this week is %s, keep it safe." % word)
    return "\n\n".join(parts)


def part(ctype, cte, body, extra=""):
    return "Content-Type: %s\nContent-Transfer-Encoding: %s\n%s\n%s" % (ctype, cte, extra, body)


def text_part(r, text, cte):
    if cte == "quoted-printable":
        return part("text/plain; charset=utf-8", cte, qp(text))
    if cte == "base64":
        return part("text/plain; charset=utf-8", cte, b64(text.encode()))
    return part("text/plain; charset=us-ascii" if text.isascii() else
                "text/plain; charset=utf-8", "7bit" if text.isascii() else "8bit",
                text + "\n")


def html_part(r, text, cte):
    h = html_of(text)
    if cte == "base64":
        return part("text/html; charset=utf-8", cte, b64(h.encode()))
    return part("text/html; charset=utf-8", "quoted-printable", qp(h))


def attachment(r, n, k):
    u = r.random()
    if u < 0.01:
        size = r.randint(400_000, 720_000)
    elif u < 0.06:
        size = r.randint(50_000, 300_000)
    else:
        size = r.randint(1_000, 25_000)
    if r.random() < 0.15:
        ctype, ext = "text/csv", "csv"
        csv = P["csv"]
        off = r.randrange(len(csv) - min(size, len(csv) - 1))
        data = csv[off:off + size]
    else:
        ctype, ext = ATTACH[r.randrange(len(ATTACH))]
        blob = P["blob"]
        off = r.randrange(len(blob) - size)
        data = blob[off:off + size]
    fname = "%s-%d-%d.%s" % (r.choice(["report", "scan", "photo", "invoice", "notes",
                                       "data", "Übersicht"]), n, k, ext)
    if fname.isascii():
        disp = 'attachment; filename="%s"' % fname
        ct = '%s; name="%s"' % (ctype, fname)
    else:
        enc = rfc2047(fname, r)
        disp = 'attachment; filename="%s"' % enc
        ct = '%s; name="%s"' % (ctype, enc)
    return part(ct, "base64", b64(data), "Content-Disposition: %s\n" % disp)


def multipart(subtype, boundary, parts, preamble=""):
    out = [preamble]
    for p in parts:
        out.append("--%s\n%s" % (boundary, p))
        if not p.endswith("\n"):
            out.append("\n")
    out.append("--%s--\n" % boundary)
    return ("Content-Type: multipart/%s; boundary=\"%s\"\n\n" % (subtype, boundary),
            "".join(out))


def body_of(r, n, plant_how):
    """(the Content-* header lines and the body) of message n."""
    u = r.random()
    small = (800, 9000) if r.random() < 0.8 else (9000, 25000)
    if plant_how in ("7bit", "cap"):
        kind = "plain"
    elif plant_how in ("qp", "qpsplit"):
        kind = "qp"
    elif plant_how == "b64text":
        kind = "b64text"
    elif plant_how == "html":
        kind = "alt"
    elif plant_how == "b64html":
        kind = "mixedhtml"
    elif u < 0.33:
        kind = "plain"
    elif u < 0.43:
        kind = "qp"
    elif u < 0.72:
        kind = "alt"
    elif u < 0.95:
        kind = "mixed"
    else:
        kind = "nested"
    if kind == "qp" or (kind in ("alt", "mixed") and r.random() < 0.2):
        text = "\n\n".join(P["accented"][r.randrange(len(P["accented"]))]
                           for _ in range(r.randint(3, 30)))
    else:
        text = text_body(r, *small)
    if plant_how:
        text = plant(text, r, plant_how)
    bnd = "=_bench_%d_" % n
    if kind == "plain":
        return "MIME-Version: 1.0\n" + text_part(r, text, "7bit")
    if kind == "qp":
        body = qp(text)
        if plant_how == "qpsplit":
            half = len(PLANTED_WORD) // 2
            body = body.replace(PLANTED_WORD, PLANTED_WORD[:half] + "=\n" + PLANTED_WORD[half:], 1)
        return "MIME-Version: 1.0\n" + part("text/plain; charset=utf-8", "quoted-printable", body)
    if kind == "b64text":
        return "MIME-Version: 1.0\n" + text_part(r, text, "base64")
    if kind == "alt":
        tcte = "quoted-printable" if not text.isascii() or r.random() < 0.3 else "7bit"
        hcte = "base64" if r.random() < 0.2 else "quoted-printable"
        ct, body = multipart("alternative", bnd + "a", [text_part(r, text, tcte),
                                                          html_part(r, text, hcte)])
        return "MIME-Version: 1.0\n" + ct + body
    if kind == "mixedhtml":
        parts = [html_part(r, text, "base64"), attachment(r, n, 1)]
        ct, body = multipart("mixed", bnd + "m", parts, "This is a multi-part message in MIME format.\n")
        return "MIME-Version: 1.0\n" + ct + body
    atts = [attachment(r, n, k) for k in range(1, 1 + (1 if r.random() < 0.8 else r.randint(2, 3)))]
    if kind == "mixed":
        first = text_part(r, text, "quoted-printable" if not text.isascii() else "7bit")
    else:
        ct, body = multipart("alternative", bnd + "a", [text_part(r, text, "7bit" if text.isascii() else "quoted-printable"),
                                                        html_part(r, text, "quoted-printable")])
        first = ct + body
    ct, body = multipart("mixed", bnd + "m", [first] + atts,
                         "This is a multi-part message in MIME format.\n")
    return "MIME-Version: 1.0\n" + ct + body


def message(seed, n, t, zone, flags, plant_how, from_planted, reply_to):
    """The bytes of message n (LF line ends)."""
    r = random.Random(seed * 1000003 + n)
    date = rfc5322_date(t, zone)
    if from_planted:
        name = "Planted Sender" if r.random() < 0.6 else "Plänted Sender"
        frm = addr(r, name, PLANTED_FROM)
        from_email = PLANTED_FROM
    else:
        name, from_email = person(r)
        frm = addr(r, name, from_email)
    tos = [addr(r, *person(r)) for _ in range(1 if r.random() < 0.7 else r.randint(2, 5))]
    h = []
    hop = r.randint(1, 250)
    h.append("Return-Path: <%s>" % from_email)
    h.append("Received: from mx%d.example.net (mx%d.example.net [192.0.2.%d])\n"
             "\tby mail.bench.example (Postfix) with ESMTPS id %08X\n"
             "\tfor <bench@bench.example>; %s" % (hop % 9, hop % 9, hop, r.getrandbits(32), date))
    h.append("Received: from [10.%d.%d.%d] (helo=client.example.org)\n"
             "\tby mx%d.example.net with esmtpsa (TLS1.3) tls TLS_AES_256_GCM_SHA384\n"
             "\t(Exim 4.96) id 1r%06x; %s" % (r.randint(0, 255), r.randint(0, 255),
                                               r.randint(1, 254), hop % 9, r.getrandbits(24), date))
    if r.random() < 0.3:
        h.append("Received: by localhost.localdomain (Postfix, from userid 1000)\n"
                 "\tid %08X; %s" % (r.getrandbits(32), date))
    h.append("Date: " + date)
    h.append("From: " + frm)
    h.append("To: " + ",\n\t".join(tos))
    if r.random() < 0.4:
        h.append("Cc: " + ", ".join(addr(r, *person(r)) for _ in range(r.randint(1, 3))))
    if r.random() < 0.15:
        subj = rfc2047(r.choice(SUBJECT_ACCENTED) + " " + str(n), r)
    else:
        subj = " ".join(r.choice(SUBJECT_WORDS) for _ in range(r.randint(2, 9))).capitalize()
    if reply_to:
        subj = "Re: " + subj
    h.append("Subject: " + subj)
    h.append("Message-ID: " + msgid(n, seed))
    if reply_to:
        h.append("In-Reply-To: " + msgid(reply_to, seed))
        refs = [msgid(x, seed) for x in sorted({max(1, reply_to - r.randint(0, 50)) for _ in range(r.randint(0, 4))}) if x != reply_to]
        h.append("References: " + "\n\t".join(refs + [msgid(reply_to, seed)]))
    if r.random() < 0.5:
        h.append("X-Mailer: " + r.choice(MAILERS))
    body = body_of(r, n, plant_how)
    return ("\n".join(h) + "\n" + body).encode()


def write_file(path, data, mtime):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    os.utime(path, (mtime, mtime))


def maildir_name(n, t, size, vsize, flags):
    v = ",W=%d" % vsize if vsize is not None else ""
    return "%d.M0P%d.bench,S=%d%s:2,%s" % (t, n, size, v, "".join(sorted(flags)))


PLAN = {}


def work(chunk):
    """Writes messages chunk = (lo, hi); returns (bytes, crlf bytes)."""
    p = PLAN
    total = crlf = 0
    for n in range(chunk[0], chunk[1]):
        t = p["times"][n]
        data = message(p["seed"], n, t, p["zones"][n], p["flags"][n], p["plant"].get(n),
                       n in p["from"], p["reply"].get(n))
        write_file(os.path.join(p["mh"], str(n)), data, t)
        vs = len(data) + data.count(b"\n")
        if p["maildir"]:
            name = maildir_name(n, t, len(data), vs if p["vsize"] else None, p["flags"][n])
            write_file(os.path.join(p["maildir"], "cur", name), data, t)
        total += len(data)
        crlf += vs
    return total, crlf


def seqline(name, nums):
    runs, i = [], 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        runs.append(str(nums[i]) if i == j else "%d-%d" % (nums[i], nums[j]))
        i = j + 1
    return "%s: %s\n" % (name, " ".join(runs)) if runs else ""


def plan(count, seed):
    """Everything decided across messages: dates, flags, planted sets, replies."""
    r = random.Random(seed)
    avg = max(2, SPAN_S // max(1, count))
    times, zones, t = [0] * (count + 1), [0] * (count + 1), EPOCH0
    for n in range(1, count + 1):
        t += r.randint(1, 2 * avg - 1)
        times[n] = t
        zones[n] = r.choice(ZONES)
    k = round(count / 100)
    picked = r.sample(range(1, count + 1), 2 * k) if count >= 2 * k else []
    hows = ["7bit", "qp", "b64text", "html", "cap", "qpsplit", "b64html"]
    plant = {n: hows[i % len(hows)] for i, n in enumerate(sorted(picked[:k]))}
    from_set = set(picked[k:])
    flags = [""] * (count + 1)
    for n in range(1, count + 1):
        f = ""
        recent = n > count - count // 50
        if r.random() >= (0.5 if recent else 0.03):
            f += "S"
        if r.random() < 0.01:
            f += "F"
        if r.random() < 0.10:
            f += "R"
        flags[n] = f
    reply = {}
    for n in range(2, count + 1):
        if r.random() < 0.3:
            reply[n] = max(1, n - r.randint(1, 200))
    return times, zones, flags, plant, from_set, reply


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=3501)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--maildir")
    ap.add_argument("--maildir-vsize", action="store_true")
    ap.add_argument("--manifest")
    ap.add_argument("mhdir")
    a = ap.parse_args()
    if a.count < 1 or a.jobs < 1:
        ap.error("--count and --jobs must be positive")
    t0 = time.monotonic()
    times, zones, flags, plant_at, from_set, reply = plan(a.count, a.seed)
    try:
        os.makedirs(a.mhdir, exist_ok=True)
        if a.maildir:
            for d in ("cur", "new", "tmp"):
                os.makedirs(os.path.join(a.maildir, d), exist_ok=True)
    except OSError as e:
        print("gen_mail: fatal: unable to make the folders: %s" % e, file=sys.stderr)
        return 111
    setup(a.seed)
    PLAN.update(seed=a.seed, times=times, zones=zones, flags=flags, plant=plant_at,
                reply=reply, mh=a.mhdir, maildir=a.maildir, vsize=a.maildir_vsize,
                **{"from": from_set})
    step = 500
    chunks = [(lo, min(a.count + 1, lo + step)) for lo in range(1, a.count + 1, step)]
    try:
        if a.jobs == 1:
            res = [work(c) for c in chunks]
        else:
            with multiprocessing.get_context("fork").Pool(a.jobs) as pool:
                res = pool.map(work, chunks, chunksize=1)
    except OSError as e:
        print("gen_mail: fatal: unable to write a message: %s" % e, file=sys.stderr)
        return 111
    total = sum(x[0] for x in res)
    crlf = sum(x[1] for x in res)
    seqs = {"unseen": [], "flagged": [], "replied": []}
    for n in range(1, a.count + 1):
        if "S" not in flags[n]:
            seqs["unseen"].append(n)
        if "F" in flags[n]:
            seqs["flagged"].append(n)
        if "R" in flags[n]:
            seqs["replied"].append(n)
    with open(os.path.join(a.mhdir, ".mh_sequences"), "w") as f:
        for name in ("unseen", "flagged", "replied"):
            f.write(seqline(name, seqs[name]))
    man = {
        "count": a.count, "seed": a.seed, "bytes": total, "crlf_bytes": crlf,
        "planted_word": PLANTED_WORD, "planted_word_count": len(plant_at),
        "planted_from": PLANTED_FROM, "planted_from_count": len(from_set),
        "unseen": len(seqs["unseen"]), "flagged": len(seqs["flagged"]),
        "answered": len(seqs["replied"]),
    }
    if a.manifest:
        with open(a.manifest, "w") as f:
            json.dump(man, f, indent=1, sort_keys=True)
            f.write("\n")
    print("gen_mail: %d messages, %.1f MB, in %.1f s" % (a.count, total / 1e6, time.monotonic() - t0),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
