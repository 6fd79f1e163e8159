#!/usr/bin/python3
"""search_job_gen: an MH folder of many messages with bodies that SEARCH
BODY must read and decode, for t/search_job.bats.

usage: search_job_gen.py DIR COUNT KB

Writes messages 1..COUNT into DIR (made if missing), each with about KB
kilobytes of body text in one of a few charsets (CHARSETS),
alternately quoted-printable, base64 and a multipart/alternative of both,
so that the needle can only be found by decoding and converting.  Message i carries the word NEEDLE when i % 41 == 7 (in its
body) or i % 97 == 3 (in its Subject only: TEXT finds it, BODY does not).
Prints two lines: "body N N ..." and "text N N ..." (the message numbers
SEARCH BODY and SEARCH TEXT must answer).  Deterministic: the same
arguments give the same bytes.
"""
import base64
import os
import quopri
import random
import sys

NEEDLE = "zebracorn"
# Words in scripts whose charsets iconv must convert and whose letters
# need Unicode case folding: the costly path of SEARCH BODY.
CHARSETS = (
    ("koi8-r", "ПРИВЕТ мир ДОМ солнце ВОДА город хлеб КНИГА".split()),
    ("iso-2022-jp", "日本語 ひらがな カタカナ 東京 大阪 天気 新聞 手紙".split()),
    ("iso-8859-7", "ΚΑΛΗΜΕΡΑ κόσμε ΘΑΛΑΣΣΑ ήλιος νερό".split()),
    ("gb18030", "中文 邮件 搜索 服务器 文件夹 消息".split()),
)


def text(rnd, kb, needle, words):
    out = []
    size = 0
    while size < kb * 1024:
        w = rnd.choice(words)
        out.append(w)
        size += len(w.encode("utf-8")) + 1
    if needle:
        out.insert(rnd.randrange(len(out)), NEEDLE.upper() if rnd.random() < 0.5 else NEEDLE)
    lines = [" ".join(out[k : k + 10]) for k in range(0, len(out), 10)]
    return "\n".join(lines) + "\n"


def part(kind, cs, data):
    raw = data.encode(cs)
    ct = b"Content-Type: text/plain; charset=" + cs.encode() + b"\n"
    if kind == "qp":
        return ct + b"Content-Transfer-Encoding: quoted-printable\n\n" + quopri.encodestring(raw)
    return ct + b"Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(raw)


def message(i, rnd, kb):
    in_body = i % 41 == 7
    in_subject = i % 97 == 3
    subj = "report %d%s" % (i, " " + NEEDLE if in_subject else "")
    head = (
        "From: Sender %d <s%d@example.org>\nTo: u1@example.org\nSubject: %s\n"
        "Date: Mon, 2 Nov 2026 10:%02d:00 +0000\nMessage-ID: <job%d@example.org>\n"
        "MIME-Version: 1.0\n" % (i, i, subj, i % 60, i)
    ).encode()
    cs, words = CHARSETS[i % len(CHARSETS)]
    body = text(rnd, kb, in_body, words)
    kind = ("qp", "b64", "alt")[i % 3]
    if kind != "alt":
        return head + part(kind, cs, body)
    bnd = b"=-=bnd%d=-=" % i
    return (
        head
        + b'Content-Type: multipart/alternative; boundary="' + bnd + b'"\n\n'
        + b"--" + bnd + b"\n" + part("qp", cs, body) + b"\n"
        + b"--" + bnd + b"\n" + part("b64", cs, body) + b"\n"
        + b"--" + bnd + b"--\n"
    )


def main():
    d, count, kb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.makedirs(d, exist_ok=True)
    rnd = random.Random(4005)
    for i in range(1, count + 1):
        with open(os.path.join(d, str(i)), "wb") as f:
            f.write(message(i, rnd, kb))
    body = [i for i in range(1, count + 1) if i % 41 == 7]
    text_ = sorted(set(body) | {i for i in range(1, count + 1) if i % 97 == 3})
    print("body " + " ".join(map(str, body)))
    print("text " + " ".join(map(str, text_)))


if __name__ == "__main__":
    main()
