#!/usr/bin/python3
"""dovecot_cases: write hand-made edge-case messages for the differential
suite (t/dovecot_diff.bats) and the unit tests into DIR, one file each
(NAME.eml).

usage: dovecot_cases.py DIR [--crlf-copies]

With --crlf-copies, every NAME.eml in DIR afterwards (the corpus copied
there too) also gets a copy NAME_crlf.eml with every bare LF as CRLF,
except the big limit_* cases.

Each case is a message whose ENVELOPE, BODYSTRUCTURE or section bytes
depend on a rule that is easy to get wrong: address syntax and repairs,
groups, duplicate and empty fields, folding, 8-bit and NUL bytes, CRLF
and bare CR, Content-* parameters (RFC 2231), boundaries (prefixes,
nesting, missing, trailing text), message/rfc822 and multipart/digest,
and the parser's limits (depth, part count).
"""
import os
import sys

CASES = {}


def case(name, data):
    CASES[name] = data.encode("latin-1") if isinstance(data, str) else data


M = "MIME-Version: 1.0\n"

# ENVELOPE: addresses, groups, defaults, duplicates, folding.
case("addr_groups", "From: a@b\nFrom: c@d\nTo: undisclosed-recipients:;\n"
     "Cc: Group: x@y, \"Q \\\" N\" <q@r>, (Comment Name) z@w;, last@x.y (Trailer)\n"
     "Bcc: <@r1,@r2:u@d>, user, \"quoted\"@dom, @nomb, local@, <>, \"\" <e@f>\n"
     "Sender:\nReply-To:    \nSubject:   lead and trail  \nMessage-ID:    <a@b>  \n"
     "In-Reply-To:<x@y>\nDate:\t\tfoo\n\tbar\nMessage-ID: <second@b>\n\nbody\n")
case("addr_names", "Subject: first\nSubject: second\nMessage-ID:  <a@b>  \nDate: x\rnext\n"
     "In-Reply-To: <p@q>\n\t<r@s>\n"
     "From: \"A\\\\B\" <ab@c>, =?utf-8?q?X?= <x@y>, a.b.c <d@e>, \"x\" \"y\" z <w@v>, "
     "Jo.Do <j@d>, .lead <l@d>\nTo: a@b, , ,c@d,\nCc: \"unterminated <u@v>\n\nbody\n")
case("addr_comments", "From: x@y (Name (nested) here), y@z (a) (b), <m@n> (after angle)\n"
     "To: group1: ; group2: a@b; c@d\nCc: Gr: a@b\nBcc: \"only quoted\"\nReply-To: ,\n\nx\n")
case("addr_more", "From: John Smith\nSender: <@bad route@x>\nReply-To: <a@b\n"
     "To: \"Last, First\" <lf@x>, first.last@x (F\\(x\\) L), a@[1.2.3.4], <a@b> junk\n"
     "Cc: ;, :, a@b;\nBcc: a.@b, a..b@c, \"\"@d, x@y.\n\nx\n")
case("addr_8bit", b"From: J\xc3\xb6rg <j@x>, \"M\xc3\xbcller, Bj\xc3\xb6rn\" <m@x>\n"
     b"Subject: gr\xc3\xbc\xc3\x9f\xe2\x84\xa2\nTo: =?iso-8859-1?q?J=F6rg?= <j@x>\n\nx\n")
case("addr_folded", "From: Very Long\n Name <v@x>,\n\tother@x\nSubject: a\n  b\t c  \n"
     "To: \"quoted\n folded\" <q@x>\n\nx\n")
case("hdr_nul", b"From: nul\x00here <a@b>\nSubject: s\x00t\nMessage-ID: <m\x00id>\n\nx\x00y\n")
case("hdr_odd", "Received: one\n\tcont\nFrom: a@b\nTo: c@d\nX-No-Colon\nSubject: hi\n"
     "from: again@x\nSubject : spaced name\n\nbody\n")
case("no_headers", "\nbody only\n")
case("empty", "")
case("only_lf", "\n")
case("hdr_no_body", "Subject: no body")
case("hdr_no_blank", "Subject: no blank\nFrom: x@y\n")
case("hdr_cont_first", " leading: space\nSubject: s\n\nx\n")
case("crlf_mixed", "Subject: crlf\r\nContent-Type: text/plain\r\n\r\nline1\r\nline2\nbare\rcr\r\n")
case("long_subject", "Subject: " + "word " * 300 + "\n\nx\n")
case("quotes_subject", "Subject: \"a\" \\b\\ \"c\" \"d\" \"e\"\nFrom: \"q\\\"q\" <a@b>\n\nx\n")

# Content-* fields and parameters.
case("ct_fields", "Content-Type: TEXT/Plain; CHARSET=ISO-8859-1; Name*0=a; x=y; Name*1=b; "
     "t*0*=utf-8%27%27%41; t*1*=b\nContent-Transfer-Encoding: QUOTED-PRINTABLE\n"
     "Content-ID: <cid>\nContent-Description: desc\n  folded\n"
     "Content-Disposition: Attachment; filename=\"f.txt\"; size=3\n"
     "Content-Language: en-US, de\nContent-Location: http://x/y\nContent-MD5: abc=\n\nx=3D\n")
case("ct_no_mime", "From: a@b\nContent-Transfer-Encoding: base64\nContent-Description: d\n\nbody\n")
case("ct_types", M + "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
     "Content-Description:   lead  \nContent-ID:\t<x>\nContent-Disposition:\n"
     "Content-Language: en (English), fr\nContent-Location: a\r b\n"
     "Content-Type: text/plain; charset=\"a\\\"b\"; name=\n\nx\n--b\nContent-Type: ;\n"
     "Content-Transfer-Encoding: x y\nContent-Transfer-Encoding: base64\n"
     "Content-Disposition: inline\nContent-Disposition: attachment; a=b\n"
     "Content-Disposition: never\n\ny\n--b\nContent-Type: /plain\n\nz\n--b\n"
     "Content-Type: text/plain foo; bar=1; =v; q=\"unterminated\n\nw\n--b\n"
     "Content-Type: text\n\nv\n--b\nContent-Type: application/x (c); a=b (c); d=\"e\" (f)\n\nu\n"
     "--b\nContent-Type: image/gif; name==?utf-8?q?x?=; z=1\n\nt\n--b\n"
     "Content-Type: text/plain; a*=x; a*0=y; A*0=1; a*1=2\n\ns\n--b\n"
     "Content-Type: text/plain; n*1=b; n*0=a; n*2*=c; m*0=a; m*2=c\n\nr\n--b\n"
     "Content-Type: TEXT/html; charset=x; charset=y;a=b;;c=d\n\nq\n--b\n"
     "Content-Type: text/plain; a=\"x\n y\"\n\np\n--b\n"
     "Content-Type: \xe5\x90\xab/\xe7\xa8\xae; charset=utf-8\n\no\n--b--\n")
case("ct_dups", M + "Content-Type: multipart/mixed; boundary=\"with space\"\n\n--with space\n"
     "Content-ID: <first>\nContent-ID: <second>\nCONTENT-TYPE : text/html (c) ; charset=x\n"
     "Content-Type: text/plain\nContent-Language: ,en\nContent-Language: de\n"
     "Content-Disposition: attachment; filename*=utf-8''%e2%82%ac.txt; size=1\n\nx\n"
     "--with space\nMIME-VERSION: 1.0\n content-description: starts with blank\n"
     "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\nContent-Location:\n  http://x/\n  y\n\ny\n"
     "--with space--\n")
case("plain_7bit", M + "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\n"
     "Content-Transfer-Encoding: 7BIT\n\nplain\n")
case("plain_latin1", M + "Content-Type: text/plain; charset=iso-8859-1\n"
     "Content-Transfer-Encoding: quoted-printable\n\ncaf=E9\n")
case("only_mime_version", M + "Content-Transfer-Encoding: base64\n\naGVsbG8=\n")

# Boundaries and nesting.
case("mp_no_boundary", "From: a@b\nContent-Type: multipart/mixed\n\npreamble\n--x\n\nbody\n")
case("mp_odd_parts", "From: a@b\n" + M + "Content-Type: multipart/mixed; boundary=x\n\n"
     "preamble\n--x\nContent-Type: text/plain\n--x\n\n--x\n"
     "Content-Type: multipart/alternative; boundary=xy\n\n--xy\n\ninner\n--x\n\nlast\n"
     "--x--\nepilogue\n")
case("mp_prefix", M + "Content-Type: multipart/mixed; boundary=\"ab\"\n\n--ab\n"
     "Content-Type: multipart/mixed; boundary=\"abc\"\n\n--abc\n\nin abc\n--ab\n\nin ab\n"
     "--abc\n\nmore\n--ab--\n")
case("mp_same_boundary", M + "Content-Type: multipart/mixed; boundary=s\n\n--s\n"
     "Content-Type: multipart/mixed; boundary=s\n\n--s\n\ninner\n--s--\n\nafter\n--s--\n")
case("mp_trailing", M + "Content-Type: multipart/mixed; boundary=t\n\n--t  \n\none\n"
     "--t garbage\n\ntwo\n--t--trailing\nepi\n--t\n\nthree\n")
case("mp_eof_boundary", M + "Content-Type: multipart/mixed; boundary=e\n\n--e\n\none\n--e--")
case("mp_eof_open", M + "Content-Type: multipart/mixed; boundary=e\n\n--e\n\none\n--e")
case("mp_empty_part", M + "Content-Type: multipart/related; boundary=r\n\n--r\n"
     "Content-Type: image/gif\n\n--r\nContent-Type: image/png\n--r\n\n--r--\n")
case("mp_crlf", M.replace("\n", "\r\n") + "Content-Type: multipart/mixed; boundary=q\r\n\r\n"
     "--q\r\n\r\na\r\n--q\r\nContent-Type: message/rfc822\r\n\r\nSubject: in\r\n\r\nb\r\n"
     "--q--\r\n")
case("mp_quoted_bnd", M + "Content-Type: multipart/mixed; boundary*0=\"a b\"; boundary*1=c\n\n"
     "--a bc\n\nx\n--a bc--\n")
case("mp_empty_bnd", M + "Content-Type: multipart/mixed; boundary=\"\"\n\n--\n\nx\n----\n")
case("mp_long_bnd", M + "Content-Type: multipart/mixed; boundary=" + "L" * 100 + "\n\n--" +
     "L" * 100 + "\n\nx\n--" + "L" * 100 + "--\n")
case("mp_digest", "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: digest child\n\n"
     "hi\n--d\nContent-Type: text/plain\n\nplain\n--d\n\n--d--\n")
case("rfc822_top", "Content-Type: message/rfc822\n\nSubject: inner\nFrom: i@x\n\ninner body\n")
case("rfc822_empty", "Content-Type: message/rfc822\n\n")
case("rfc822_nested", "From: a@b\n" + M + "Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\n"
     "Content-Type: message/rfc822\n\nSubject: inner\n"
     "Content-Type: multipart/alternative; boundary=c\n\n--c\n\none\n--c\n\ntwo\n")
case("rfc822_deep", M + "Content-Type: message/rfc822\n\nSubject: 1\n" + M +
     "Content-Type: message/rfc822\n\nSubject: 2\nContent-Type: message/rfc822\n\n"
     "Subject: 3\n\nthree\n")
case("rfc822_in_mp_hdr_only", M + "Content-Type: multipart/mixed; boundary=h\n\n--h\n"
     "Content-Type: message/rfc822\n\nSubject: only header\nFrom: a@b\n--h\n"
     "Content-Type: message/rfc822\n\nSubject: blank then boundary\n\n--h--\n")
case("qp_8bit", b"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
     b"Content-Transfer-Encoding: 8bit\nSubject: =?utf-8?B?w6TDtsO8?=\n\n\xc3\xa4\xc3\xb6\n")


def deep(n):
    s = M
    for i in range(n):
        s += "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (i, i)
    s += "Content-Type: text/plain\n\nleaf\n"
    for i in reversed(range(n)):
        s += "--b%d--\n" % i
    return s


case("limit_depth", deep(120))
case("limit_depth_rfc822", M + "".join("Content-Type: message/rfc822\n\nSubject: level %d\n" % i
                                       for i in range(120)) + "\nbody\n")
case("limit_parts", M + "Content-Type: multipart/mixed; boundary=x\n\n" +
     "".join("--x\n\n%d\n" % i for i in range(10005)) + "--x--\n")


def crlf(data):
    out, prev = bytearray(), 0
    for c in data:
        if c == 10 and prev != 13:
            out.append(13)
        out.append(c)
        prev = c
    return bytes(out)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in CASES.items():
        with open(os.path.join(out, name + ".eml"), "wb") as f:
            f.write(data)
    if "--crlf-copies" in sys.argv[2:]:
        for name in sorted(os.listdir(out)):
            if not name.endswith(".eml") or name.startswith("limit_") or "_crlf" in name:
                continue
            with open(os.path.join(out, name), "rb") as f:
                data = f.read()
            with open(os.path.join(out, name[:-4] + "_crlf.eml"), "wb") as f:
                f.write(crlf(data))


if __name__ == "__main__":
    main()
