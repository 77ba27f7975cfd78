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

"""memscan.py PID KEYFILE: does process PID hold the private key KEYFILE?

Reads the key's private numbers with openssl(1) (RSA: the private
exponent, the primes, the CRT exponents and coefficient; EC: the private
scalar) and looks for each in every readable mapping of /proc/PID/mem, as
big-endian bytes (DER, PEM once decoded, OpenSSL's encoders) and as
little-endian bytes (OpenSSL's BIGNUM limbs on x86_64 and aarch64), and
for the base64 lines of the PEM file itself.  Run as root.

Exit 0: none found; 1: found (says what and where on stdout); 2: error.
"""

import re
import subprocess
import sys

PROBE = 24      # bytes of each number searched (from its start)
FIELDS_RSA = ("privateExponent", "prime1", "prime2", "exponent1",
              "exponent2", "coefficient")
FIELDS_EC = ("priv",)


def key_numbers(keyfile):
    """{name: bytes (big-endian, no leading zero)} of the private key."""
    out = subprocess.run(["openssl", "pkey", "-in", keyfile, "-text",
                          "-noout"], capture_output=True, text=True,
                         check=True).stdout
    nums, name, hexs = {}, None, ""
    for line in out.splitlines():
        m = re.match(r"^([A-Za-z0-9]+):\s*(.*)$", line)
        if m:
            if name is not None and hexs:
                nums[name] = hexs
            name, hexs = m.group(1), ""
            rest = m.group(2)
            if re.fullmatch(r"[0-9a-f:]+", rest):
                hexs = rest
            continue
        if name is not None and re.fullmatch(r"\s+[0-9a-f:]+", line):
            hexs += line.strip()
    if name is not None and hexs:
        nums[name] = hexs
    res = {}
    for k, v in nums.items():
        if k in FIELDS_RSA or k in FIELDS_EC:
            b = bytes.fromhex(v.replace(":", "")).lstrip(b"\0")
            if len(b) >= 16:
                res[k] = b
    if not res:
        raise ValueError("no private numbers in %s" % keyfile)
    return res


def pem_lines(keyfile):
    """The full base64 lines of the PEM file (64 characters each)."""
    with open(keyfile, "rb") as f:
        return [ln.strip() for ln in f if len(ln.strip()) == 64]


def needles(keyfile):
    res = []
    for k, b in key_numbers(keyfile).items():
        res.append((k + " (big-endian)", b[:PROBE]))
        res.append((k + " (little-endian)", b[::-1][:PROBE]))
    for i, ln in enumerate(pem_lines(keyfile)[:3]):
        res.append(("PEM line %d" % (i + 2), ln))
    return res


def regions(pid):
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            parts = line.split()
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            name = parts[5] if len(parts) > 5 else ""
            if parts[1][0] != "r" or name in ("[vvar]", "[vsyscall]"):
                continue
            yield lo, hi, name


# Readable regions larger than this are not read: the sanitizers' shadow
# memory (terabytes, never holding data) under make check-asan.
REGION_MAX = 1 << 30
CHUNK = 8 << 20


def scan(pid, keyfile):
    found = []
    ndl = needles(keyfile)
    overlap = max(len(b) for _, b in ndl) - 1
    with open("/proc/%d/mem" % pid, "rb", buffering=0) as mem:
        for lo, hi, name in regions(pid):
            if hi - lo > REGION_MAX:
                continue
            tail = b""
            pos = lo
            while pos < hi:
                try:
                    mem.seek(pos)
                    data = mem.read(min(CHUNK, hi - pos))
                except OSError:
                    break
                if not data:
                    break
                buf = tail + data
                base = pos - len(tail)
                for what, b in ndl:
                    at = buf.find(b)
                    if at != -1:
                        hit = "%s at 0x%x %s" % (what, base + at, name)
                        if hit not in found:
                            found.append(hit)
                tail = buf[-overlap:] if overlap > 0 else b""
                pos += len(data)
    return found


def main():
    if len(sys.argv) != 3:
        print("usage: memscan.py PID KEYFILE", file=sys.stderr)
        return 2
    try:
        found = scan(int(sys.argv[1]), sys.argv[2])
    except (OSError, ValueError, subprocess.CalledProcessError) as e:
        print("memscan: %s" % e, file=sys.stderr)
        return 2
    for f in found:
        print("found: " + f)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
