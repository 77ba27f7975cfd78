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

# imapsession.py -- drives one "imapd -s ROOT" session (PREAUTH on stdin
# and stdout) through a scenario for imapd_session_test.sh:
#
#	imapsession.py SCENARIO IMAPD_COMMAND... -- ROOT
#
# Every read is bounded (WAIT seconds); a failed expectation prints what
# was sent and received and exits 1.

import os
import re
import select
import subprocess
import sys
import time

WAIT = float(os.environ.get("CARTERO_TEST_WAIT", "20"))
MSG = (b"From: Alice <alice@example.org>\r\nTo: bob@example.org\r\n"
       b"Subject: test %d\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\n"
       b"Message-ID: <m%d@example.org>\r\n\r\nHello %d.\r\n")


class Fail(Exception):
    pass


class Imap:
    def __init__(self, argv, root):
        self.root = root
        self.argv = argv
        self.err = open("imapd.stderr", "ab")
        self.p = subprocess.Popen(argv + [root], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=self.err)
        self.buf = b""
        self.ntag = 0
        self.log = []

    def fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise Fail("timeout; transcript:\n" + self.transcript())
        r, _, _ = select.select([self.p.stdout], [], [], left)
        if not r:
            raise Fail("timeout; transcript:\n" + self.transcript())
        data = os.read(self.p.stdout.fileno(), 65536)
        if not data:
            raise Fail("EOF from imapd; transcript:\n" + self.transcript())
        self.buf += data

    def line(self, wait=WAIT):
        """One response line, literals included."""
        deadline = time.monotonic() + wait
        out = b""
        while True:
            while b"\r\n" not in self.buf:
                self.fill(deadline)
            i = self.buf.index(b"\r\n")
            part, self.buf = self.buf[:i], self.buf[i + 2:]
            out += part
            m = re.search(rb"\{(\d+)\}$", part)
            if not m:
                break
            n = int(m.group(1))
            while len(self.buf) < n:
                self.fill(deadline)
            out += b"\r\n" + self.buf[:n]
            self.buf = self.buf[n:]
        self.log.append(b"S: " + out)
        return out

    def send(self, data):
        self.log.append(b"C: " + data.rstrip(b"\r\n"))
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def tag(self):
        self.ntag += 1
        return b"t%d" % self.ntag

    def cmd(self, text, expect=b"OK", literals=()):
        """Send a command (literals sent after each "+"), return
        (untagged lines, tagged line); check the tagged status."""
        t = self.tag()
        if isinstance(text, str):
            text = text.encode()
        self.send(t + b" " + text + b"\r\n")
        for lit in literals:
            ln = self.line()
            if not ln.startswith(b"+"):
                raise Fail("no continuation: %r\n%s" % (ln,
                           self.transcript()))
            self.send(lit)
        unt = []
        while True:
            ln = self.line()
            if ln.startswith(t + b" "):
                st = ln.split(b" ", 2)[1]
                if expect is not None and st != expect:
                    raise Fail("%r: expected %r, got %r\n%s" % (
                        text, expect, ln, self.transcript()))
                return unt, ln
            unt.append(ln)

    def transcript(self):
        return "\n".join(x.decode("utf-8", "replace")[:300]
                         for x in self.log[-60:])

    def close(self):
        try:
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        try:
            rc = self.p.wait(WAIT)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise Fail("imapd did not exit after EOF")
        self.err.close()
        return rc


def has(lines, pat):
    return any(re.search(pat, ln) for ln in lines)


def need(lines, pat, what=None):
    if not has(lines, pat):
        raise Fail("%s: no %r in\n%s" % (what or "reply", pat,
                   "\n".join(x.decode("utf-8", "replace")
                             for x in lines)))


def deliver(root, folder, name, data):
    """Deliver a file into folder/new as smtpd does: tmp/ then rename."""
    d = root if folder == "INBOX" else os.path.join(root, "." + folder)
    tmp = os.path.join(d, "tmp", name)
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, os.path.join(d, "new", name))


def t_greeting(s):
    g = s.line()
    if not g.startswith(b"* PREAUTH"):
        raise Fail("greeting %r" % g)
    for c in (b"IMAP4rev1", b"IMAP4rev2", b"IDLE", b"LITERAL+",
              b"APPENDLIMIT=", b"UIDPLUS", b"SPECIAL-USE"):
        if c not in g:
            raise Fail("greeting lacks %r: %r" % (c, g))
    unt, _ = s.cmd("CAPABILITY")
    need(unt, rb"^\* CAPABILITY IMAP4rev1 .*ENABLE", "CAPABILITY")
    if has(unt, rb"STARTTLS|AUTH=|LOGINDISABLED"):
        raise Fail("pre-auth capabilities after auth: %r" % unt)
    unt, _ = s.cmd("NOOP")
    unt, _ = s.cmd('ID ("name" "test")')
    need(unt, rb'^\* ID \(.*"cartero"')
    unt, _ = s.cmd("NAMESPACE")
    need(unt, rb'^\* NAMESPACE \(\("" "/"\)\) NIL NIL$')
    unt, _ = s.cmd("LOGOUT")
    need(unt, rb"^\* BYE")
    if s.close() != 0:
        raise Fail("imapd -s exit status after LOGOUT")


def t_list(s):
    s.line()
    unt, _ = s.cmd('LIST "" ""')
    need(unt, rb'^\* LIST \(\\Noselect\) "/" ""$')
    unt, _ = s.cmd('LIST "" "*"')
    need(unt, rb'^\* LIST \([^)]*\) "/" "?INBOX"?$')
    for f, su in (("Sent", "Sent"), ("Drafts", "Drafts"),
                  ("Trash", "Trash"), ("Junk", "Junk"),
                  ("Archive", "Archive")):
        need(unt, (r'^\* LIST \([^)]*\\%s[^)]*\) "/" "?%s"?$' %
                   (su, f)).encode(), "LIST *")
    unt, _ = s.cmd('LIST (SPECIAL-USE) "" "*"')
    if has(unt, rb'"?INBOX"?$') or len(unt) != 5:
        raise Fail("LIST (SPECIAL-USE): %r" % unt)
    unt, _ = s.cmd('LIST "" "%" RETURN (STATUS (MESSAGES UIDNEXT))')
    need(unt, rb'^\* STATUS "?INBOX"? \(MESSAGES 0 UIDNEXT \d+\)$')
    unt, _ = s.cmd('LIST "" "nomatch*"')
    if unt:
        raise Fail("LIST nomatch*: %r" % unt)
    unt, _ = s.cmd('LIST "" "inbox"')
    need(unt, rb'"?INBOX"?$')
    s.cmd("LIST", expect=b"BAD")
    s.cmd('LIST (BOGUS) "" "*"', expect=b"BAD")
    s.cmd("LOGOUT")
    s.close()


def t_folders(s):
    s.line()
    s.cmd("CREATE Work/Project")
    unt, _ = s.cmd('LIST "" "Work*"')
    need(unt, rb'\\HasChildren[^"]*"/" "?Work"?$')
    need(unt, rb'\\HasNoChildren[^"]*"/" "?Work/Project"?$')
    unt, _ = s.cmd('LIST "" "%"')
    if has(unt, rb"Work/Project"):
        raise Fail("%% matched below the separator: %r" % unt)
    s.cmd("CREATE Work/Project", expect=b"NO")
    s.cmd("CREATE INBOX", expect=b"NO")
    s.cmd("DELETE INBOX", expect=b"NO")
    s.cmd("RENAME Work/Project Work/Done")
    unt, _ = s.cmd('LIST "" "Work/*"')
    need(unt, rb'"?Work/Done"?$')
    if has(unt, rb"Project"):
        raise Fail("RENAME left the old name: %r" % unt)
    s.cmd("DELETE Work/Done")
    s.cmd("DELETE Work/Done", expect=b"NO")
    s.cmd("CREATE Spam (USE (\\Bogus))", expect=b"NO")
    s.cmd("SUBSCRIBE Work")
    unt, _ = s.cmd('LSUB "" "*"')
    need(unt, rb'^\* LSUB \([^)]*\) "/" "?Work"?$')
    unt, _ = s.cmd('LIST (SUBSCRIBED) "" "W*"')
    need(unt, rb'\\Subscribed[^"]*"/" "?Work"?$')
    s.cmd("UNSUBSCRIBE Work")
    unt, _ = s.cmd('LSUB "" "Work"')
    if unt:
        raise Fail("UNSUBSCRIBE: %r" % unt)
    # modified UTF-7 names round-trip
    s.cmd('CREATE "Caf&AOk-"')
    unt, _ = s.cmd('LIST "" "Caf*"')
    need(unt, rb'"?Caf&AOk-"?$')
    s.cmd("STATUS Nope (MESSAGES)", expect=b"NO")
    s.cmd("STATUS INBOX (BOGUS)", expect=b"BAD")
    s.cmd("LOGOUT")
    s.close()


def t_append(s):
    s.line()
    m1, m2, m3, m4 = (MSG % (i, i, i) for i in range(1, 5))
    # a synchronizing literal: "+" first
    _, ok = s.cmd(b'APPEND INBOX (\\Seen) "07-Dec-2026 10:00:00 +0000" '
                  b'{%d}' % len(m1), literals=[m1 + b"\r\n"])
    m = re.search(rb"\[APPENDUID (\d+) (\d+)\]", ok)
    if not m:
        raise Fail("no APPENDUID: %r" % ok)
    uidv, uid1 = m.group(1), int(m.group(2))
    # LITERAL+: no "+"
    _, ok = s.cmd(b"APPEND INBOX {%d+}\r\n%s" % (len(m2), m2))
    need([ok], rb"\[APPENDUID %s %d\]" % (uidv, uid1 + 1))
    # MULTIAPPEND, two messages in one command
    _, ok = s.cmd(b"APPEND INBOX (\\Flagged) {%d+}\r\n%s {%d+}\r\n%s" %
                  (len(m3), m3, len(m4), m4))
    need([ok], rb"\[APPENDUID %s %d:%d\]" % (uidv, uid1 + 2, uid1 + 3))
    _, no = s.cmd(b"APPEND Nope {%d+}\r\n%s" % (len(m1), m1),
                  expect=b"NO")
    need([no], rb"\[TRYCREATE\]")
    s.cmd(b"APPEND INBOX (\\Recent) {%d+}\r\n%s" % (len(m1), m1),
          expect=b"BAD")
    unt, _ = s.cmd("STATUS INBOX (MESSAGES UNSEEN UIDNEXT UIDVALIDITY "
                   "SIZE DELETED)")
    need(unt, rb"MESSAGES 4 ")
    need(unt, rb"UNSEEN 3 ")
    need(unt, rb"UIDNEXT %d " % (uid1 + 4))
    need(unt, rb"UIDVALIDITY %s " % uidv)
    need(unt, rb"DELETED 0")
    unt, ok = s.cmd("SELECT INBOX")
    need(unt, rb"^\* 4 EXISTS$")
    need(unt, rb"^\* OK \[UIDVALIDITY %s\]" % uidv)
    need(unt, rb"^\* OK \[UIDNEXT %d\]" % (uid1 + 4))
    need(unt, rb"^\* FLAGS \(")
    need(unt, rb"^\* OK \[PERMANENTFLAGS \(")
    need([ok], rb"\[READ-WRITE\]")
    unt, ok = s.cmd("EXAMINE INBOX")
    need(unt, rb"^\* OK \[CLOSED\]")
    need([ok], rb"\[READ-ONLY\]")
    s.cmd("EXPUNGE", expect=b"NO")
    s.cmd("LOGOUT")
    s.close()
    files = os.listdir(os.path.join(s.root, "cur"))
    if len(files) != 4 or not any(f.endswith(":2,S") for f in files):
        raise Fail("cur/ after APPEND: %r" % files)


def t_expunge(s):
    s.line()
    for i in range(1, 6):
        fl = b"(\\Deleted) " if i in (2, 4) else b""
        m = MSG % (i, i, i)
        s.cmd(b"APPEND INBOX %s{%d+}\r\n%s" % (fl, len(m), m))
    unt, _ = s.cmd("SELECT INBOX")
    need(unt, rb"^\* 5 EXISTS$")
    unt, _ = s.cmd("EXPUNGE")
    exp = [int(x.split()[1]) for x in unt
           if re.match(rb"^\* \d+ EXPUNGE$", x)]
    # any order is right if, applied in turn, it removes messages 2 and 4
    view = [1, 2, 3, 4, 5]
    for n in exp:
        if n < 1 or n > len(view):
            raise Fail("EXPUNGE out of range: %r" % unt)
        del view[n - 1]
    if view != [1, 3, 5]:
        raise Fail("EXPUNGE responses %r leave %r" % (unt, view))
    # one more, then CLOSE expunges silently
    m = MSG % (9, 9, 9)
    unt, _ = s.cmd(b"APPEND INBOX (\\Deleted) {%d+}\r\n%s" % (len(m), m))
    need(unt, rb"^\* 4 EXISTS$", "EXISTS after APPEND to the selection")
    unt, _ = s.cmd("CLOSE")
    if has(unt, rb"EXPUNGE"):
        raise Fail("CLOSE sent EXPUNGE: %r" % unt)
    unt, _ = s.cmd("STATUS INBOX (MESSAGES DELETED)")
    need(unt, rb"MESSAGES 3 DELETED 0")
    s.cmd("CLOSE", expect=b"BAD")
    s.cmd("LOGOUT")
    s.close()
    err = open("imapd.stderr", "rb").read()
    if not re.search(rb"imap logout user=\S+ peer=stdin commands=\d+ "
                     rb".*appended=6 .*expunged=3", err):
        raise Fail("logout log line: %r" % err[-500:])


def t_idle(s):
    s.line()
    unt, _ = s.cmd("SELECT INBOX")
    need(unt, rb"^\* 0 EXISTS$")
    t = s.tag()
    s.send(t + b" IDLE\r\n")
    ln = s.line()
    if not ln.startswith(b"+ "):
        raise Fail("IDLE: %r" % ln)
    start = time.monotonic()
    deliver(s.root, "INBOX", "%d.M1P1.test" % int(time.time()),
            MSG % (1, 1, 1))
    seen = []
    while True:
        ln = s.line()
        seen.append(ln)
        if ln == b"* 1 EXISTS":
            break
    took = time.monotonic() - start
    sys.stderr.write("IDLE: new mail announced after %.3f s\n" % took)
    s.send(b"DONE\r\n")
    while True:
        ln = s.line()
        if ln.startswith(t + b" "):
            break
    if not ln.startswith(t + b" OK"):
        raise Fail("DONE: %r" % ln)
    # anything but DONE ends IDLE with BAD
    t = s.tag()
    s.send(t + b" IDLE\r\n")
    s.line()
    s.send(b"NOPE\r\n")
    while True:
        ln = s.line()
        if ln.startswith(t + b" "):
            break
    if not ln.startswith(t + b" BAD"):
        raise Fail("IDLE then NOPE: %r" % ln)
    s.cmd("NOOP")
    s.cmd("LOGOUT")
    s.close()


def t_qresync(s):
    s.line()
    s.cmd("SELECT INBOX (QRESYNC (1 1))", expect=b"BAD")
    unt, _ = s.cmd("ENABLE QRESYNC")
    need(unt, rb"^\* ENABLED QRESYNC$")
    for i in range(1, 6):
        fl = b"(\\Deleted) " if i in (2, 3) else b""
        m = MSG % (i, i, i)
        s.cmd(b"APPEND INBOX %s{%d+}\r\n%s" % (fl, len(m), m))
    unt, _ = s.cmd("SELECT INBOX")
    uidv = re.search(rb"UIDVALIDITY (\d+)", b"\n".join(unt)).group(1)
    hms = re.search(rb"HIGHESTMODSEQ (\d+)", b"\n".join(unt))
    if not hms:
        raise Fail("no HIGHESTMODSEQ: %r" % unt)
    uids = re.search(rb"UIDNEXT (\d+)", b"\n".join(unt))
    top = int(uids.group(1)) - 1
    first = top - 4
    unt, ok = s.cmd("EXPUNGE")
    need(unt, rb"^\* VANISHED %d:%d$" % (first + 1, first + 2))
    if has(unt, rb"EXPUNGE$"):
        raise Fail("EXPUNGE sent with QRESYNC: %r" % unt)
    need([ok], rb"\[HIGHESTMODSEQ \d+\]")
    s.cmd("UNSELECT")
    unt, _ = s.cmd("SELECT INBOX (QRESYNC (%s %s %d:%d))" %
                   (uidv.decode(), hms.group(1).decode(), first, top))
    need(unt, rb"^\* VANISHED \(EARLIER\) %d:%d$" % (first + 1, first + 2))
    # a wrong UIDVALIDITY: no VANISHED
    s.cmd("UNSELECT")
    unt, _ = s.cmd("SELECT INBOX (QRESYNC (%d 1))" % (int(uidv) + 1))
    if has(unt, rb"VANISHED"):
        raise Fail("VANISHED with a stale UIDVALIDITY: %r" % unt)
    s.cmd("LOGOUT")
    s.close()


def t_garbage(s):
    s.line()
    s.cmd("BLAH", expect=b"BAD")
    s.cmd("FETCH 1 FLAGS", expect=b"BAD")
    s.cmd("LOGIN a b", expect=b"BAD")
    s.cmd("UID NOOP", expect=b"BAD")
    s.cmd("SELECT", expect=b"BAD")
    s.cmd('SELECT "unterminated', expect=b"BAD")
    s.cmd("ENABLE", expect=b"BAD")
    s.send(b"\r\n")
    s.send(b"\x00\xff\xfe junk \x01\r\n")
    s.send(b"()(\r\n")
    # a line far over the limit
    s.send(b"t900 NOOP " + b"x" * 200000 + b"\r\n")
    seen = []
    while True:
        ln = s.line()
        seen.append(ln)
        if ln.startswith(b"t900 "):
            break
    if not ln.startswith(b"t900 BAD"):
        raise Fail("over-long line: %r" % seen)
    for ln in seen[:-1]:
        if not re.match(rb"^\* BAD|^[^ ]* BAD", ln):
            raise Fail("garbage answered %r" % ln)
    # a literal over the APPENDLIMIT is refused before it is sent
    s.send(b"t901 APPEND INBOX {999999999999}\r\n")
    ln = s.line()
    if not re.match(rb"^t901 (NO|BAD)", ln):
        raise Fail("huge literal: %r" % ln)
    s.cmd("NOOP")
    s.cmd("LOGOUT")
    s.close()


def t_bigfetch(s):
    """A reply of several MB: the FETCH suspends above CONN_OUT_HIWAT and
    resumes as the client reads; all of it arrives, in order."""
    s.line()
    bodies = []
    for i in range(6):
        body = (MSG % (i, i, i)) + (b"%d" % i) * 900000 + b"\r\n"
        bodies.append(body)
        s.cmd(b"APPEND INBOX {%d+}\r\n%s" % (len(body), body))
    s.cmd("SELECT INBOX")
    unt, _ = s.cmd("FETCH 1:* (BODY.PEEK[])")
    got = []
    for ln in unt:
        m = re.match(rb"^\* (\d+) FETCH \(.*BODY\[\] \{(\d+)\}\r\n",
                     ln, re.S)
        if m:
            n = int(m.group(2))
            got.append(ln[m.end():m.end() + n])
    if got != bodies:
        raise Fail("FETCH of %d bodies got %d, sizes %r" % (
            len(bodies), len(got), [len(g) for g in got]))
    # pipelined: the replies come in order, tags and all
    s.send(b"".join(b"p%d NOOP\r\n" % i for i in range(200)))
    for i in range(200):
        while True:
            ln = s.line()
            if ln.startswith(b"p%d " % i):
                break
            if re.match(rb"^p\d+ ", ln):
                raise Fail("pipelined reply out of order: %r" % ln)
    s.cmd("LOGOUT")
    s.close()
    err = open("imapd.stderr", "rb").read()
    m = re.search(rb"fetched=(\d+)", err)
    if not m or int(m.group(1)) < sum(len(b) for b in bodies):
        raise Fail("logout line fetched bytes: %r" % err[-300:])


def t_rev2(s):
    s.line()
    m = MSG % (1, 1, 1)
    s.cmd(b"APPEND INBOX {%d+}\r\n%s" % (len(m), m))
    unt, _ = s.cmd("ENABLE IMAP4rev2 CONDSTORE BOGUS")
    need(unt, rb"^\* ENABLED IMAP4rev2 CONDSTORE$")
    unt, _ = s.cmd("ENABLE IMAP4rev2")
    need(unt, rb"^\* ENABLED$")
    unt, ok = s.cmd("SELECT INBOX")
    if has(unt, rb"RECENT|UNSEEN"):
        raise Fail("IMAP4rev2 SELECT: %r" % unt)
    need(unt, rb"^\* 1 EXISTS$")
    need(unt, rb"HIGHESTMODSEQ")
    s.cmd("ENABLE QRESYNC", expect=b"BAD")
    # UTF-8 names without modified UTF-7
    s.cmd('CREATE "Caf\xc3\xa9"'.encode("latin-1"))
    unt, _ = s.cmd('LIST "" "Caf*"')
    need(unt, '"Caf\xc3\xa9"$'.encode("latin-1"))
    unt, _ = s.cmd('STATUS INBOX (MESSAGES HIGHESTMODSEQ SIZE)')
    need(unt, rb"\(MESSAGES 1 SIZE \d+ HIGHESTMODSEQ \d+\)")
    unt, _ = s.cmd("GETQUOTAROOT INBOX")
    need(unt, rb"^\* QUOTAROOT INBOX$")
    s.cmd('GETQUOTA ""', expect=b"NO")
    s.cmd("GETQUOTAROOT Nope", expect=b"NO")
    s.cmd("CREATE Old (USE (\\Archive))")
    unt, _ = s.cmd('LIST "" "Old"')
    need(unt, rb"\\Archive")
    s.cmd("SUBSCRIBE Old/Sub")
    unt, _ = s.cmd('LIST (SUBSCRIBED RECURSIVEMATCH) "" "%" '
                   'RETURN (CHILDREN)')
    need(unt, rb'^\* LIST \([^)]*\) "/" "?Old"? \("CHILDINFO" '
              rb'\("SUBSCRIBED"\)\)$')
    s.cmd("UID EXPUNGE 1:*")
    s.cmd("UID EXPUNGE x", expect=b"BAD")
    s.cmd("LOGOUT")
    s.close()


def t_imaplib(s):
    """python's imaplib, a real client, over the same stdin/stdout."""
    import imaplib
    s.p.kill()
    s.p.wait()
    cmd = " ".join(a for a in s.argv) + " " + s.root + " 2>>imapd.stderr"
    m = imaplib.IMAP4_stream(cmd)
    if m.state != "AUTH":
        raise Fail("imaplib state %r after PREAUTH" % m.state)
    typ, data = m.list()
    if typ != "OK" or not any(b"\\Sent" in d for d in data):
        raise Fail("imaplib LIST %r %r" % (typ, data))
    msg = MSG % (7, 7, 7)
    typ, data = m.append("INBOX", r"(\Flagged)",
                         imaplib.Time2Internaldate(time.time()), msg)
    if typ != "OK" or b"APPENDUID" not in data[0]:
        raise Fail("imaplib APPEND %r %r" % (typ, data))
    typ, data = m.select("INBOX")
    if typ != "OK" or data != [b"1"]:
        raise Fail("imaplib SELECT %r %r" % (typ, data))
    typ, data = m.fetch("1", "(FLAGS BODY.PEEK[])")
    if typ != "OK" or data[0][1] != msg or b"\\Flagged" not in data[0][0]:
        raise Fail("imaplib FETCH %r %r" % (typ, data))
    typ, data = m.store("1", "+FLAGS", r"(\Deleted)")
    if typ != "OK":
        raise Fail("imaplib STORE %r %r" % (typ, data))
    typ, data = m.expunge()
    if typ != "OK" or data != [b"1"]:
        raise Fail("imaplib EXPUNGE %r %r" % (typ, data))
    typ, data = m.status("INBOX", "(MESSAGES)")
    if typ != "OK" or b"MESSAGES 0" not in data[0]:
        raise Fail("imaplib STATUS %r %r" % (typ, data))
    m.logout()


def t_twosessions(s):
    """What one session does, the other is told of at its next command
    that allows it: flags, new messages, expunges (not during FETCH)."""
    s.line()
    for i in range(1, 4):
        m = MSG % (i, i, i)
        s.cmd(b"APPEND INBOX {%d+}\r\n%s" % (len(m), m))
    b = Imap(s.argv, s.root)
    try:
        b.line()
        s.cmd("SELECT INBOX")
        unt, _ = b.cmd("SELECT INBOX")
        need(unt, rb"^\* 3 EXISTS$")
        s.cmd("STORE 2 +FLAGS (\\Flagged)")
        unt, _ = b.cmd("NOOP")
        need(unt, rb"^\* 2 FETCH \(.*FLAGS \([^)]*\\Flagged", "B told")
        m = MSG % (4, 4, 4)
        s.cmd(b"APPEND INBOX {%d+}\r\n%s" % (len(m), m))
        unt, _ = b.cmd("CHECK")
        need(unt, rb"^\* 4 EXISTS$", "B told of the APPEND")
        s.cmd("STORE 1 +FLAGS.SILENT (\\Deleted)")
        s.cmd("EXPUNGE")
        # no EXPUNGE during a FETCH without UID (RFC 9051 7.5.1)
        unt, _ = b.cmd("FETCH 1 (FLAGS)")
        if has(unt, rb"EXPUNGE"):
            raise Fail("EXPUNGE sent during FETCH: %r" % unt)
        unt, _ = b.cmd("NOOP")
        need(unt, rb"^\* 1 EXPUNGE$", "B told of the EXPUNGE")
        unt, _ = b.cmd("UID FETCH 1:* (FLAGS)")
        if len([x for x in unt if b" FETCH " in x]) != 3:
            raise Fail("B's view after the expunge: %r" % unt)
        # a delivery seen at NOOP, not only in IDLE
        deliver(s.root, "INBOX", "%d.M2P2.test" % int(time.time()),
                MSG % (5, 5, 5))
        unt, _ = b.cmd("NOOP")
        need(unt, rb"^\* 4 EXISTS$", "B told of the delivery")
        b.cmd("LOGOUT")
        b.close()
    finally:
        if b.p.poll() is None:
            b.p.kill()
            b.p.wait()
    s.cmd("LOGOUT")
    s.close()


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


if __name__ == "__main__":
    main()
