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

"""Check a delivery status notification with python3's email parser
(helper of the integration tests, not a test).

  dsntool.py check FILE ACTION RCPT SUBJECT
        FILE holds one message (a Maildir file).  It must be a
        multipart/report; report-type=delivery-status with a text/plain
        part, a message/delivery-status part and a text/rfc822-headers
        part.  The delivery-status part must have a Reporting-MTA, and a
        per-recipient group whose Final-Recipient is "rfc822; RCPT" with
        Action: ACTION (failed or delayed), a Status of class 5 (failed)
        or 4 (delayed), a Diagnostic-Code and, for delayed, a
        Will-Retry-Until date.  The original headers must parse and carry
        Subject: SUBJECT.  Prints what it found as key=value lines; exits
        1 with the reason on the first check that fails.
"""

import email
import email.utils
import re
import sys


class Bad(Exception):
    pass


def need(cond, why):
    if not cond:
        raise Bad(why)


def recipient_group(groups, rcpt):
    for g in groups:
        fr = g.get("Final-Recipient", "")
        typ, _, addr = fr.partition(";")
        if typ.strip().lower() == "rfc822" and \
                addr.strip().lower() == rcpt.lower():
            return g
    raise Bad("no per-recipient group for %s in %r" %
              (rcpt, [g.items() for g in groups]))


def check(path, action, rcpt, subject):
    with open(path, "rb") as f:
        msg = email.message_from_bytes(f.read())
    out = []
    need(msg.get_content_type() == "multipart/report",
         "content type %s" % msg.get_content_type())
    need(msg.get_param("report-type") == "delivery-status",
         "report-type %r" % msg.get_param("report-type"))
    need(msg.get("Auto-Submitted", "").startswith("auto-"),
         "no Auto-Submitted")
    parts = msg.get_payload()
    need(isinstance(parts, list) and len(parts) == 3,
         "%d parts" % (len(parts) if isinstance(parts, list) else 0))
    types = [p.get_content_type() for p in parts]
    need(types == ["text/plain", "message/delivery-status",
                   "text/rfc822-headers"], "parts %r" % types)
    out.append("subject=%s" % msg.get("Subject", ""))
    out.append("to=%s" % msg.get("To", ""))

    groups = parts[1].get_payload()
    need(isinstance(groups, list) and len(groups) >= 2,
         "delivery-status: %r" % groups)
    need(groups[0].get("Reporting-MTA", "").startswith("dns;"),
         "no Reporting-MTA")
    g = recipient_group(groups[1:], rcpt)
    need(g.get("Action", "").strip() == action,
         "Action %r" % g.get("Action"))
    status = g.get("Status", "").strip()
    want = "5" if action == "failed" else "4"
    need(re.fullmatch(r"[245]\.\d{1,3}\.\d{1,3}", status) is not None and
         status[0] == want, "Status %r" % status)
    need(g.get("Diagnostic-Code", "").strip() != "", "no Diagnostic-Code")
    out.append("action=%s" % action)
    out.append("status=%s" % status)
    out.append("diagnostic=%s" % g.get("Diagnostic-Code").strip())
    if action == "delayed":
        until = g.get("Will-Retry-Until", "")
        need(until != "", "no Will-Retry-Until")
        need(email.utils.parsedate_to_datetime(until) is not None,
             "bad Will-Retry-Until %r" % until)
        out.append("will-retry-until=%s" % until.strip())

    hdrs = parts[2].get_payload()
    need(isinstance(hdrs, str) and hdrs.strip() != "",
         "empty text/rfc822-headers")
    orig = email.message_from_string(hdrs)
    need(orig.get("Subject", "") == subject,
         "original Subject %r" % orig.get("Subject"))
    out.append("original-subject=%s" % orig.get("Subject"))
    print("\n".join(out))
    return 0


def main(argv):
    if len(argv) == 6 and argv[1] == "check":
        try:
            return check(argv[2], argv[3], argv[4], argv[5])
        except Bad as e:
            print("dsntool: %s: %s" % (argv[2], e), file=sys.stderr)
            return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
