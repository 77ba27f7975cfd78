#! /usr/bin/env atf-sh
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

# The gateway's "relay recipients <table>": a recipient of a relayed
# domain that is not in the table gets a 550 5.1.1 at RCPT (no bounce
# later, no backscatter); one in the table (as "user@domain" or
# "@domain") is accepted.  Driven with swaks against a real instance;
# the transactions stop after RCPT, so nothing is relayed.

. "$(atf_get_srcdir)/lib.sh"

# swaks_rcpt RCPT: a transaction up to RCPT; the dialogue in $T/swaks.out
swaks_rcpt()
{
	swaks --server 127.0.0.1 --port "$PORT" --from "someone@remote.test" \
	    --to "$1" --quit-after RCPT --timeout 20 >"$T/swaks.out" 2>&1
}

atf_test_case unknown_refused_at_rcpt cleanup
unknown_refused_at_rcpt_head()
{
	atf_set descr "relay recipients <table>: unknown users of a relayed" \
	    "domain are refused at RCPT, known ones accepted"
}
unknown_refused_at_rcpt_body()
{
	command -v swaks >/dev/null 2>&1 || atf_skip "swaks not installed"
	inst_setup
	printf 'alice@students.test\n@open.test\n' >"$T/valid"
	chmod 644 "$T/valid"
	inst_conf <<EOF
table valid file:$T/valid
action "mbox" mbox "$T/mail/%{user.username}" alias <aliases>
action "gw" relay recipients <valid>
match from any for local action "mbox"
match from any for domain "students.test" action "gw"
match from any for domain "open.test" action "gw"
EOF
	inst_start
	if swaks_rcpt nobody@students.test; then
		cat "$T/swaks.out" >&2
		atf_fail "RCPT of an unknown user accepted"
	fi
	grep -q "550 5.1.1 <nobody@students.test>: Recipient address rejected: user unknown" \
	    "$T/swaks.out" || { cat "$T/swaks.out" >&2;
	    atf_fail "no 550 5.1.1 at RCPT"; }
	swaks_rcpt alice@students.test || { cat "$T/swaks.out" >&2;
	    atf_fail "RCPT of a known user refused"; }
	grep -A1 "RCPT TO:<alice@students.test>" "$T/swaks.out" |
	    grep -q "^<- *250 " || {
	    cat "$T/swaks.out" >&2; atf_fail "no 250 for the RCPT"; }
	swaks_rcpt whoever@open.test || { cat "$T/swaks.out" >&2;
	    atf_fail "RCPT for an @domain entry refused"; }
	assert_grep "lka expand rcpt=<nobody@students.test> .*action=gw result=reject" "$T/log"
	assert_grep "lka expand rcpt=<alice@students.test> .*action=gw result=ok" "$T/log"
}
unknown_refused_at_rcpt_cleanup() { inst_cleanup; }

atf_init_test_cases()
{
	atf_add_test_case unknown_refused_at_rcpt
}
