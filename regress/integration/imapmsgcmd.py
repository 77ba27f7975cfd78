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

# imapmsgcmd.py -- the message commands (FETCH, STORE, SEARCH, SORT,
# THREAD, COPY, MOVE) of one "imapd -s ROOT" session over a small
# Maildir corpus delivered as smtpd does (LF line ends), for
# imapd_msgcmd_test.sh:
#
#	imapmsgcmd.py SCENARIO IMAPD_COMMAND... -- ROOT
#
# The session plumbing (Imap, Fail, need, deliver) is imapsession.py's.

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from imapsession import Imap, Fail, need, has, deliver  # noqa: E402

M1 = (b"From: Alice <alice@example.org>\n"
      b"To: bob@example.org\n"
      b"Subject: Hello\n"
      b"Date: Mon, 7 Dec 2026 10:00:00 +0000\n"
      b"Message-ID: <1@example.org>\n"
      b"\n"
      b"Hello Bob\n"
      b"Second line\n")
M2 = (b"From: Bob <bob@example.org>\n"
      b"To: alice@example.org\n"
      b"Subject: Re: Hello\n"
      b"Date: Tue, 8 Dec 2026 10:00:00 +0000\n"
      b"Message-ID: <2@example.org>\n"
      b"In-Reply-To: <1@example.org>\n"
      b"MIME-Version: 1.0\n"
      b"Content-Type: multipart/mixed; boundary=\"XX\"\n"
      b"\n"
      b"--XX\n"
      b"Content-Type: text/plain\n"
      b"\n"
      b"See attached, zebra\n"
      b"--XX\n"
      b"Content-Type: application/octet-stream\n"
      b"Content-Transfer-Encoding: base64\n"
      b"\n"
      b"AAECAw==\n"
      b"--XX--\n")
M3 = (b"From: Carol <carol@example.org>\n"
      b"To: dave@example.org\n"
      b"Cc: alice@example.org\n"
      b"Subject: Other\n"
      b"Date: Sun, 6 Dec 2026 10:00:00 +0000\n"
      b"Message-ID: <3@example.org>\n"
      b"\n"
      b"Hi there\n")


def crlf(b):
    return b.replace(b"\n", b"\r\n")


def corpus(s):
    """M1, M2, M3 in INBOX, in that order (UIDs 1, 2, 3), selected."""
    s.line()
    for i, m in enumerate((M1, M2, M3)):
        deliver(s.root, "INBOX", "17650%02d.M1P1.test" % i, m)
        s.cmd("NOOP")
    unt, _ = s.cmd("SELECT INBOX")
    need(unt, rb"^\* 3 EXISTS$")


def one(s, cmd, pat):
    """cmd's untagged lines must be exactly one, matching pat."""
    unt, _ = s.cmd(cmd)
    if len(unt) != 1 or not re.search(pat, unt[0], re.S):
        raise Fail("%s: %r does not match %r" % (cmd, unt, pat))
    return unt[0]


def t_fetch(s):
    corpus(s)
    one(s, "FETCH 1 (RFC822.SIZE UID FLAGS)",
        rb"^\* 1 FETCH \(UID 1 RFC822.SIZE %d FLAGS \(\\Recent\)\)$"
        % len(crlf(M1)))
    one(s, "FETCH 1 BODY.PEEK[]",
        re.escape(b"* 1 FETCH (BODY[] {%d}\r\n" % len(crlf(M1)) +
                  crlf(M1) + b")"))
    one(s, "FETCH 1 BODY.PEEK[TEXT]<6.9>",
        re.escape(b"* 1 FETCH (BODY[TEXT]<6> {9}\r\nBob\r\nSeco)"))
    one(s, "FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT DATE)]",
        re.escape(b"* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT DATE)] {56}"
                  b"\r\nSubject: Hello\r\nDate: Mon, 7 Dec 2026 10:00:00 "
                  b"+0000\r\n\r\n)"))
    one(s, "FETCH 2 (BODY.PEEK[1] BODY.PEEK[1.MIME])",
        re.escape(b"* 2 FETCH (BODY[1] {19}\r\nSee attached, zebra "
                  b"BODY[1.MIME] {28}\r\nContent-Type: text/plain\r\n"
                  b"\r\n)"))
    one(s, "FETCH 2 (BINARY.PEEK[2] BINARY.SIZE[2])",
        re.escape(b"* 2 FETCH (BINARY[2] ~{4}\r\n\x00\x01\x02\x03 "
                  b"BINARY.SIZE[2] 4)"))
    one(s, "FETCH 2 ENVELOPE",
        rb'^\* 2 FETCH \(ENVELOPE \("Tue, 8 Dec 2026 10:00:00 \+0000" '
        rb'"Re: Hello" \(\("Bob" NIL "bob" "example.org"\)\) .*'
        rb'"<1@example.org>" "<2@example.org>"\)\)$')
    one(s, "FETCH 2 BODYSTRUCTURE",
        rb'^\* 2 FETCH \(BODYSTRUCTURE \(\("text" "plain" .*\)'
        rb'\("application" "octet-stream" .*\) "mixed" '
        rb'\("boundary" "XX"\)')
    # no \Seen yet: the PEEKs left it alone
    unt, _ = s.cmd("FETCH 1:3 FLAGS")
    if has(unt, rb"\\Seen"):
        raise Fail("PEEK set \\Seen: %r" % unt)
    # BODY[] sets \Seen and says so in the same FETCH
    one(s, "FETCH 3 BODY[TEXT]",
        re.escape(b"* 3 FETCH (BODY[TEXT] {10}\r\nHi there\r\n "
                  b"FLAGS (\\Seen \\Recent))"))
    one(s, "FETCH 3 BODY[TEXT]",
        re.escape(b"* 3 FETCH (BODY[TEXT] {10}\r\nHi there\r\n)"))
    # on disk: the S of the file name
    names = os.listdir(os.path.join(s.root, "cur"))
    if not any(n.startswith("1765002") and n.endswith(":2,S")
               for n in names):
        raise Fail("\\Seen not in the file name: %r" % names)
    one(s, "UID FETCH 2 (FLAGS)", rb"^\* 2 FETCH \(UID 2 FLAGS ")
    s.cmd("FETCH 4 FLAGS", expect=b"BAD")
    s.cmd("FETCH 1 (FLAGS NOSUCH)", expect=b"BAD")
    s.cmd("LOGOUT")


def t_stream(s):
    """FETCH 1:* BODY[] of 5 MB through a pipe: resumed, complete."""
    s.line()
    n = 250
    for i in range(n):
        body = (b"line %d of message %d padding padding padding\n"
                % (0, i)) * 450
        m = (b"From: x@example.org\nSubject: m%d\n"
             b"Message-ID: <s%d@example.org>\n\n" % (i, i)) + body
        deliver(s.root, "INBOX", "1765100%03d.M1P1.test" % i, m)
    unt, _ = s.cmd("SELECT INBOX")
    need(unt, rb"^\* %d EXISTS$" % n)
    unt, _ = s.cmd("FETCH 1:* (UID BODY.PEEK[])")
    if len(unt) != n:
        raise Fail("%d FETCH lines, not %d" % (len(unt), n))
    for i, ln in enumerate(unt):
        m = re.match(rb"^\* (\d+) FETCH \(UID (\d+) BODY\[\] \{(\d+)\}"
                     rb"\r\n", ln)
        if not m or int(m.group(1)) != i + 1:
            raise Fail("line %d: %r" % (i, ln[:80]))
        size = int(m.group(3))
        data = ln[m.end():m.end() + size]
        if (len(data) != size or not data.startswith(b"From: x@") or
                b"Subject: m%d\r\n" % i not in data or
                ln[m.end() + size:] != b")"):
            raise Fail("message %d damaged" % (i + 1))
    s.cmd("LOGOUT")


def t_store(s):
    corpus(s)
    one(s, "STORE 1 +FLAGS (\\Flagged $Work)",
        rb"^\* 1 FETCH \(FLAGS \(\\Flagged \\Recent \$Work\)\)$")
    one(s, "UID STORE 1 +FLAGS (\\Flagged)",
        rb"^\* 1 FETCH \(UID 1 FLAGS \(\\Flagged \\Recent \$Work\)\)$")
    unt, _ = s.cmd("STORE 1:2 +FLAGS.SILENT (\\Answered)")
    if unt:
        raise Fail("SILENT: %r" % unt)
    one(s, "STORE 1 -FLAGS ($work \\Flagged)",
        rb"^\* 1 FETCH \(FLAGS \(\\Answered \\Recent\)\)$")
    one(s, "STORE 2 FLAGS (\\Deleted \\Draft)",
        rb"^\* 2 FETCH \(FLAGS \(\\Deleted \\Draft \\Recent\)\)$")
    names = sorted(os.listdir(os.path.join(s.root, "cur")))
    if not (names[0].endswith(":2,R") and names[1].endswith(":2,DT")):
        raise Fail("flags on disk: %r" % names)
    # CONDSTORE: UNCHANGEDSINCE and MODIFIED
    line = one(s, "FETCH 3 (MODSEQ)", rb"^\* 3 FETCH \(MODSEQ \(\d+\)\)$")
    ms = int(re.search(rb"MODSEQ \((\d+)\)", line).group(1))
    unt, tagged = s.cmd("UID STORE 1,3 (UNCHANGEDSINCE %d) +FLAGS "
                        "(\\Seen)" % ms)
    need([tagged], rb"OK \[MODIFIED 1\]")
    need(unt, rb"^\* 3 FETCH \(UID 3 FLAGS \(\\Seen \\Recent\) "
         rb"MODSEQ \(\d+\)\)$")
    s.cmd("STORE 1 +FLAGS (\\Recent)", expect=b"BAD")
    s.cmd("STORE 1 FROB (\\Seen)", expect=b"BAD")
    s.cmd("EXAMINE INBOX")
    s.cmd("STORE 1 +FLAGS (\\Seen)", expect=b"NO")
    s.cmd("LOGOUT")


SEARCHES = (
    ("SEARCH ALL", b"* SEARCH 1 2 3"),
    ("SEARCH FROM alice", b"* SEARCH 1"),
    ("SEARCH TO alice", b"* SEARCH 2"),
    ("SEARCH CC alice", b"* SEARCH 3"),
    ("SEARCH SUBJECT hello", b"* SEARCH 1 2"),
    ("SEARCH HEADER In-Reply-To 1@example", b"* SEARCH 2"),
    ("SEARCH BODY zebra", b"* SEARCH 2"),
    ("SEARCH TEXT carol", b"* SEARCH 3"),
    ("SEARCH NOT TEXT carol", b"* SEARCH 1 2"),
    ("SEARCH OR FROM bob FROM carol", b"* SEARCH 2 3"),
    ("SEARCH SENTBEFORE 7-Dec-2026", b"* SEARCH 3"),
    ("SEARCH SENTON 7-Dec-2026", b"* SEARCH 1"),
    ("SEARCH SENTSINCE 7-Dec-2026", b"* SEARCH 1 2"),
    ("SEARCH SINCE 1-Jan-2000", b"* SEARCH 1 2 3"),
    ("SEARCH BEFORE 1-Jan-2000", b"* SEARCH"),
    ("SEARCH LARGER 300", b"* SEARCH 2"),
    ("SEARCH FLAGGED", b"* SEARCH 2"),
    ("SEARCH UNFLAGGED 2:*", b"* SEARCH 3"),
    ("SEARCH KEYWORD $Work", b"* SEARCH 3"),
    ("SEARCH NEW", b"* SEARCH 1 2 3"),
    ("UID SEARCH UID 2:3 NOT FLAGGED", b"* SEARCH 3"),
    ("SEARCH RETURN (MIN MAX COUNT) SUBJECT hello",
     b'* ESEARCH (TAG "%s") MIN 1 MAX 2 COUNT 2'),
    ("UID SEARCH RETURN (ALL) NOT FROM bob",
     b'* ESEARCH (TAG "%s") UID ALL 1,3'),
)


def t_search(s):
    corpus(s)
    s.cmd("STORE 2 +FLAGS (\\Flagged)")
    s.cmd("STORE 3 +FLAGS ($Work)")
    for cmd, want in SEARCHES:
        tag = b"t%d" % (s.ntag + 1)
        unt, _ = s.cmd(cmd)
        if "%s" in want.decode():
            want = want % tag
        if unt != [want]:
            raise Fail("%s: %r, not %r" % (cmd, unt, want))
    unt, _ = s.cmd("SEARCH MODSEQ 1")
    need(unt, rb"^\* SEARCH 1 2 3 \(MODSEQ \d+\)$")
    unt, _ = s.cmd("SEARCH RETURN (SAVE) FROM carol")
    if unt:
        raise Fail("SAVE alone answered %r" % unt)
    one(s, "FETCH $ (UID)", rb"^\* 3 FETCH \(UID 3\)$")
    one(s, "SEARCH OR $ 1", rb"^\* SEARCH 1 3$")
    s.cmd("SEARCH CHARSET KOI8-R ALL", expect=b"NO")
    s.cmd("SEARCH NOSUCHKEY", expect=b"BAD")
    s.cmd("LOGOUT")


SORTS = (
    ("SORT (ARRIVAL) UTF-8 ALL", b"* SORT 1 2 3"),
    ("SORT (DATE) UTF-8 ALL", b"* SORT 3 1 2"),
    ("SORT (REVERSE DATE) UTF-8 ALL", b"* SORT 2 1 3"),
    ("SORT (SUBJECT) UTF-8 ALL", b"* SORT 1 2 3"),
    ("SORT (REVERSE SUBJECT) UTF-8 ALL", b"* SORT 3 1 2"),
    ("SORT (FROM) UTF-8 ALL", b"* SORT 1 2 3"),
    ("SORT (REVERSE FROM) UTF-8 ALL", b"* SORT 3 2 1"),
    ("SORT (TO) UTF-8 ALL", b"* SORT 2 1 3"),
    ("SORT (CC) UTF-8 ALL", b"* SORT 1 2 3"),
    ("SORT (SIZE) UTF-8 ALL", b"* SORT 1 3 2"),
    ("SORT (REVERSE SIZE) UTF-8 ALL", b"* SORT 2 3 1"),
    ("SORT (DISPLAYFROM) UTF-8 ALL", b"* SORT 1 2 3"),
    ("SORT (DISPLAYTO) UTF-8 ALL", b"* SORT 2 1 3"),
    ("SORT (SUBJECT DATE) UTF-8 NOT FROM carol", b"* SORT 1 2"),
    ("UID SORT (REVERSE DATE) UTF-8 ALL", b"* SORT 2 1 3"),
    ("SORT RETURN (MIN MAX COUNT) (DATE) UTF-8 ALL",
     b'* ESEARCH (TAG "%s") MIN 3 MAX 2 COUNT 3'),
    ("THREAD REFERENCES UTF-8 ALL", b"* THREAD (3)(1 2)"),
    ("THREAD ORDEREDSUBJECT UTF-8 ALL", b"* THREAD (3)(1 2)"),
    ("UID THREAD REFERENCES UTF-8 FROM nobody", b"* THREAD"),
)


def t_sort(s):
    corpus(s)
    for cmd, want in SORTS:
        tag = b"t%d" % (s.ntag + 1)
        unt, _ = s.cmd(cmd)
        if "%s" in want.decode():
            want = want % tag
        if unt != [want]:
            raise Fail("%s: %r, not %r" % (cmd, unt, want))
    s.cmd("SORT (DATE) KOI8-R ALL", expect=b"NO")
    s.cmd("SORT (BOGUS) UTF-8 ALL", expect=b"BAD")
    s.cmd("THREAD BOGUS UTF-8 ALL", expect=b"BAD")
    s.cmd("LOGOUT")


def t_copy(s):
    corpus(s)
    _, tagged = s.cmd("COPY 1:2 Trash")
    need([tagged], rb"OK \[COPYUID \d+ 1:2 1:2\]")
    _, tagged = s.cmd("COPY 1 NoSuchFolder", expect=b"NO")
    need([tagged], rb"NO \[TRYCREATE\]")
    s.cmd("COPY 9 Trash", expect=b"BAD")
    unt, _ = s.cmd("MOVE 2 Trash")
    if (len(unt) != 2 or not re.match(rb"^\* OK \[COPYUID \d+ 2 3\]",
                                      unt[0]) or unt[1] != b"* 2 EXPUNGE"):
        raise Fail("MOVE: %r" % unt)
    s.cmd("UNSELECT")
    s.cmd("ENABLE QRESYNC")
    s.cmd("SELECT INBOX")
    unt, _ = s.cmd("UID MOVE 3 Trash")
    if (len(unt) != 2 or not re.match(rb"^\* OK \[COPYUID \d+ 3 4\]",
                                      unt[0]) or unt[1] != b"* VANISHED 3"):
        raise Fail("UID MOVE: %r" % unt)
    unt, _ = s.cmd("STATUS Trash (MESSAGES)")
    need(unt, rb"^\* STATUS \"?Trash\"? \(MESSAGES 4\)$")
    unt, _ = s.cmd("SELECT Trash")
    need(unt, rb"^\* 4 EXISTS$")
    unt, _ = s.cmd("FETCH 1:* (BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    ids = re.findall(rb"<(\d)@example.org>", b"".join(unt))
    if ids != [b"1", b"2", b"2", b"3"]:
        raise Fail("Trash holds %r" % ids)
    s.cmd("EXAMINE Trash")
    s.cmd("MOVE 1 INBOX", expect=b"NO")
    s.cmd("LOGOUT")


def main():
    scen = sys.argv[1]
    i = sys.argv.index("--")
    argv, root = sys.argv[2:i], sys.argv[i + 1]
    s = Imap(argv, root)
    try:
        globals()["t_" + scen](s)
    except (Fail, OSError) as e:
        sys.stderr.write("FAIL %s: %s\n" % (scen, e))
        try:
            s.p.kill()
        except OSError:
            pass
        sys.exit(1)
    s.close()


if __name__ == "__main__":
    main()
