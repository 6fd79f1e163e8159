#!/usr/bin/python3
"""search_diff_gen: the messages of the differential SEARCH suite
(t/search_diff.bats), the same in an MH folder and in a Maildir folder.

usage: search_diff_gen.py CORPUS MH_FOLDER MAILDIR_FOLDER [COUNT]

Writes every CORPUS/*.eml (sorted by name) and then COUNT (default 300)
generated messages, numbered 1, 2, ... in that order:
  - MH_FOLDER/N, and MH_FOLDER/.mh_sequences with the flags (unseen,
    replied, flagged, Deleted, Draft) and the keywords (sequences
    "project" and "$Forwarded");
  - MAILDIR_FOLDER/cur/<T+N>.M<N>P1.asimap,S=<size>:2,<flags>, with
    MAILDIR_FOLDER/dovecot-keywords naming the keyword letters a and b,
    so that Dovecot gives message N the UID N (it numbers new files in
    the order of their names' times);
both with the same bytes and the same mtime (the internal date).  Prints
"messages N" at the end.

Everything is a function of a fixed seed: the same messages every run.
The generated messages vary what SEARCH depends on: From/To/Cc/Bcc with
RFC 2047 display names in several charsets, groups and comments; subjects
plain, encoded (B and Q, adjacent words, words in ISO-2022-JP), folded,
raw 8-bit; Date: fields in many zones and forms, obsolete and broken
ones, or none; bodies in 7bit, 8bit, quoted-printable (with soft line
breaks inside words) and base64, in UTF-8, ISO-8859-1/2/7/15, KOI8-R,
windows-1251/1252, Shift_JIS, ISO-2022-JP, GB2312, Big5 and EUC-KR;
multipart/alternative, multipart/mixed with binary attachments, attached
message/rfc822; sizes from a few hundred bytes to ~150 KB; a few files
with CRLF line ends; internal dates clustered on some days (around local
midnight too) and spread over two years.
"""
import base64
import os
import quopri
import random
import sys

SEED = 20261129
MTIME_NAME_BASE = 1500000000  # Maildir file name times: only their order matters

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike "
         "november oscar papa quebec romeo sierra tango uniform victor whiskey xray "
         "yankee zulu").split()

# Sentences and the charsets they can be written in.
SENTENCES = [
    ("Grüße aus München, naïve Bücher über Äpfel", ["utf-8", "iso-8859-1", "iso-8859-15"]),
    ("Prix spécial : 20 € net, déjà payé", ["utf-8", "iso-8859-15"]),
    ("Zażółć gęślą jaźń", ["utf-8", "iso-8859-2"]),
    ("Привет, как дела? Съешь же ещё этих мягких булок", ["utf-8", "koi8-r", "windows-1251"]),
    ("Καλημέρα κόσμε, ΤΕΛΟΣ", ["utf-8", "iso-8859-7"]),
    ("こんにちは世界、日本語のテキスト", ["utf-8", "shift_jis", "iso-2022-jp"]),
    ("中文邮件测试", ["utf-8", "gb2312"]),
    ("繁體中文郵件", ["utf-8", "big5"]),
    ("안녕하세요 세계", ["utf-8", "euc-kr"]),
    ("Smart “quotes” – and dashes", ["utf-8", "windows-1252"]),
    ("Ελένη και Δημήτρης 🙂 emoji", ["utf-8"]),
    ("Tiếng Việt có dấu ở Thành phố Hồ Chí Minh", ["utf-8"]),
    ("Հայերեն գրություն", ["utf-8"]),
    ("ＦＵＬＬＷＩＤＴＨ ｌｅｔｔｅｒｓ", ["utf-8"]),
    ("Științe și tehnologie în România", ["utf-8", "iso-8859-16"]),
    # windows-1252 bytes (0x93, 0x94) labelled ISO-8859-1, as mailers do
    ("Smart “mislabelled” quotes", ["iso-8859-1*"]),
]

PEOPLE = [
    # (display name or None, address, charset for an encoded word or None, Q or B)
    ("Alice Example", "alice@example.org", None, None),
    ("Bob Builder", "bob@builder.example", None, None),
    ("Jörg Müller", "joerg@example.de", "iso-8859-1", "Q"),
    ("Дмитрий Петров", "dmitry@example.ru", "koi8-r", "B"),
    ("Ελένη Παππά", "eleni@example.gr", "iso-8859-7", "B"),
    ("山田太郎", "yamada@example.jp", "iso-2022-jp", "B"),
    ("Zoë Ångström", "zoe@example.se", "utf-8", "Q"),
    (None, "carol@example.net", None, None),
    ("Dave, the admin", "dave@example.com", None, None),  # needs quotes
    ("Łukasz Żak", "lukasz@example.pl", "iso-8859-2", "Q"),
    ("Frank O'Neil", "frank@example.ie", None, None),
    ("王小明", "wang@example.cn", "gb2312", "B"),
]

ZONES = ["+0000", "-0500", "-0400", "+0100", "+0200", "+0530", "+0900", "-0800", "+1300",
         "-1100", "-0000"]
DAYNAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def u8(s):
    """UTF-8 bytes of s, as a str of code points < 256 (messages are built
    that way, then written as Latin-1: byte for byte)."""
    return s.encode("utf-8").decode("latin-1")


def encode(text, charset):
    """text in charset; "iso-8859-1*" is windows-1252 labelled ISO-8859-1."""
    return text.encode("windows-1252" if charset == "iso-8859-1*" else charset)


def label(charset):
    return charset.rstrip("*")


def encoded_word(text, charset, enc):
    raw = encode(text, charset)
    if enc == "B":
        return "=?%s?B?%s?=" % (label(charset), base64.b64encode(raw).decode())
    out = ""
    for b in raw:
        c = chr(b)
        if c == " ":
            out += "_"
        elif c.isalnum() and b < 128:
            out += c
        else:
            out += "=%02X" % b
    return "=?%s?Q?%s?=" % (label(charset), out)


def address(person):
    name, addr, cs, enc = person
    if name is None:
        return addr
    if cs:
        return "%s <%s>" % (encoded_word(name, cs, enc), addr)
    if "," in name or "'" in name:
        return '"%s" <%s>' % (name, addr)
    return "%s <%s>" % (name, addr)


def days_from_civil(y, m, d):
    yy = y - (m <= 2)
    era = (yy if yy >= 0 else yy - 399) // 400
    yoe = yy - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def date_field(r, i):
    """A Date: line (or None): mostly RFC 5322, some obsolete or broken forms."""
    y = r.choice([2019, 2021, 2023, 2024, 2025, 2026, 2026])
    mo = r.randrange(1, 13)
    d = r.randrange(1, 29)
    if i % 50 == 7:
        d, mo, y = 15, 3, 2026  # a day SENTON finds
    hh, mm, ss = r.randrange(24), r.randrange(60), r.randrange(60)
    if i % 50 == 8:
        hh = 23  # late in the day in a western zone: the next day in UTC
    wd = DAYNAMES[(days_from_civil(y, mo, d) + 3) % 7]
    zone = r.choice(ZONES)
    if i % 50 == 8:
        zone = "-0800"
    form = i % 23
    if form == 3:
        return None
    if form == 5:
        return "%d %s %d %02d:%02d %s" % (d, MONTHS[mo - 1], y, hh, mm, zone)  # no day, no secs
    if form == 9:
        return "%s, %d %s %02d %02d:%02d:%02d EST" % (wd, d, MONTHS[mo - 1], y % 100, hh, mm, ss)
    if form == 11:
        return "%s, %02d %s %d %02d:%02d:%02d GMT" % (wd, d, MONTHS[mo - 1], y, hh, mm, ss)
    if form == 13:
        return "%s,  %d  %s  %d  %02d:%02d:%02d  %s (comment)" % (wd, d, MONTHS[mo - 1], y, hh, mm,
                                                              ss, zone)
    if form == 17:
        return "not a date at all"
    return "%s, %d %s %d %02d:%02d:%02d %s" % (wd, d, MONTHS[mo - 1], y, hh, mm, ss, zone)


def subject(r, i):
    w = " ".join(r.sample(WORDS, 3))
    form = i % 11
    if form == 1:
        text, cs = r.choice(SENTENCES)
        c = r.choice(cs)
        return "%s %s" % (w, encoded_word(text, c, "B" if i % 2 else "Q"))
    if form == 3:
        # two adjacent encoded words: the space between them is not text
        return "=?utf-8?Q?Caf=C3=A9?= =?UTF-8?q?_cr=C3=A8me?= %s" % w
    if form == 4:
        return "Re: Fwd: %s quarterly\n report for %s" % (w, WORDS[i % len(WORDS)])
    if form == 6:
        return u8("%s Grüße raw 8-bit" % w)  # raw UTF-8 in the header
    if form == 7:
        return '%s "quoted" \\ backslash' % w
    if form == 8:
        return "%s %s" % (w.upper(), encoded_word("Ünïcödé Straße", "utf-8", "B"))
    if form == 10 and i % 3 == 0:
        # a character split across two encoded words (RFC 2047 section 5
        # forbids it; mailers do it)
        raw = "Umlaut: Ö".encode("utf-8")
        a, b = raw[:-1], raw[-1:]
        return "%s =?utf-8?B?%s?= =?utf-8?B?%s?=" % (w, base64.b64encode(a).decode(),
                                                    base64.b64encode(b).decode())
    return "%s message %d" % (w, i)


def qp(raw):
    return quopri.encodestring(raw).decode("ascii")


def b64(raw):
    s = base64.b64encode(raw).decode()
    return "\n".join(s[k:k + 76] for k in range(0, len(s), 76)) + "\n"


def paragraph(r, n):
    return "\n".join(" ".join(r.choice(WORDS) for _ in range(10)) for _ in range(n)) + "\n"


def leaf(r, i):
    """(headers, body) of a single text part."""
    kind = i % 9
    text, css = SENTENCES[i % len(SENTENCES)]
    cs = css[(i // 9) % len(css)]
    words = paragraph(r, 3)
    if kind == 0:
        return ("Content-Type: text/plain; charset=us-ascii\n",
                words + "plain seven bit text\n")
    if kind == 1:
        return ("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n",
                words + u8("utf8 body: Grüße, " + text + "\n"))
    if kind == 2:
        # a soft line break inside the word "quokkaprint"
        body = qp(encode(text + "\n" + words, cs)) + "start quok=\nkaprint end=\n\n"
        return ("Content-Type: text/plain; charset=%s\nContent-Transfer-Encoding: "
                "quoted-printable\n" % label(cs), body)
    if kind == 3:
        raw = encode(words + "zebracrossing hidden in base64\n" + text + "\n", cs)
        return ("Content-Type: text/plain; charset=\"%s\"\nContent-Transfer-Encoding: base64\n"
                % label(cs), b64(raw))
    if kind == 4:
        html = "<html><body><p>%s</p><b>BoldWord</b> %s</body></html>\n" % (text, words)
        return ("Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: "
                "quoted-printable\n", qp(html.encode("utf-8")))
    if kind == 5:
        raw = encode(text + "\n8bit in its own charset\n", cs)
        return ("Content-Type: text/plain; charset=%s\nContent-Transfer-Encoding: 8bit\n"
                % label(cs),
                words + raw.decode("latin-1"))
    if kind == 6:
        # no Content-Type at all: text/plain; us-ascii
        return ("", words + "no content type here\n")
    if kind == 7:
        return ("Content-Type: TEXT/PLAIN; CHARSET=ISO-8859-1\nContent-Transfer-Encoding: "
                "Quoted-Printable\n",
                qp(("Caf\xe9 cr\xe8me br\xfbl\xe9e, " + words).encode("latin-1")))
    return ("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n",
            b64(("base64 utf-8: " + text + " kiwifruit\n" + words).encode("utf-8")))


def body(r, i):
    """(headers, body) of the whole message body."""
    shape = i % 13
    h, b = leaf(r, i)
    if shape in (0, 1, 2, 3, 5, 7, 9, 11):
        if shape == 11:
            b += paragraph(r, r.randrange(400, 2400))  # large messages
        return "MIME-Version: 1.0\n" + h, b
    bd = "=_bd_%d_%d" % (i, r.randrange(10 ** 6))
    mh = "MIME-Version: 1.0\n"
    if shape in (4, 10):
        h2, b2 = leaf(r, i + 4 if i % 9 != 4 else i + 1)
        return (mh + "Content-Type: multipart/alternative; boundary=\"%s\"\n" % bd,
                "This is a multi-part message in MIME format.\n--%s\n%s\n%s--%s\n%s\n%s--%s--\n"
                % (bd, h, b, bd, h2, b2, bd))
    if shape in (6, 12):
        blob = ("attachmentsecret " * 3 + "binary stuff").encode() + bytes(range(256))
        # shape 12: the boundary unquoted although "=" is a tspecial (RFC
        # 2045 5.1 wants it quoted); readers take it leniently
        ct = "boundary=%s" % bd if shape == 12 else "boundary=\"%s\"" % bd
        return (mh + "Content-Type: multipart/mixed; %s\n" % ct,
                "--%s\n%s\n%s--%s\nContent-Type: application/octet-stream; name=\"x.bin\"\n"
                "Content-Disposition: attachment; filename=\"x.bin\"\n"
                "Content-Transfer-Encoding: base64\n\n%s--%s--\n"
                % (bd, h, b, bd, b64(blob), bd))
    # shape 8: an attached message
    inner = ("From: Inner Sender <inner@example.net>\nTo: someone@example.org\n"
             "Subject: inner walrus %d\nDate: Tue, 3 Mar 2020 10:00:00 +0000\n%s\n%s"
             "innerpineapple\n" % (i, h, b))
    return (mh + "Content-Type: multipart/mixed; boundary=\"%s\"\n" % bd,
            "--%s\nContent-Type: text/plain\n\nsee the attached message\n--%s\n"
            "Content-Type: message/rfc822\n\n%s\n--%s--\n" % (bd, bd, inner, bd))


def generated(r, i):
    frm = PEOPLE[i % len(PEOPLE)]
    tos = r.sample(PEOPLE, r.randrange(1, 4))
    hdr = []
    hdr.append("Return-Path: <%s>" % frm[1])
    hdr.append("Received: from mx.example.org by mail.example.org; "
               "Mon, 2 Nov 2026 10:00:00 +0000")
    if i % 17 == 4:
        hdr.append("From: %s (the sender %d)" % (frm[1], i))
    else:
        hdr.append("From: " + address(frm))
    if i % 19 == 2:
        hdr.append("To: undisclosed-recipients:;")
    elif i % 19 == 5:
        hdr.append("To: team: %s, %s;" % (address(tos[0]), PEOPLE[(i + 3) % len(PEOPLE)][1]))
    else:
        hdr.append("To: " + ",\n    ".join(address(p) for p in tos))
    if i % 3 == 1:
        hdr.append("Cc: " + address(PEOPLE[(i * 7) % len(PEOPLE)]))
    if i % 10 == 3:
        hdr.append("Bcc: hidden%d@example.com, %s" % (i, address(PEOPLE[(i * 5) % len(PEOPLE)])))
    hdr.append("Subject: " + subject(r, i))
    d = date_field(r, i)
    if d is not None:
        hdr.append("Date: " + d)
    hdr.append("Message-ID: <gen.%d.%d@example.org>" % (i, r.randrange(10 ** 9)))
    if i % 4 == 0:
        hdr.append("X-Mailer: %s" % r.choice(["Mutt/2.2", "Thunderbird 115", "nmh-1.8"]))
    if i % 29 == 1:
        hdr.append("X-Label: first label")
        hdr.append("X-Label: =?utf-8?q?second_l=C3=A4bel?= tangerine")
    hdr.append("X-Seq: %d" % i)
    bh, bb = body(r, i)
    msg = "\n".join(hdr) + "\n" + bh + "\n" + bb
    raw = msg.encode("latin-1")
    if i % 37 == 5:
        raw = raw.replace(b"\n", b"\r\n")
    return raw


def internal_date(r, i):
    """Seconds since the epoch: clusters on 15-Mar-2026 and 1-Aug-2025 (some
    within an hour of midnight UTC), the rest spread over 2025-2026."""
    day0 = days_from_civil(2025, 1, 1) * 86400
    if i % 20 == 1:
        return days_from_civil(2026, 3, 15) * 86400 + r.choice([600, 3000, 43200, 84000, 86000])
    if i % 20 == 2:
        return days_from_civil(2025, 8, 1) * 86400 + r.choice([300, 20000, 86100])
    return day0 + r.randrange(0, 660 * 86400)


def flags(r, i):
    f = set()
    if r.random() < 0.6:
        f.add("S")
    if r.random() < 0.15:
        f.add("R")
    if r.random() < 0.12:
        f.add("F")
    if r.random() < 0.06:
        f.add("T")
    if r.random() < 0.04:
        f.add("D")
    if r.random() < 0.12:
        f.add("a")  # keyword 0: project
    if r.random() < 0.08:
        f.add("b")  # keyword 1: $Forwarded
    return f


def ranges(nums):
    out, nums = [], sorted(nums)
    k = 0
    while k < len(nums):
        j = k
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(str(nums[k]) if j == k else "%d-%d" % (nums[k], nums[j]))
        k = j + 1
    return " ".join(out)


def main():
    corpus, mh, md = sys.argv[1:4]
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 300
    r = random.Random(SEED)
    msgs = []
    for name in sorted(os.listdir(corpus)):
        if name.endswith(".eml"):
            with open(os.path.join(corpus, name), "rb") as f:
                msgs.append(f.read())
    for i in range(count):
        msgs.append(generated(r, i))
    os.makedirs(mh, exist_ok=True)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(md, sub), exist_ok=True)
    seqs = {"unseen": [], "replied": [], "flagged": [], "Deleted": [], "Draft": [],
            "project": [], "$Forwarded": []}
    letter_seq = {"R": "replied", "F": "flagged", "T": "Deleted", "D": "Draft",
                  "a": "project", "b": "$Forwarded"}
    for n, data in enumerate(msgs, 1):
        fl = flags(r, n)
        when = internal_date(r, n)
        p = os.path.join(mh, str(n))
        with open(p, "wb") as f:
            f.write(data)
        os.utime(p, (when, when))
        # Maildir flags: system letters sorted, then keyword letters
        letters = "".join(sorted(c for c in fl if c.isupper())) + \
            "".join(sorted(c for c in fl if c.islower()))
        name = "%d.M%dP1.asimap,S=%d:2,%s" % (MTIME_NAME_BASE + n, n, len(data), letters)
        q = os.path.join(md, "cur", name)
        with open(q, "wb") as f:
            f.write(data)
        os.utime(q, (when, when))
        if "S" not in fl:
            seqs["unseen"].append(n)
        for c, s in letter_seq.items():
            if c in fl:
                seqs[s].append(n)
    with open(os.path.join(mh, ".mh_sequences"), "w") as f:
        for s, nums in seqs.items():
            if nums:
                f.write("%s: %s\n" % (s, ranges(nums)))
    with open(os.path.join(md, "dovecot-keywords"), "w") as f:
        f.write("0 project\n1 $Forwarded\n")
    print("messages %d" % len(msgs))


if __name__ == "__main__":
    main()
