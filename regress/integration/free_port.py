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

"""A port of 127.0.0.1 free for both UDP and TCP (a DNS server needs
both), for the integration tests (helper, not a test).

  free_port.py           prints the port; exit 1 if none was found

lib.sh's free_port runs it; spfsuite.py imports free_port().
"""

import socket
import sys


def free_port():
    """The port, or None after 50 tries."""
    for _ in range(50):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        p = u.getsockname()[1]
        t = socket.socket()
        try:
            t.bind(("127.0.0.1", p))
        except OSError:
            continue
        finally:
            t.close()
            u.close()
        return p
    return None


if __name__ == "__main__":
    port = free_port()
    if port is None:
        sys.exit(1)
    print(port)
