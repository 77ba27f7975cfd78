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

# lka's resolver and route lookup against a real DNS server: a dnsmasq on
# 127.0.0.1 (a free port, its pid file in the test's directory, killed by
# the cleanup part) serves the zones below, and build/route_lookup runs
# lka_dns.c + lka_route.c on an event loop as lka does and prints the
# answer (regress/integration/route_lookup.c).  MX order with equal
# preferences shuffled (both orders seen over a bounded number of runs),
# IPv6 before IPv4, implicit MX, null MX, NXDOMAIN, an MX host without an
# address, a CNAME domain, a resolver that does not answer (tempfail),
# backup, relay hosts (names, addresses, ports), "domain <table>", and the
# lookups inside lka's sandbox (Landlock and seccomp), over UDP and, for
# a big answer, TCP.  The daemon path (the mta asking lka) is the mta's
# tests'.

. "$(atf_get_srcdir)/lib.sh"

LOOKUP=$TOP/build/route_lookup
DNS_REF=$(pwd)/cartero-dns

# Make the test's directory, check the tools.
dns_setup()
{
	[ -x "$LOOKUP" ] || atf_fail "$LOOKUP not built"
	command -v dnsmasq >/dev/null 2>&1 ||
	    atf_skip "dnsmasq not installed (package dnsmasq-base)"
	D=$(mktemp -d /tmp/cartero-dns.XXXXXX) || atf_fail "mktemp"
	chmod 755 "$D"
	echo "$D" >"$DNS_REF"
}

# dnsmasq with the test zones, answering for .test only.
dns_start()
{
	DNSPORT=$(free_port) || atf_fail "no free port"
	_many=
	for _i in $(seq 1 40); do
		_h=host-with-a-rather-long-name-$_i.many.test
		_many="$_many --mx-host=many.test,$_h,$_i"
		_many="$_many --host-record=$_h,127.0.1.$_i"
	done
	# shellcheck disable=SC2086 # $_many is a list of options
	dnsmasq_start "$D" "$DNSPORT" --log-queries \
	    --mx-host=example.test,mx1.example.test,10 \
	    --mx-host=example.test,mx2.example.test,10 \
	    --mx-host=example.test,mx3.example.test,20 \
	    --host-record=mx1.example.test,127.0.0.2,::2 \
	    --host-record=mx2.example.test,127.0.0.3 \
	    --host-record=mx3.example.test,127.0.0.4 \
	    --host-record=implicit.test,127.0.0.5,::5 \
	    --mx-host=nullmx.test,.,0 \
	    --mx-host=noaddr.test,ghost.noaddr.test,10 \
	    --cname=alias.test,example.test \
	    --txt-record=example.test,"v=spf1 mx -all" \
	    $_many
}

dns_cleanup()
{
	[ -f "$DNS_REF" ] || return 0
	_d=$(cat "$DNS_REF")
	case "$_d" in
	/tmp/cartero-dns.*) ;;
	*) return 0 ;;
	esac
	dnsmasq_stop "$_d"
	rm -rf "$_d"
}

# lookup ARGS...: route_lookup against our dnsmasq, output in $D/out.
lookup()
{
	"$LOOKUP" -r "127.0.0.1@$DNSPORT" "$@" >"$D/out" 2>"$D/err" || {
		cat "$D/out" "$D/err" >&2
		atf_fail "route_lookup $* failed"
	}
}

# expect PATTERN: a line of the last answer matches.
expect()
{
	grep -q -- "$1" "$D/out" || {
		echo "---- route_lookup's answer:" >&2
		cat "$D/out" "$D/err" >&2
		atf_fail "no line matching: $1"
	}
}

# refuse PATTERN: no line of the last answer matches.
refuse()
{
	if grep -q -- "$1" "$D/out"; then
		cat "$D/out" >&2
		atf_fail "unexpected line: $1"
	fi
}

atf_test_case mx_order cleanup
mx_order_head()
{
	atf_set descr "MX hosts by preference, equal preferences in a" \
	    "random order (both seen), each host's IPv6 then IPv4"
}
mx_order_body()
{
	dns_setup
	dns_start
	lookup -n 40 example.test
	[ "$(grep -c '^status=ok relay=mx port=25 n=4 ' "$D/out")" -eq 40 ] ||
	    { cat "$D/out" >&2; atf_fail "not 40 answers of 4 addresses"; }
	expect "^order mx1.example.test,mx2.example.test,mx3.example.test$"
	expect "^order mx2.example.test,mx1.example.test,mx3.example.test$"
	[ "$(grep -c '^order ' "$D/out")" -eq 40 ] || atf_fail "40 orders"
	# mx1's IPv6 address comes right before its IPv4 one
	grep -A1 'name=mx1.example.test addr=::2 port=25' "$D/out" |
	    grep -q 'name=mx1.example.test addr=127.0.0.2 port=25' ||
	    atf_fail "mx1: not IPv6 then IPv4"
	grep -q "lka route domain=example.test action=out relay=mx result=ok addresses=4 dnssec=no" "$D/err" ||
	    atf_fail "no log line"
}
mx_order_cleanup() { dns_cleanup; }

atf_test_case implicit_null_nx cleanup
implicit_null_nx_head()
{
	atf_set descr "no MX: the domain's own addresses; a null MX and" \
	    "NXDOMAIN are permanent; an MX without an address too"
}
implicit_null_nx_body()
{
	dns_setup
	dns_start
	lookup implicit.test
	expect "^status=ok relay=mx port=25 n=2 "
	expect "^host pref=0 name=implicit.test addr=::5 port=25$"
	expect "^host pref=0 name=implicit.test addr=127.0.0.5 port=25$"
	lookup nullmx.test
	expect "^status=permfail .* text=556 5.1.10 nullmx.test: domain does not accept mail (null MX)$"
	# a null MX is final: no address lookup follows
	grep -q "query\[MX\] nullmx.test" "$D/dnsmasq.log" ||
	    atf_fail "dnsmasq's log has no queries"
	if grep -q "query\[A*\] nullmx.test" "$D/dnsmasq.log"; then
		atf_fail "address lookups after a null MX"
	fi
	lookup nx.test
	expect "^status=permfail .* text=550 5.1.2 nx.test: domain does not exist (NXDOMAIN)$"
	lookup noaddr.test
	expect "^status=permfail .* text=550 5.4.4 noaddr.test: no address for its mail hosts$"
	lookup alias.test
	expect "^status=ok relay=mx port=25 n=4 "
	expect "^host pref=20 name=mx3.example.test addr=127.0.0.4 port=25$"
}
implicit_null_nx_cleanup() { dns_cleanup; }

atf_test_case timeout_tempfail cleanup
timeout_tempfail_head()
{
	atf_set descr "a resolver that does not answer: tempfail within" \
	    "the lookup timeout; the MX answer of a live one still works"
}
timeout_tempfail_body()
{
	dns_setup
	dns_start
	_dead=$(free_port)
	"$LOOKUP" -r "127.0.0.1@$_dead" -t 2 example.test >"$D/out" \
	    2>"$D/err" || atf_fail "route_lookup failed"
	expect "^status=tempfail .* text=451 4.4.3 example.test: MX lookup failed, will retry$"
	grep -q "resolver: example.test type 15: no answer in 2s" "$D/err" ||
	    grep -q "example.test.*tempfail" "$D/err" ||
	    atf_fail "no log line for the failure"
	# relay host lookups fail temporarily too
	"$LOOKUP" -r "127.0.0.1@$_dead" -t 2 -H smtp://mx3.example.test \
	    example.test >"$D/out" 2>"$D/err" || atf_fail "route_lookup failed"
	expect "^status=tempfail relay=mx3.example.test .* text=451 4.4.4 relay host mx3.example.test: lookup failed, will retry$"
}
timeout_tempfail_cleanup() { dns_cleanup; }

atf_test_case backup cleanup
backup_head()
{
	atf_set descr "backup: only the MXes strictly better than ours;" \
	    "our name the best MX is a mail loop"
}
backup_body()
{
	dns_setup
	dns_start
	lookup -B -h mx3.example.test -n 5 example.test
	[ "$(grep -c '^status=ok relay=mx port=25 n=3 ' "$D/out")" -eq 5 ] ||
	    { cat "$D/out" >&2; atf_fail "not 5 answers of 3 addresses"; }
	refuse "name=mx3.example.test"
	lookup -b MX3.example.test. example.test
	refuse "name=mx3.example.test"
	expect "^status=ok .* n=3 "
	lookup -b mx1.example.test example.test
	expect "^status=permfail .* text=550 5.4.6 example.test: mail loop: we (mx1.example.test) are its best MX"
	# not among the MXes: all of them
	lookup -b elsewhere.test example.test
	expect "^status=ok .* n=4 "
}
backup_cleanup() { dns_cleanup; }

atf_test_case relay_hosts cleanup
relay_hosts_head()
{
	atf_set descr "relay host URLs: a name (A/AAAA, no MX) with its" \
	    "port, an address without lookup, domain <table> entries"
}
relay_hosts_body()
{
	dns_setup
	dns_start
	lookup -H smtp://mx1.example.test:2525 nullmx.test
	expect "^status=ok relay=mx1.example.test port=2525 n=2 "
	expect "^host pref=0 name=mx1.example.test addr=::2 port=2525$"
	expect "^host pref=0 name=mx1.example.test addr=127.0.0.2 port=2525$"
	lookup -H "smtp://[::1]:26" example.test
	expect "^status=ok relay=::1 port=26 n=1 "
	expect "^host pref=0 name=::1 addr=::1 port=26$"
	lookup -H smtp://ghost.noaddr.test example.test
	expect "^status=tempfail relay=ghost.noaddr.test .*relay host ghost.noaddr.test: no address$"

	cat >"$D/domains" <<EOF
example.test	smtp://mx2.example.test:587
*.sub.test	smtp://192.0.2.9:2526
broken.test	gopher://x
EOF
	lookup -d "$D/domains" example.test
	expect "^status=ok relay=mx2.example.test port=587 n=1 "
	expect "^host pref=0 name=mx2.example.test addr=127.0.0.3 port=587$"
	lookup -d "$D/domains" a.b.sub.test
	expect "^status=ok relay=192.0.2.9 port=2526 n=1 "
	lookup -d "$D/domains" implicit.test
	expect "^status=ok relay=mx port=25 n=2 "
	lookup -d "$D/domains" broken.test
	expect "^status=tempfail .*451 4.3.5 the relay for broken.test in table <domains> is not a valid URL$"
	# an address literal domain: no lookup
	lookup "[127.0.0.9]"
	expect "^host pref=0 name=\[127.0.0.9\] addr=127.0.0.9 port=25$"
	lookup "[IPv6:::1]"
	expect "^host pref=0 name=\[ipv6:::1\] addr=::1 port=25$"
	lookup "[999.0.0.1]"
	expect "^status=permfail .*not a valid address literal$"
}
relay_hosts_cleanup() { dns_cleanup; }

atf_test_case sandboxed cleanup
sandboxed_head()
{
	atf_set descr "the lookups work inside lka's sandbox (Landlock," \
	    "seccomp SANDBOX_LKA), over UDP and over TCP for a big answer," \
	    "and the route keeps at most 16 addresses"
}
sandboxed_body()
{
	dns_setup
	dns_start
	lookup -S -n 3 example.test
	[ "$(grep -c '^status=ok relay=mx port=25 n=4 ' "$D/out")" -eq 3 ] ||
	    { cat "$D/out" "$D/err" >&2; atf_fail "not 3 answers"; }
	grep -q "sandbox:" "$D/err" && { cat "$D/err" >&2;
	    atf_fail "a sandbox violation"; }
	# 40 MX records do not fit in a UDP answer (1232 octets): TCP
	lookup -S many.test
	expect "^status=ok relay=mx port=25 n=16 "
	expect "^host pref=1 name=host-with-a-rather-long-name-1.many.test addr=127.0.1.1 port=25$"
	expect "^host pref=16 name=host-with-a-rather-long-name-16.many.test addr=127.0.1.16 port=25$"
	refuse "pref=17 "
	# DNSSEC on: the trust anchor is read before the sandbox, and the
	# unsigned .test zone still resolves (insecure, not bogus)
	[ -r /usr/share/dns/root.key ] || atf_skip "no root.key (dns-root-data)"
	lookup -S -s example.test
	expect "^status=ok relay=mx port=25 n=4 dnssec=no "
	grep -q "resolver dnssec" "$D/err" && { cat "$D/err" >&2;
	    atf_fail "the anchor was not loaded"; }
	if grep -q "sandbox:" "$D/err"; then
		atf_fail "a sandbox violation"
	fi
}
sandboxed_cleanup() { dns_cleanup; }

atf_test_case daemon_resolver cleanup
daemon_resolver_head()
{
	atf_set descr "smtpd with resolver lines and resolver dnssec: lka" \
	    "sets its resolver up, then runs confined (seccomp mode 2)," \
	    "and a reload that changes the resolver says it needs a restart"
}
daemon_resolver_body()
{
	dns_setup
	dns_start
	inst_setup
	_conf="resolver 127.0.0.1@$DNSPORT
resolver ::1@$DNSPORT
resolver dnssec
action \"mbox\" mbox \"$T/mail/%{user.username}\" alias <aliases>
action \"out\" relay
match from any for local action \"mbox\"
match from src 127.0.0.1 for domain \"example.test\" action \"out\""
	echo "$_conf" | inst_conf
	inst_start
	assert_alive
	_lka=$(child_pid lka)
	grep -qE '^Seccomp:[[:space:]]+2$' "/proc/$_lka/status" ||
	    atf_fail "lka is not under its seccomp filter"
	if grep -qE "resolver.*(NOT validated|asking the root|failed|:.*error)" \
	    "$T/log"; then
		atf_fail "resolver warnings at start-up"
	fi
	# a reload with other resolvers: kept, and said so
	echo "$_conf" | sed "s/^resolver ::1@.*/resolver 127.0.0.2/" |
	    inst_conf
	"$SMTPCTL" reload >/dev/null 2>&1 || atf_fail "reload failed"
	wait_for_grep "resolver settings changed: they take effect when smtpd is restarted" "$T/log" ||
	    atf_fail "no warning about the resolver change"
	assert_alive
}
daemon_resolver_cleanup()
{
	inst_cleanup
	dns_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case mx_order
	atf_add_test_case implicit_null_nx
	atf_add_test_case timeout_tempfail
	atf_add_test_case backup
	atf_add_test_case relay_hosts
	atf_add_test_case sandboxed
	atf_add_test_case daemon_resolver
}
