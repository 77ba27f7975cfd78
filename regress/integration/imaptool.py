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

"""imaptool.py -- python3 imaplib as an IMAP client for the imapd tests.

    imaptool.py session PORT USER PASS CAFILE MAILDIR
        STARTTLS on PORT, LOGIN, then SELECT / FETCH / STORE / SEARCH /
        APPEND / MOVE / IDLE on INBOX, checking each answer against the
        Maildir (MAILDIR, the user's ~/Maildir, which holds the two
        messages the test put in new/ with Subjects "first" and "second").
        IDLE: a third message is written into MAILDIR/new/ (tmp/, then a
        rename, as smtpd delivers) while idling; the EXISTS must come.
    imaptool.py idlewait PORT USER PASS CAFILE READY SUBJECT
        IMAPS on PORT, LOGIN, SELECT INBOX, IDLE; writes READY once the
        server said "+", then waits (bounded) for an EXISTS, leaves IDLE
        and checks that the new message has SUBJECT, no \\Seen and (rev1)
        \\Recent.

Exits 0 when every check passed, else 1 with the reason on stderr.  Every
wait is bounded (socket timeouts, 30 s for the IDLE events).
"""

import imaplib
import os
import pwd
import re
import socket
import ssl
import sys
import time

WAIT = 30


def fail(msg):
    sys.stderr.write("imaptool: %s\n" % msg)
    sys.exit(1)


def ok(typ, data, what):
    if typ != "OK":
        fail("%s: %s %r" % (what, typ, data))
    return data


def context(cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    return ctx


def idle_until_exists(m, seconds, action=None):
    """IDLE; run action() once the server sent "+"; return the first
    EXISTS count seen, after DONE and the tagged OK."""
    tag = m._new_tag()
    m.send(tag + b" IDLE\r\n")
    line = m.readline()
    if not line.startswith(b"+"):
        fail("IDLE: no continuation: %r" % line)
    if action:
        action()
    sock = m.socket()
    exists = None
    deadline = time.monotonic() + seconds
    while exists is None:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        sock.settimeout(left)
        try:
            line = m.readline()
        except (TimeoutError, socket.timeout):
            break
        if not line:
            fail("IDLE: connection closed")
        mm = re.match(rb"\* (\d+) EXISTS", line)
        if mm:
            exists = int(mm.group(1))
    sock.settimeout(WAIT)
    m.send(b"DONE\r\n")
    # the rest of the IDLE response, up to the tagged line
    for _ in range(1000):
        line = m.readline()
        if not line:
            fail("IDLE: closed before the tagged response")
        mm = re.match(rb"\* (\d+) EXISTS", line)
        if mm and exists is None:
            exists = int(mm.group(1))
        if line.startswith(tag + b" "):
            if not line.startswith(tag + b" OK"):
                fail("IDLE: %r" % line)
            break
    return exists


def deliver(maildir, name, subject, owner):
    """Write a message as smtpd does: tmp/, then rename into new/."""
    data = ("From: <bob@test.example>\r\nTo: <alice@test.example>\r\n"
            "Subject: %s\r\nMessage-ID: <%s@test.example>\r\n\r\n"
            "delivered while idling\r\n" % (subject, name)).encode()
    tmp = os.path.join(maildir, "tmp", name)
    with open(tmp, "wb") as f:
        f.write(data)
    os.chown(tmp, owner.pw_uid, owner.pw_gid)
    os.rename(tmp, os.path.join(maildir, "new", name))


def lf(b):
    return b.replace(b"\r\n", b"\n")


def files(d):
    try:
        return sorted(f for f in os.listdir(d) if not f.startswith("."))
    except FileNotFoundError:
        return []


def all_files(maildir):
    return files(os.path.join(maildir, "cur")) + \
        files(os.path.join(maildir, "new"))


def session(port, user, password, cafile, maildir):
    owner = pwd.getpwnam(user)
    m = imaplib.IMAP4("127.0.0.1", port, timeout=WAIT)
    ok(*m.starttls(context(cafile)), what="STARTTLS")
    ok(*m.login(user, password), what="LOGIN")
    typ, data = m.select("INBOX")
    ok(typ, data, "SELECT INBOX")
    if int(data[0]) != 2:
        fail("SELECT INBOX: %r messages, expected 2" % data)

    # FETCH: the whole message is the file, byte for byte
    typ, data = m.fetch("1:2", "(UID FLAGS RFC822.SIZE BODY.PEEK[])")
    ok(typ, data, "FETCH")
    bodies = [d[1] for d in data if isinstance(d, tuple)]
    if len(bodies) != 2:
        fail("FETCH 1:2: %r" % data)
    ondisk = []
    for f in all_files(maildir):
        with open(os.path.join(maildir, "cur" if os.path.exists(
                os.path.join(maildir, "cur", f)) else "new", f), "rb") as h:
            ondisk.append(h.read())
    if sorted(bodies) != sorted(ondisk):
        fail("FETCH BODY[] differs from the files in %s" % maildir)
    subj = m.fetch("1:2", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")[1]
    text = b"".join(d[1] for d in subj if isinstance(d, tuple))
    if b"Subject: first" not in text or b"Subject: second" not in text:
        fail("FETCH HEADER.FIELDS (SUBJECT): %r" % subj)

    # SEARCH
    typ, data = m.search(None, "SUBJECT", "second")
    ok(typ, data, "SEARCH SUBJECT")
    hits = data[0].split()
    if len(hits) != 1:
        fail("SEARCH SUBJECT second: %r" % data)
    second = hits[0].decode()
    typ, data = m.search(None, "BODY", "nowhere-in-any-message")
    if typ != "OK" or data[0].split():
        fail("SEARCH BODY (no hit): %s %r" % (typ, data))

    # STORE: the flag reaches the file name (:2,...F)
    typ, data = m.store(second, "+FLAGS", "(\\Flagged)")
    ok(typ, data, "STORE +FLAGS")
    if b"\\Flagged" not in b"".join(x for x in data if x):
        fail("STORE +FLAGS answer: %r" % data)
    typ, data = m.fetch(second, "(FLAGS)")
    if b"\\Flagged" not in data[0]:
        fail("FETCH FLAGS after STORE: %r" % data)
    if not any(re.search(r":2,[A-Za-z]*F", f)
               for f in files(os.path.join(maildir, "cur"))):
        fail("no file with F in %s/cur: %r" %
             (maildir, files(os.path.join(maildir, "cur"))))

    # APPEND with \Seen: a file in cur/ with S
    msg = (b"From: <carol@test.example>\r\nTo: <alice@test.example>\r\n"
           b"Subject: appended\r\n\r\nappended by imaplib\r\n")
    typ, data = m.append("INBOX", "(\\Seen)", None, msg)
    ok(typ, data, "APPEND")
    typ, data = m.search(None, "SUBJECT", "appended")
    ok(typ, data, "SEARCH after APPEND")
    if len(data[0].split()) != 1:
        fail("SEARCH SUBJECT appended: %r" % data)
    appended = data[0].split()[0].decode()
    typ, data = m.fetch(appended, "(FLAGS BODY.PEEK[])")
    ok(typ, data, "FETCH appended")
    if data[0][1] != msg or b"\\Seen" not in data[0][0]:
        fail("FETCH of the appended message: %r" % data)
    # (stored with CRLF or LF line ends: both are Maildir practice)
    if not any(re.search(r":2,[A-Za-z]*S", f) and
               lf(open(os.path.join(maildir, "cur", f), "rb").read()) ==
               lf(msg) for f in files(os.path.join(maildir, "cur"))):
        fail("the appended message is not in %s/cur with S" % maildir)

    # MOVE to a new folder: gone from INBOX, in .Moved/ on disk
    typ, data = m.create("Moved")
    ok(typ, data, "CREATE Moved")
    typ, data = m._simple_command("MOVE", appended, "Moved")
    ok(typ, data, "MOVE")
    typ, data = m.search(None, "SUBJECT", "appended")
    if typ != "OK" or data[0].split():
        fail("SEARCH after MOVE still finds it: %r" % data)
    typ, data = m.status("Moved", "(MESSAGES)")
    ok(typ, data, "STATUS Moved")
    if b"MESSAGES 1" not in data[0]:
        fail("STATUS Moved: %r" % data)
    moved = all_files(os.path.join(maildir, ".Moved"))
    if len(moved) != 1:
        fail("%s/.Moved holds %r" % (maildir, moved))
    typ, data = m.select("INBOX")
    ok(typ, data, "SELECT INBOX again")
    if int(data[0]) != 2:
        fail("INBOX after MOVE: %r" % data)

    # IDLE: a delivery into new/ is announced
    n = idle_until_exists(m, WAIT, lambda: deliver(
        maildir, "%d.idle.test" % int(time.time()), "third", owner))
    if n != 3:
        fail("IDLE: EXISTS %r, expected 3" % n)
    typ, data = m.fetch("3", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    ok(typ, data, "FETCH 3")
    if b"Subject: third" not in data[0][1]:
        fail("FETCH 3: %r" % data)
    m.logout()


def idlewait(port, user, password, cafile, ready, subject):
    m = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=context(cafile),
                          timeout=WAIT)
    ok(*m.login(user, password), what="LOGIN")
    typ, data = m.select("INBOX")
    ok(typ, data, "SELECT INBOX")
    before = int(data[0])

    def say_ready():
        with open(ready + ".tmp", "w") as f:
            f.write("idling\n")
        os.rename(ready + ".tmp", ready)
    n = idle_until_exists(m, WAIT * 2, say_ready)
    if n is None or n != before + 1:
        fail("IDLE: EXISTS %r, expected %d" % (n, before + 1))
    typ, data = m.fetch(str(n), "(FLAGS BODY.PEEK[HEADER.FIELDS "
                        "(SUBJECT)])")
    ok(typ, data, "FETCH")
    flags = data[0][0]
    if subject.encode() not in data[0][1]:
        fail("FETCH %d: not the message: %r" % (n, data))
    if b"\\Seen" in flags:
        fail("the new message is \\Seen: %r" % flags)
    if b"\\Recent" not in flags:
        fail("the new message is not \\Recent: %r" % flags)
    sys.stdout.write("flags %s\n" % flags.decode())
    m.logout()


def main():
    a = sys.argv[1:]
    if len(a) == 6 and a[0] == "session":
        session(int(a[1]), a[2], a[3], a[4], a[5])
    elif len(a) == 7 and a[0] == "idlewait":
        idlewait(int(a[1]), a[2], a[3], a[4], a[5], a[6])
    else:
        fail("usage: see the top of imaptool.py")


if __name__ == "__main__":
    main()
