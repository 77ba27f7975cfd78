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

"""dkimref.py -- python3-dkim (dkimpy) on the messages and keys that
build/bench/dkimbench -w DIR wrote: the reference figures of make bench's
"dkim" part, in the same table form (messages/s, CPU microseconds per
message).

    python3 bench/dkimref.py DIR [-n count] [-t seconds]

Signing is dkim.sign() (relaxed/relaxed, the header fields of the
message but those dkimpy will not sign, From oversigned), verifying dkim.verify() with the key
record given by a dnsfunc (no DNS).  Each run stops after count messages
(default 200) or seconds (default 2), whichever comes first.  Every
verification must pass.  SECURITY: a benchmark; no network.
"""

import os
import resource
import sys
import time

try:
    import dkim
except ImportError:
    print("dkimpy: python3-dkim is not installed", file=sys.stderr)
    sys.exit(2)


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def measure(fn, count, secs):
    n = 0
    w0, c0 = time.monotonic(), cpu()
    while n < count and time.monotonic() - w0 < secs:
        fn()
        n += 1
    return n, time.monotonic() - w0, cpu() - c0


def version():
    try:
        from importlib.metadata import version as v
        return v("dkimpy")
    except Exception:
        return "?"


def main():
    args = sys.argv[1:]
    if not args:
        print("usage: dkimref.py DIR [-n count] [-t seconds]",
              file=sys.stderr)
        sys.exit(2)
    d = args.pop(0)
    count, secs = 200, 2.0
    while args:
        opt = args.pop(0)
        if opt == "-n" and args:
            count = max(1, min(int(args.pop(0)), 100000))
        elif opt == "-t" and args:
            secs = max(1.0, min(float(args.pop(0)), 600.0))
        else:
            print("dkimref.py: bad option " + opt, file=sys.stderr)
            sys.exit(2)

    def rd(name):
        with open(os.path.join(d, name), "rb") as f:
            return f.read()

    keys = [
        (b"rsa-sha256", rd("rsa.pem"), rd("rsa.txt").strip()),
        (b"ed25519-sha256", rd("ed25519.seed").strip(),
         rd("ed25519.txt").strip()),
    ]
    msgs = [("4KB", rd("msg-4KB.eml")), ("100KB", rd("msg-100KB.eml"))]
    print("dkimpy (python3-dkim %s) on the same messages, at most %d "
          "messages or %.0f s per run" %
          (version(), count, secs))
    print("%-7s %-15s %-6s %7s %10s %12s %12s" %
          ("op", "algorithm", "size", "msgs", "msgs/s", "msgs/CPU-s",
           "CPU us/msg"))
    for alg, priv, txt in keys:
        def dns(name, timeout=5, txt=txt):
            return txt
        for size, msg in msgs:
            # the header fields of the message but those dkimpy refuses
            # (Received...), From twice (oversigned)
            hdrs = []
            for line in msg.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
                if line[:1] not in (b" ", b"\t") and b":" in line:
                    h = line.split(b":", 1)[0].strip().lower()
                    if h not in dkim.DKIM.SHOULD_NOT:
                        hdrs.append(h)
            hdrs.append(b"from")

            def sign(msg=msg, hdrs=hdrs, alg=alg, priv=priv):
                return dkim.sign(msg, b"s1", b"bench.example", priv,
                                 canonicalize=(b"relaxed", b"relaxed"),
                                 signature_algorithm=alg,
                                 include_headers=hdrs)
            sig = sign()
            signed = sig + msg
            if not dkim.verify(signed, dnsfunc=dns):
                print("dkimpy: %s %s: its own signature does not verify" %
                      (alg.decode(), size), file=sys.stderr)
                sys.exit(1)

            def verify(signed=signed, dns=dns):
                if not dkim.verify(signed, dnsfunc=dns):
                    raise SystemExit("dkimpy: verify failed")
            for op, fn in (("sign", sign), ("verify", verify)):
                n, wall, c = measure(fn, count, secs)
                print("%-7s %-15s %-6s %7d %10.1f %12.1f %12.1f" %
                      (op, alg.decode(), size, n, n / wall if wall else 0,
                       n / c if c else 0, c * 1e6 / n if n else 0))
                sys.stdout.flush()


if __name__ == "__main__":
    main()
