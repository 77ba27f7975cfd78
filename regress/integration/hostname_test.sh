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

# The default host name (no "hostname" in smtpd.conf): /etc/mailname,
# else the FQDN as "hostname --fqdn" gives it.  Each case runs smtpd -n in
# a private mount namespace with an /etc of its own (hosts, mailname), so
# the machine's files are not touched.

TOP=$(cd "$(atf_get_srcdir)/../.." && pwd)
SMTPD=$TOP/build/smtpd

# Run smtpd -n on a minimal configuration with an /etc of its own: the
# resolver's files, $1 as /etc/hosts and $2 as /etc/mailname (empty:
# none).  Leave the hostname it chose in ./got.
default_hostname()
{
	[ "$(id -u)" -eq 0 ] || atf_skip "needs root"
	[ -x "$SMTPD" ] || atf_fail "$SMTPD not built"
	mkdir etc
	for f in nsswitch.conf host.conf resolv.conf gai.conf; do
		[ -e "/etc/$f" ] && cp "/etc/$f" etc/
	done
	printf '%s\n' "$1" >etc/hosts
	[ -z "$2" ] || printf '%s\n' "$2" >etc/mailname
	printf 'listen on localhost\n' >smtpd.conf
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m sh -c 'mount --bind "$1" /etc || exit 99
		"$2" -n -f smtpd.conf' sh "$PWD/etc" "$SMTPD" >out 2>err
	case $? in
	0) ;;
	99) atf_skip "cannot bind-mount in a private mount namespace" ;;
	*) cat err >&2; atf_fail "smtpd -n failed" ;;
	esac
	sed -n 's/^hostname "\(.*\)"$/\1/p' out >got
}

atf_test_case fqdn_from_resolver
fqdn_from_resolver_head()
{
	atf_set descr "without /etc/mailname the name is the FQDN from" \
	    "/etc/hosts, not the short host name"
	atf_set require.progs "unshare mount"
}
fqdn_from_resolver_body()
{
	_short=$(hostname | cut -d. -f1)
	default_hostname "127.0.0.1 localhost
127.0.1.1 $_short.cartero.test $_short" ""
	_got=$(cat got)
	[ "$_got" = "$_short.cartero.test" ] ||
	    atf_fail "hostname \"$_got\", expected \"$_short.cartero.test\""
}

atf_test_case mailname_first
mailname_first_head()
{
	atf_set descr "/etc/mailname wins over the FQDN"
	atf_set require.progs "unshare mount"
}
mailname_first_body()
{
	_short=$(hostname | cut -d. -f1)
	default_hostname "127.0.0.1 localhost
127.0.1.1 $_short.cartero.test $_short" "Mail.Example.ORG"
	_got=$(cat got)
	[ "$_got" = "mail.example.org" ] ||
	    atf_fail "hostname \"$_got\", expected \"mail.example.org\""
}

atf_init_test_cases()
{
	atf_add_test_case fqdn_from_resolver
	atf_add_test_case mailname_first
}
