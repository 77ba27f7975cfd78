#!/usr/bin/env python3
# Copyright (c) 2026 the cartero authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.

"""mkfolder.py -- the IMAP benchmark's folder, made once, deterministically.

    mkfolder.py DIR [COUNT] [SEED]

Writes a Maildir DIR (cur/ new/ tmp/) of COUNT messages (10,000 by
default) of 4-50 KB each (about 280 MB for 10,000): a quarter
multipart/alternative (text and HTML), a fifth with a base64 attachment,
headers as mail clients write them (From/To/Cc with display names, some
RFC 2047 encoded words, Date, Message-ID, threads through In-Reply-To and
References).  File names carry ",S=<size>" and ":2,<flags>" (a third have
S, some F or R).  The same SEED gives the same bytes.  The word "quarterly"
appears in the Subject of 0.2 % of the messages (the header search), the
string "zqxjkvbwpy" appears nowhere (the full-text search without a hit).
DIR/.complete is written last: an existing complete DIR is left alone.
"""

import base64
import os
import random
import sys

WORDS = """the of and to in is that for it as was with be by on not he this
are or his from at which but have an they you were her she there been one
all we their has would when if so no will more can out up them some what
only other into time could new these two may first then do any like my now
over such our man me even most made after also did many before must through
back years where much your way well down should because each just those
people how too little state good very make world still own see men work long
get here between both life being under never day same another know while last
might us great old year off come since against go came right used take three
meeting report budget project schedule review draft invoice release server
network update customer contract proposal agenda minutes deadline migration
backup storage mailbox delivery account password holiday weekend lunch
question answer problem solution change request approval feedback summary
design test build deploy ticket support office travel flight hotel""".split()

NAMES = ["Alice Martin", "Bob Dupont", "Carla Rossi", "David Smith",
         "Eve Jansen", "Frank Müller", "Gaëlle Lefèvre", "Hiroshi Tanaka",
         "Inés García", "José Álvarez", "Karin Björk", "Łukasz Nowak",
         "Marie Curie", "Nils Olsen", "Olga Petrova", "Paul Weber",
         "Quentin Roux", "Rosa Parks", "Søren Kierkegaard", "Tom Baker"]
DOMAINS = ["example.com", "example.org", "mail.example.net", "corp.example"]
ABSENT = "zqxjkvbwpy"
PRESENT = "quarterly"
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
          "Oct", "Nov", "Dec"]


def encode_word(rng, text):
    """An RFC 2047 encoded word, B or Q."""
    raw = text.encode("utf-8")
    if rng.random() < 0.5:
        return "=?UTF-8?B?%s?=" % base64.b64encode(raw).decode()
    q = "".join(chr(b) if (48 <= b < 127 and chr(b) not in "=?_")
                else ("_" if b == 32 else "=%02X" % b) for b in raw)
    return "=?UTF-8?Q?%s?=" % q


def address(rng, name):
    local = name.split()[0].lower().encode("ascii", "ignore").decode()
    addr = "%s@%s" % (local or "user", rng.choice(DOMAINS))
    if all(ord(ch) < 128 for ch in name):
        return "%s <%s>" % (name, addr)
    return "%s <%s>" % (encode_word(rng, name), addr)


def sentence(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def text_block(rng, size):
    """Lines of words, about size bytes, CRLF-terminated."""
    out = []
    total = 0
    while total < size:
        line = sentence(rng, rng.randint(6, 13)).capitalize() + "."
        out.append(line)
        total += len(line) + 2
    return "\r\n".join(out) + "\r\n"


def html_block(rng, size):
    body = text_block(rng, max(size - 120, 64)).replace("\r\n", "</p>\r\n<p>")
    return ("<html><head><meta charset=\"utf-8\"></head><body>\r\n<p>" +
            body + "</p></body></html>\r\n")


def b64_block(rng, size):
    raw = rng.randbytes(max(size * 3 // 4, 16))
    enc = base64.b64encode(raw).decode()
    return "\r\n".join(enc[i:i + 76] for i in range(0, len(enc), 76)) + "\r\n"


def date(rng, i):
    # one message every ~50 minutes from 2025-01-01, a fixed week day name
    t = 1735689600 + i * 3000 + rng.randint(0, 2999)
    days = t // 86400
    y, m, d = civil(days)
    s = t % 86400
    return "%s, %d %s %d %02d:%02d:%02d +0000" % (
        DAYS[(days + 3) % 7], d, MONTHS[m - 1], y, s // 3600,
        s // 60 % 60, s % 60), t


def civil(z):
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return y + (m <= 2), m, d


def message(rng, i, ids):
    size = rng.randint(4096, 51200)
    frm = address(rng, rng.choice(NAMES))
    to = ", ".join(address(rng, rng.choice(NAMES))
                   for _ in range(rng.randint(1, 3)))
    subj = sentence(rng, rng.randint(3, 8)).capitalize()
    if rng.random() < 0.002 or i == 7:
        subj += " " + PRESENT
    if rng.random() < 0.1:
        subj = encode_word(rng, "Réunion " + subj)
    h = ["Return-Path: <%s>" % frm.split("<")[1].rstrip(">"),
         "Received: from mail.example.net (mail.example.net [192.0.2.%d])"
         % (i % 250 + 1),
         "\tby mx.example.com with ESMTPS id b%06d;" % i]
    d, t = date(rng, i)
    h[-1] += "\r\n\t" + d
    h += ["From: " + frm, "To: " + to]
    if rng.random() < 0.3:
        h.append("Cc: " + address(rng, rng.choice(NAMES)))
    mid = "<%d.%d@bench.example>" % (i, rng.randint(1, 10 ** 9))
    if ids and rng.random() < 0.4:
        parent = rng.choice(ids[-200:])
        subj = "Re: " + subj
        h.append("In-Reply-To: " + parent)
        refs = [parent] + [rng.choice(ids[-500:]) for _ in
                           range(rng.randint(0, 3))]
        h.append("References: " + "\r\n ".join(refs))
    ids.append(mid)
    h += ["Subject: " + subj, "Date: " + d, "Message-ID: " + mid,
          "MIME-Version: 1.0"]
    kind = rng.random()
    attach = rng.random() < 0.2
    budget = size - sum(len(x) + 2 for x in h) - 200
    if kind < 0.25:
        b1 = "alt%d" % i
        textpart = budget // 2 if not attach else budget // 4
        alt = ("--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
               "Content-Transfer-Encoding: 8bit\r\n\r\n%s"
               "--%s\r\nContent-Type: text/html; charset=utf-8\r\n\r\n%s"
               "--%s--\r\n" % (b1, text_block(rng, textpart), b1,
                               html_block(rng, textpart), b1))
        alt_head = ("Content-Type: multipart/alternative; "
                    "boundary=\"%s\"" % b1)
    else:
        textpart = budget if not attach else budget // 2
        alt = text_block(rng, textpart)
        alt_head = "Content-Type: text/plain; charset=utf-8"
    if attach:
        b2 = "mix%d" % i
        name = rng.choice(["report.pdf", "photo.jpg", "data.bin",
                           "slides.pdf"])
        ctype = {"pdf": "application/pdf", "jpg": "image/jpeg",
                 "bin": "application/octet-stream"}[name.split(".")[1]]
        h.append("Content-Type: multipart/mixed; boundary=\"%s\"" % b2)
        body = ("This is a multi-part message in MIME format.\r\n\r\n"
                "--%s\r\n%s\r\n\r\n%s"
                "--%s\r\nContent-Type: %s; name=\"%s\"\r\n"
                "Content-Disposition: attachment; filename=\"%s\"\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n%s"
                "--%s--\r\n" % (b2, alt_head, alt, b2, ctype, name, name,
                                b64_block(rng, max(budget - textpart, 512)),
                                b2))
    else:
        h.append(alt_head)
        if kind >= 0.25:
            h.append("Content-Transfer-Encoding: 8bit")
        body = alt
    data = ("\r\n".join(h) + "\r\n\r\n" + body).encode("utf-8")
    assert ABSENT.encode() not in data.lower()
    flags = ""
    r = rng.random()
    if r < 0.05:
        flags = "FS"
    elif r < 0.1:
        flags = "RS"
    elif r < 0.33:
        flags = "S"
    return data, t, flags


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: mkfolder.py DIR [COUNT] [SEED]")
    top = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    if os.path.exists(os.path.join(top, ".complete")):
        return
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(top, sub), exist_ok=True)
    for f in os.listdir(os.path.join(top, "cur")):
        os.unlink(os.path.join(top, "cur", f))
    rng = random.Random(seed)
    ids = []
    total = 0
    for i in range(count):
        data, t, flags = message(rng, i, ids)
        name = "%d.M%dP%d.bench,S=%d:2,%s" % (t, i, 1000 + i, len(data),
                                               flags)
        path = os.path.join(top, "cur", name)
        with open(path, "wb") as f:
            f.write(data)
        os.utime(path, (t, t))
        total += len(data)
    with open(os.path.join(top, ".complete"), "w") as f:
        f.write("messages=%d bytes=%d seed=%d\n" % (count, total, seed))


if __name__ == "__main__":
    main()
