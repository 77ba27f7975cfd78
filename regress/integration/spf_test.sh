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

# SPF (RFC 7208) through `smtpctl spf check`, the code lka runs, against
# real DNS answers (issue 16, acceptance 3): the data-driven suite of
# spf_data/*.spf (RFC 7208 Appendix A, record selection, every mechanism
# of section 5, the modifiers of section 6, the limits of 4.6.4, the
# macros of section 7), each scenario's zone served by a dnsmasq on
# 127.0.0.1 (a free port; stopped by the runner after each scenario, and
# by the cleanup part if the runner died), run by spfsuite.py, which
# prints "N/M cases pass" and each failing case.  Also the command's
# usage errors and output lines.

. "$(atf_get_srcdir)/lib.sh"

SUITE=$(atf_get_srcdir)/spfsuite.py
DATA=$(atf_get_srcdir)/spf_data
SPF_REF=$(pwd)/cartero-spf

spf_setup()
{
	[ -x "$SMTPCTL" ] || atf_fail "$SMTPCTL not built"
	command -v dnsmasq >/dev/null 2>&1 ||
	    atf_skip "dnsmasq not installed (package dnsmasq-base)"
	command -v python3 >/dev/null 2>&1 || atf_skip "no python3"
	D=$(mktemp -d /tmp/cartero-spf.XXXXXX) || atf_fail "mktemp"
	# dnsmasq drops to nobody: its pid and log files live in here
	chmod 755 "$D"
	echo "$D" >"$SPF_REF"
}

spf_cleanup()
{
	[ -f "$SPF_REF" ] || return 0
	_d=$(cat "$SPF_REF")
	case "$_d" in
	/tmp/cartero-spf.*) ;;
	*) return 0 ;;
	esac
	dnsmasq_stop "$_d"
	rm -rf "$_d"
}

atf_test_case rfc7208_suite cleanup
rfc7208_suite_head()
{
	atf_set descr "RFC 7208's examples and edge cases (spf_data/*.spf)" \
	    "against dnsmasq zones: every case must pass"
	atf_set timeout 1200
}
rfc7208_suite_body()
{
	spf_setup
	_rc=0
	python3 "$SUITE" "$SMTPCTL" "$D" "$DATA"/*.spf >"$D/out" 2>&1 ||
	    _rc=$?
	cat "$D/out"
	_sum=$(grep -E '^[0-9]+/[0-9]+ cases pass$' "$D/out")
	[ -n "$_sum" ] || atf_fail "the runner did not finish (exit $_rc)"
	[ "$_rc" -eq 0 ] || atf_fail "$_sum"
	# the suite is the size the data says (no file silently skipped)
	_n=$(cat "$DATA"/*.spf | grep -c '^case ')
	echo "$_sum" | grep -q "^$_n/$_n " ||
	    atf_fail "$_sum, but the data has $_n cases"
}
rfc7208_suite_cleanup() { spf_cleanup; }

atf_test_case usage
usage_head()
{
	atf_set descr "smtpctl spf check: usage errors exit 2, an SPF" \
	    "result exits 0 with its lines"
}
usage_body()
{
	[ -x "$SMTPCTL" ] || atf_fail "$SMTPCTL not built"
	atf_check -s exit:2 -e match:usage "$SMTPCTL" spf
	atf_check -s exit:2 -e match:usage "$SMTPCTL" spf check
	atf_check -s exit:2 -e match:usage "$SMTPCTL" spf check 192.0.2.1 h
	atf_check -s exit:2 -e match:usage "$SMTPCTL" spf check -x \
	    192.0.2.1 h.example u@example.com
	atf_check -s exit:2 -e match:"not an IP address" "$SMTPCTL" spf \
	    check 192.0.2.300 h.example u@example.com
	# no lookup needed: a sender domain that is not a domain gives none
	printf 'hostname receiver.test\nresolver 127.0.0.1@9\n' >smtpd.conf
	atf_check -s exit:0 -o inline:"spf=none smtp.mailfrom=u@[192.0.2.1]
mechanism: (default)
reason: malformed domain \"[192.0.2.1]\"
lookups: 0
" "$SMTPCTL" spf check -f smtpd.conf 192.0.2.1 h.example "u@[192.0.2.1]"
	atf_check -s exit:0 -o match:"^spf=none smtp.helo=localhost$" \
	    "$SMTPCTL" spf check -f smtpd.conf --helo 192.0.2.1 localhost
}

atf_init_test_cases()
{
	atf_add_test_case rfc7208_suite
	atf_add_test_case usage
}
