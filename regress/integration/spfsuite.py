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

"""The RFC 7208 data-driven suite of spf_test (helper, not a test).

  spfsuite.py SMTPCTL WORKDIR FILE...

Each FILE (regress/integration/spf_data/*.spf) holds scenarios: a DNS
zone and cases checked against it.  For each scenario a dnsmasq on a free
port of 127.0.0.1 serves the zone (its pid in WORKDIR/dnsmasq.pid while it
runs; stopped after the scenario, also on error), and each case runs

  SMTPCTL spf check -f WORKDIR/smtpd.conf [--helo] IP HELO [SENDER]

with smtpd.conf holding "resolver 127.0.0.1@PORT" and "hostname
receiver.test" (macro %{r}).  Prints each failing case, then
"N/M cases pass"; exit 0 only if all pass.

Lines of a FILE (shell-like quoting, "#" comments):

  scenario NAME
  txt NAME STRING...            one TXT record of these strings ("\DDD"
                                in them is the octet DDD, as in a zone
                                file)
  a NAME ADDR...                A records (dns-rr: no PTR made for them)
  aaaa NAME ADDR...
  mx NAME PREF HOST
  ptr IP-OR-NAME TARGET         a PTR record
  rr NAME TYPE HEX              any record (e.g. type 99, SPF)
  servfail NAME                 NAME and below answer SERVFAIL
  inherit SCENARIO              the zone of an earlier scenario
  local DOMAIN                  dnsmasq answers for DOMAIN (NXDOMAIN
                                for what the zone lacks); the top-level
                                domains of every name in the zone and
                                the cases are local already
  case ID IP HELO SENDER RESULT [identity=helo] [explanation=TEXT]
       [lookups=N] [mechanism=TEXT]

SENDER "" is the null sender.  SERVFAIL comes from a small UDP responder
here that answers every query with SERVFAIL; dnsmasq forwards NAME to it
(server=/NAME/127.0.0.1#PORT).
"""

import ipaddress
import os
import re
import shlex
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

import free_port as free_port_py  # regress/integration/free_port.py


def free_port():
    p = free_port_py.free_port()
    if p is None:
        raise SystemExit("spfsuite: no free port")
    return p


class Servfail(threading.Thread):
    """Answers every UDP query on its port with SERVFAIL."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = False

    def run(self):
        while not self.stop:
            try:
                q, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            if len(q) < 12:
                continue
            qid, flags, qd = struct.unpack("!HHH", q[:6])
            # echo the question section (up to the end of the query)
            ans = struct.pack("!HHHHHH", qid, 0x8182 | (flags & 0x0100),
                              qd, 0, 0, 0) + q[12:]
            try:
                self.sock.sendto(ans, peer)
            except OSError:
                pass


def rev_name(text):
    try:
        return ipaddress.ip_address(text).reverse_pointer
    except ValueError:
        return text


def unescape(s):
    """"\\DDD" (decimal) is that octet; octets over 127 stay raw bytes."""
    def octet(m):
        v = int(m.group(1))
        if v > 255:
            raise ValueError("\\%s: not an octet" % m.group(1))
        return chr(v) if v < 128 else chr(0xdc00 + v)
    return re.sub(r"\\(\d{3})", octet, s)


def conf_quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Scenario:
    def __init__(self, name, where):
        self.name = name
        self.where = where
        self.lines = []         # dnsmasq configuration lines
        self.names = set()
        self.servfail = []
        self.cases = []

    def add(self, kind, args, where):
        if kind == "txt":
            if len(args) < 2:
                raise ValueError("txt NAME STRING...")
            self.names.add(args[0])
            self.lines.append("txt-record=%s,%s" % (
                args[0], ",".join(conf_quote(unescape(s))
                                  for s in args[1:])))
        elif kind in ("a", "aaaa"):
            fam = 4 if kind == "a" else 6
            for addr in args[1:]:
                ip = ipaddress.ip_address(addr)
                if ip.version != fam:
                    raise ValueError("%s: not IPv%d" % (addr, fam))
                self.lines.append("dns-rr=%s,%d,%s" % (
                    args[0], 1 if fam == 4 else 28, ip.packed.hex()))
            self.names.add(args[0])
        elif kind == "mx":
            self.lines.append("mx-host=%s,%s,%s" % (args[0], args[2],
                                                    args[1]))
            self.names.add(args[0])
        elif kind == "ptr":
            self.lines.append("ptr-record=%s,%s" % (rev_name(args[0]),
                                                    args[1]))
        elif kind == "rr":
            self.lines.append("dns-rr=%s,%s,%s" % (args[0], args[1],
                                                   args[2]))
            self.names.add(args[0])
        elif kind == "local":
            self.names.add("x." + args[0])
        elif kind == "servfail":
            self.servfail.append(args[0])
            self.names.add(args[0])
        elif kind == "case":
            if len(args) < 5:
                raise ValueError("case ID IP HELO SENDER RESULT ...")
            c = {"id": args[0], "ip": args[1], "helo": args[2],
                 "sender": args[3], "result": args[4], "where": where}
            for opt in args[5:]:
                k, _, v = opt.partition("=")
                if k not in ("identity", "explanation", "lookups",
                             "mechanism"):
                    raise ValueError("unknown case option " + k)
                c[k] = v
            self.cases.append(c)
            for n in (args[2], args[3].rpartition("@")[2]):
                if n:
                    self.names.add(n)
        else:
            raise ValueError("unknown line " + kind)


def load(path):
    scens = []
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for no, line in enumerate(f, 1):
            where = "%s:%d" % (os.path.basename(path), no)
            try:
                words = shlex.split(line, comments=True)
            except ValueError as e:
                raise SystemExit("%s: %s" % (where, e))
            if not words:
                continue
            if words[0] == "scenario":
                scens.append(Scenario(" ".join(words[1:]), where))
                continue
            if not scens:
                raise SystemExit("%s: no scenario yet" % where)
            if words[0] == "inherit":
                src = [s for s in scens if s.name == " ".join(words[1:])]
                if not src:
                    raise SystemExit("%s: no scenario %s" % (
                        where, " ".join(words[1:])))
                scens[-1].lines += src[0].lines
                scens[-1].names |= src[0].names
                scens[-1].servfail += src[0].servfail
                continue
            try:
                scens[-1].add(words[0], words[1:], where)
            except (ValueError, IndexError) as e:
                raise SystemExit("%s: %s" % (where, e))
    return scens


def query_ok(port):
    """dnsmasq answers (any rcode) a query for the root's NS."""
    q = struct.pack("!HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + \
        b"\x00" + struct.pack("!HH", 2, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.2)
    try:
        s.sendto(q, ("127.0.0.1", port))
        r, _ = s.recvfrom(4096)
        return r[:2] == b"\x42\x42"
    except OSError:
        return False
    finally:
        s.close()


def start_dnsmasq(sc, workdir, sf):
    """dnsmasq serving sc's zone on a free port: (process, port)."""
    tlds = set(n.rstrip(".").rpartition(".")[2].lower()
               for n in sc.names if n and not n.startswith("["))
    tlds.add("arpa")
    err = ""
    # a port found free may be taken before dnsmasq binds it: retry
    for _ in range(5):
        port = free_port()
        conf = ["port=%d" % port, "listen-address=127.0.0.1",
                "bind-interfaces", "no-resolv", "no-hosts", "no-negcache",
                "pid-file=%s/dnsmasq.pid" % workdir,
                "log-facility=%s/dnsmasq.log" % workdir, "log-queries"]
        conf += ["local=/%s/" % t for t in sorted(tlds) if t]
        conf += ["server=/%s/127.0.0.1#%d" % (n, sf.port)
                 for n in sc.servfail]
        conf += sc.lines
        dconf = os.path.join(workdir, "dnsmasq.conf")
        with open(dconf, "w", encoding="utf-8",
                  errors="surrogateescape") as f:
            f.write("\n".join(conf) + "\n")
        errpath = os.path.join(workdir, "dnsmasq.err")
        with open(errpath, "w") as errf:
            proc = subprocess.Popen(["dnsmasq", "--keep-in-foreground",
                                     "--conf-file=" + dconf],
                                    stdout=subprocess.DEVNULL, stderr=errf)
        for _ in range(100):
            if proc.poll() is not None or query_ok(port):
                break
            time.sleep(0.05)
        if proc.poll() is None and query_ok(port):
            return proc, port
        stop_dnsmasq(proc, workdir)
        with open(errpath) as f:
            err = f.read()
    raise SystemExit("spfsuite: dnsmasq for scenario %s (%s) did not "
                     "start: %s" % (sc.name, sc.where, err))


def stop_dnsmasq(proc, workdir):
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    try:
        os.unlink(os.path.join(workdir, "dnsmasq.pid"))
    except OSError:
        pass


def run_scenario(sc, smtpctl, workdir, sf):
    proc, port = start_dnsmasq(sc, workdir, sf)
    failures = []
    try:
        with open(os.path.join(workdir, "smtpd.conf"), "w") as f:
            f.write("hostname receiver.test\nresolver 127.0.0.1@%d\n" %
                    port)
        for c in sc.cases:
            failures += run_case(c, sc, smtpctl, workdir)
    finally:
        stop_dnsmasq(proc, workdir)
    return failures


def run_case(c, sc, smtpctl, workdir):
    argv = [smtpctl, "spf", "check", "-f",
            os.path.join(workdir, "smtpd.conf")]
    helo_id = c.get("identity") == "helo"
    if helo_id:
        argv.append("--helo")
    argv += ["--", c["ip"], c["helo"]]
    if not helo_id or c["sender"]:
        argv.append(c["sender"])
    try:
        p = subprocess.run(argv, capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        return ["%s [%s] %s: smtpctl timed out" % (c["id"], sc.name,
                                                   c["where"])]
    out = p.stdout.decode("utf-8", "replace")
    got = {}
    lines = out.splitlines()
    if lines and lines[0].startswith("spf="):
        got["result"] = lines[0].split()[0][4:]
    for ln in lines[1:]:
        k, _, v = ln.partition(": ")
        got[k] = v
    problems = []
    if p.returncode != 0:
        problems.append("exit %d" % p.returncode)
    if got.get("result") != c["result"]:
        problems.append("result %s, expected %s" % (got.get("result"),
                                                     c["result"]))
    if "explanation" in c and got.get("explanation", "") != \
            c["explanation"]:
        problems.append("explanation %r, expected %r" % (
            got.get("explanation", ""), c["explanation"]))
    if "lookups" in c and got.get("lookups") != c["lookups"]:
        problems.append("lookups %s, expected %s" % (got.get("lookups"),
                                                      c["lookups"]))
    if "mechanism" in c and got.get("mechanism") != c["mechanism"]:
        problems.append("mechanism %r, expected %r" % (
            got.get("mechanism"), c["mechanism"]))
    if not problems:
        return []
    return ["%s [%s] %s: %s\n    $ %s\n%s%s" % (
        c["id"], sc.name, c["where"], "; ".join(problems),
        " ".join(shlex.quote(a) for a in argv[1:]),
        "".join("    | " + ln + "\n" for ln in lines),
        "".join("    ! " + ln + "\n" for ln in
                p.stderr.decode("utf-8", "replace").splitlines()))]


def main():
    if len(sys.argv) < 4:
        raise SystemExit("usage: spfsuite.py SMTPCTL WORKDIR FILE...")
    smtpctl, workdir = sys.argv[1], sys.argv[2]
    scens = []
    for path in sys.argv[3:]:
        scens += load(path)
    total = sum(len(s.cases) for s in scens)
    sf = Servfail()
    sf.start()
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    failures = []
    try:
        for sc in scens:
            failures += run_scenario(sc, smtpctl, workdir, sf)
    finally:
        sf.stop = True
    for f in failures:
        print("FAIL " + f)
    print("%d/%d cases pass" % (total - len(failures), total))
    sys.exit(0 if not failures and total > 0 else 1)


if __name__ == "__main__":
    main()
