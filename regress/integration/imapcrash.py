#! /usr/bin/env python3
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

"""imapcrash.py COMMAND PORT USER PASS MAILDIR [ARGS]: python3 imaplib
client for imapd_crash_test (implicit TLS).  Each message carries a
Message-ID <seq-N@crash.test>; a state file maps UIDs to Message-IDs.
Exits non-zero, with the reason on stderr, when a check fails.  Every
socket has a timeout, every loop a bound.

  append N STATE [FIRST]
                      APPEND N messages (numbered from FIRST, 1), save
                      UIDVALIDITY and the UID map
  check STATE [old]   a fresh client: UIDs strictly increasing, no
                      duplicates, count == files in cur/+new/; with
                      "old": UIDVALIDITY same, every message of STATE
                      still present has its UID of STATE, no UID of STATE
                      names another message; STATE is rewritten
  same STATE          as check old, and nothing was lost or added
  drop N              write N messages in MAILDIR/cur (owner's uid)
  stress N            deliver N messages to new/ while two clients
                      STORE \\Deleted and EXPUNGE; then the checks
  expunge STATE       flag 3 of 4 messages \\Deleted, save the survivors,
                      send EXPUNGE, kill -9 the session (the imapd
                      process of the Maildir's owner) when the first
                      file leaves cur/, print "killed" and "sent"
  bigappend MB        start an APPEND of MB megabytes, send half of the
                      literal, print "sent" and wait to be killed
"""

import imaplib
import json
import os
import re
import ssl
import sys
import threading
import time

TIMEOUT = 30


def die(msg):
    sys.stderr.write("imapcrash: %s\n" % msg)
    sys.exit(1)


def connect(port, user, pw):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    m = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx,
                          timeout=TIMEOUT)
    m.login(user, pw)
    return m


def ok(res, what):
    if res[0] != "OK":
        die("%s: %s %r" % (what, res[0], res[1]))
    return res[1]


def message(n, size=0):
    body = b"x" * 70 + b"\r\n"
    text = (b"From: crash@test\r\nTo: alice@test\r\nSubject: crash %d\r\n"
            b"Message-ID: <seq-%d@crash.test>\r\n\r\nmessage %d\r\n"
            % (n, n, n))
    nl = size // len(body)
    return text + body * nl


def select(m):
    data = ok(m.select("INBOX"), "SELECT")
    return int(data[0])


def uidvalidity(m):
    typ, data = m.response("UIDVALIDITY")
    if not data or data[0] is None:
        die("no UIDVALIDITY in the SELECT")
    return int(data[0])


def uidmap(m, racing=False):
    """[(uid, msgid)] of the selected folder, in server order; None if
    racing and another client's EXPUNGE got in the way (RFC 5530
    EXPUNGEISSUED: the client is to NOOP and try again)."""
    typ, data = m.uid("FETCH", "1:*",
                      "(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    if racing and typ == "NO" and b"EXPUNGEISSUED" in b" ".join(
            d for d in data if isinstance(d, bytes)):
        return None
    if typ != "OK":
        die("UID FETCH: %s %r" % (typ, data))
    out = []
    for d in data:
        if not isinstance(d, tuple):
            continue
        mu = re.search(rb"UID (\d+)", d[0])
        mi = re.search(rb"<(seq-\d+)@crash.test>", d[1])
        if not mu:
            die("no UID in %r" % d[0])
        out.append((int(mu.group(1)),
                    mi.group(1).decode() if mi else "?"))
    return out


def files(maildir):
    n = 0
    for sub in ("cur", "new"):
        n += len([f for f in os.listdir(os.path.join(maildir, sub))
                  if not f.startswith(".")])
    return n


def verify(pairs, maildir, old, exact=False):
    """The checks on a fresh listing; old is the saved state or None."""
    uids = [u for u, _ in pairs]
    for a, b in zip(uids, uids[1:]):
        if b <= a:
            die("UIDs not strictly increasing: %d then %d" % (a, b))
    if len(set(uids)) != len(uids):
        die("duplicate UIDs")
    ids = [i for _, i in pairs]
    if len(set(ids)) != len(ids):
        die("a message appears twice: %r" % ids)
    nf = files(maildir)
    if nf != len(pairs):
        die("%d messages listed, %d files in cur/+new/" % (len(pairs), nf))
    if old is None:
        return
    byuid = {int(u): i for u, i in old["map"].items()}
    byid = {i: int(u) for u, i in old["map"].items()}
    for u, i in pairs:
        if u in byuid and byuid[u] != i:
            die("UID %d was %s, now %s (reused)" % (u, byuid[u], i))
        if i in byid and byid[i] != u:
            die("%s had UID %d, now %d" % (i, byid[i], u))
    for i in old.get("keep", []):
        if i not in ids:
            die("%s (not \\Deleted) is gone" % i)
    if "seq-0" in ids:
        die("the interrupted APPEND left a message")
    if exact and sorted(byuid) != sorted(uids):
        die("UIDs %r, expected %r" % (uids, sorted(byuid)))


def save(path, uv, pairs, keep=()):
    with open(path, "w") as f:
        json.dump({"uidvalidity": uv, "keep": list(keep),
                   "map": {str(u): i for u, i in pairs}}, f)


def load(path):
    with open(path) as f:
        return json.load(f)


def cmd_append(m, maildir, n, state, first):
    before = uidmap(m) if select(m) else []
    for k in range(first, first + n):
        ok(m.append("INBOX", None, None, message(k)), "APPEND")
    select(m)
    uv = uidvalidity(m)
    pairs = uidmap(m)
    verify(pairs, maildir, None)
    if len(pairs) != len(before) + n:
        die("%d messages after %d APPENDs to %d" %
            (len(pairs), n, len(before)))
    if pairs[:len(before)] != before:
        die("the APPENDs changed the older messages")
    if before and pairs[len(before)][0] <= before[-1][0]:
        die("an APPEND got UID %d, not above %d" %
            (pairs[len(before)][0], before[-1][0]))
    save(state, uv, pairs)
    st = ok(m.status("INBOX", "(UIDVALIDITY UIDNEXT MESSAGES)"), "STATUS")
    print("status %s" % st[0].decode())
    print("uidvalidity %d uids %s" % (uv, " ".join(str(u) for u, _ in
                                                    pairs)))


def cmd_check(m, maildir, state, mode):
    select(m)
    uv = uidvalidity(m)
    pairs = uidmap(m)
    old = load(state) if mode else None
    if old is not None and old["uidvalidity"] != uv:
        die("UIDVALIDITY %d, was %d" % (uv, old["uidvalidity"]))
    verify(pairs, maildir, old, exact=(mode == "same"))
    print("select OK messages %d uidvalidity %d" % (len(pairs), uv))
    save(state, uv, pairs)


def cmd_drop(maildir, n):
    st = os.stat(maildir)
    cur = os.path.join(maildir, "cur")
    now = int(time.time())
    for k in range(1, n + 1):
        p = os.path.join(cur, "%d.M%dP%d.crash:2," % (now, k, os.getpid()))
        with open(p, "wb") as f:
            f.write(message(k).replace(b"\r\n", b"\n"))
        os.chown(p, st.st_uid, st.st_gid)


def deliver(maildir, n, errs):
    st = os.stat(maildir)
    try:
        for k in range(1, n + 1):
            name = "%d.M%dP%d.crash" % (int(time.time()), k, os.getpid())
            t = os.path.join(maildir, "tmp", name)
            with open(t, "wb") as f:
                f.write(message(k).replace(b"\r\n", b"\n"))
            os.chown(t, st.st_uid, st.st_gid)
            os.rename(t, os.path.join(maildir, "new", name))
            time.sleep(0.02)
    except Exception as e:  # noqa: BLE001 (reported by the main thread)
        errs.append("deliver: %r" % e)


def worker(port, user, pw, who, done, seen, lock, errs):
    try:
        m = connect(port, user, pw)
        select(m)
        end = time.time() + 60
        for it in range(200):
            if time.time() > end:
                errs.append("client %d: out of time" % who)
                break
            finished = done.is_set()
            ok(m.noop(), "NOOP")
            pairs = uidmap(m, racing=True)
            if pairs is None:
                with lock:
                    seen["retries"] += 1
                continue
            with lock:
                for u, i in pairs:
                    if seen["uid"].setdefault(u, i) != i:
                        errs.append("client %d: UID %d was %s, now %s" %
                                    (who, u, seen["uid"][u], i))
                    if seen["id"].setdefault(i, u) != u:
                        errs.append("client %d: %s was UID %d, now %d" %
                                    (who, i, seen["id"][i], u))
            # expunge every fifth message, at most 2 a round
            victims = [u for u, i in pairs
                       if i != "?" and int(i[4:]) % 5 == who][:2]
            if victims:
                ok(m.uid("STORE", ",".join(str(u) for u in victims),
                         "+FLAGS.SILENT", "(\\Deleted)"), "UID STORE")
                ok(m.expunge(), "EXPUNGE")
            if finished:
                break
            time.sleep(0.01)
        m.logout()
    except BaseException as e:  # noqa: BLE001 (reported by the main thread)
        errs.append("client %d: %r" % (who, e))


def cmd_stress(port, user, pw, maildir, n):
    errs = []
    seen = {"uid": {}, "id": {}, "retries": 0}
    lock = threading.Lock()
    done = threading.Event()
    ws = [threading.Thread(target=worker, args=(port, user, pw, w, done,
                                                  seen, lock, errs))
          for w in (1, 2)]
    for w in ws:
        w.start()
    deliver(maildir, n, errs)
    done.set()
    for w in ws:
        w.join(90)
        if w.is_alive():
            errs.append("a client did not finish in 90s")
    if errs:
        die("; ".join(errs[:10]))
    m = connect(port, user, pw)
    select(m)
    pairs = uidmap(m)
    verify(pairs, maildir, None)
    for u, i in pairs:
        if i in seen["id"] and seen["id"][i] != u:
            die("%s was UID %d, now %d" % (i, seen["id"][i], u))
        if u in seen["uid"] and seen["uid"][u] != i:
            die("UID %d was %s, now %s (reused)" % (u, seen["uid"][u], i))
    left = [i for _, i in pairs]
    gone = [i for i in seen["id"] if i not in left]
    if not gone:
        die("nothing was expunged")
    for i in gone:
        if int(i[4:]) % 5 not in (1, 2):
            die("%s vanished without being expunged" % i)
    print("stress OK: %d delivered, %d seen, %d expunged, %d left, "
          "%d FETCH retried after EXPUNGEISSUED" %
          (n, len(seen["id"]), len(gone), len(pairs), seen["retries"]))
    m.logout()


def session_pid(maildir):
    """The imapd process running as the owner of maildir."""
    uid = os.stat(maildir).st_uid
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % p) as f:
                comm = f.read().strip()
            owner = os.stat("/proc/" + p).st_uid
        except OSError:
            continue
        if comm.startswith("imapd") and owner == uid:
            return int(p)
    die("no session process")


def cmd_expunge(m, maildir, state):
    select(m)
    uv = uidvalidity(m)
    pairs = uidmap(m)
    verify(pairs, maildir, None)
    dead = [u for u, i in pairs if int(i[4:]) % 4 != 0]
    live = [(u, i) for u, i in pairs if int(i[4:]) % 4 == 0]
    for k in range(0, len(dead), 200):
        ok(m.uid("STORE", ",".join(str(u) for u in dead[k:k + 200]),
                 "+FLAGS.SILENT", "(\\Deleted)"), "UID STORE")
    # every survivor; those flagged may or may not be gone after the kill
    save(state, uv, pairs, [i for _, i in live])
    # kill -9 the session as soon as the first file of cur/ goes
    pid = session_pid(maildir)
    cur = os.path.join(maildir, "cur")
    total = len(os.listdir(cur))
    m.send(b"X1 EXPUNGE\r\n")
    left = total
    for _ in range(20000):
        left = len(os.listdir(cur))
        if left < total:
            break
        time.sleep(0.001)
    os.kill(pid, 9)
    print("killed with %d of %d files in cur/" % (left, total), flush=True)
    print("sent", flush=True)
    m.sock.settimeout(TIMEOUT)
    try:
        while m.sock.recv(65536):
            pass
    except OSError:
        pass


def cmd_bigappend(m, mb):
    msg = message(0, mb * 1024 * 1024)
    m.send(b"X1 APPEND INBOX {%d}\r\n" % len(msg))
    line = m.readline()
    if not line.startswith(b"+"):
        die("no continuation: %r" % line)
    m.send(msg[:len(msg) // 2])
    print("sent", flush=True)
    try:
        while m.sock.recv(65536):
            pass
    except OSError:
        pass


def main():
    if len(sys.argv) < 6:
        die("usage: imapcrash.py COMMAND PORT USER PASS MAILDIR [ARGS]")
    cmd, port, user, pw, maildir = sys.argv[1:6]
    port = int(port)
    args = sys.argv[6:]
    if cmd == "drop":
        cmd_drop(maildir, int(args[0]))
        return
    if cmd == "stress":
        cmd_stress(port, user, pw, maildir, int(args[0]))
        return
    m = connect(port, user, pw)
    if cmd == "append":
        cmd_append(m, maildir, int(args[0]), args[1],
                   int(args[2]) if len(args) > 2 else 1)
    elif cmd == "check":
        cmd_check(m, maildir, args[0], args[1] if len(args) > 1 else "")
    elif cmd == "same":
        cmd_check(m, maildir, args[0], "same")
    elif cmd == "expunge":
        cmd_expunge(m, maildir, args[0])
        return
    elif cmd == "bigappend":
        cmd_bigappend(m, int(args[0]))
        return
    else:
        die("unknown command %s" % cmd)
    m.logout()


if __name__ == "__main__":
    main()
