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

# Outbound delivery across three hosts, each a network namespace made by
# the test (lib.sh: netns_*), with our smtpd on each and dnsmasq serving
# the .test zone (dns_start):
#
#	sat.test  10.14.0.1   the satellite: relays everything to the
#	                      gateway (relay host smtp://gw.test)
#	gw.test   10.14.0.2   the gateway: relays mail for dest.test and
#	                      nullmx.test by MX ("relay"), and its bounces
#	dest.test 10.14.0.3   the destination: MX of dest.test (through
#	                      mx.dest.test), delivers into Maildirs
#	dnsmasq   10.14.0.53  in the switch namespace
#
# alice on the satellite runs mail(1); bob at dest.test finds the message
# in his Maildir with a Received: line per host.

. "$(atf_get_srcdir)/lib.sh"

SAT=10.14.0.1
GW=10.14.0.2
DEST=10.14.0.3

# The three hosts, the DNS server and the configurations; started.
scen_setup()
{
	inst_setup
	netns_setup
	netns_host sat 1
	netns_host gw 2
	netns_host dest 3
	# nullmx.test: "MX 0 ." (RFC 7505) and an address of its own that a
	# wrong implementation would try: the destination's, whose log
	# would show the session.
	dns_start --mx-host=dest.test,mx.dest.test,10 \
	    --host-record=mx.dest.test,$DEST \
	    --host-record=gw.test,$GW \
	    --host-record=sat.test,$SAT \
	    --host-record=dest.test,$DEST \
	    --mx-host=nullmx.test,.,0 \
	    --host-record=nullmx.test,$DEST
	netns_conf sat <<EOF
action "md" maildir "~/Maildir" alias <aliases>
action "out" relay host smtp://gw.test
match from any for local action "md"
match from local for any action "out"
EOF
	netns_conf gw <<EOF
resolver "$NETNS_DNS"
action "md" maildir "~/Maildir" alias <aliases>
action "out" relay
match from any for local action "md"
match from src $NETNS_NET.0/24 for domain dest.test action "out"
match from src $NETNS_NET.0/24 for domain nullmx.test action "out"
match from local for any action "out"
EOF
	netns_conf dest <<EOF
action "md" maildir "~/Maildir" alias <aliases>
match from any for local action "md"
EOF
	netns_start dest
	netns_start gw
	netns_start sat
}

# The header fields named $1 of file $2, one a line, unfolded.
header_fields()
{
	awk -v name="$1" '
		/^$/ { exit }
		/^[ \t]/ { if (on) line = line " " $0; next }
		{ if (on) print line; on = 0 }
		tolower(substr($0, 1, length(name) + 1)) == tolower(name) ":" {
			on = 1; line = $0
		}
		END { if (on) print line }
	' "$2" | tr -s ' \t' '  '
}

# The one message in DIR, into MSG (waiting up to $2 seconds, default
# WAIT).
one_message()
{
	netns_poll_until "${2:-$WAIT}" has_count "$1" 1 ||
	    atf_fail "nothing delivered to $1"
	[ "$(count_files "$1")" -eq 1 ] ||
	    atf_fail "$(count_files "$1") messages in $1, expected 1"
	MSG=$(find "$1" -mindepth 1 -maxdepth 1 ! -name '.*')
}

atf_test_case three_hosts cleanup
three_hosts_head()
{
	atf_set descr "echo hi | mail -s test bob@dest.test on the" \
	    "satellite reaches bob's Maildir on the destination through the" \
	    "gateway (MX of dest.test from dnsmasq), a Received: per host"
}
three_hosts_body()
{
	scen_setup
	echo hi | netns_mail sat $ALICE -s test "$BOB@dest.test"
	one_message "$(maildir_new $BOB)"
	assert_grep '^Subject: test$' "$MSG"
	assert_grep '^hi$' "$MSG"
	assert_grep "^From: .*$ALICE@sat\\.test" "$MSG"
	# the path, newest first: dest from gw, gw from sat, sat from alice
	header_fields Received "$MSG" >"$T/received"
	echo "the path of the message (Received:, newest first):"
	cat "$T/received"
	[ "$(wc -l <"$T/received")" -eq 3 ] ||
	    atf_fail "$(wc -l <"$T/received") Received: lines, expected 3"
	sed -n 1p "$T/received" | grep -qE "^Received: from gw\\.test \\(unknown \\[$GW\\]\\) by dest\\.test \\(cartero\\) with E?SMTP id [0-9a-f]+ for <$BOB@dest\\.test>;" ||
	    atf_fail "the first Received: is not dest.test's from gw.test"
	sed -n 2p "$T/received" | grep -qE "^Received: from sat\\.test \\(unknown \\[$SAT\\]\\) by gw\\.test \\(cartero\\) with E?SMTP id [0-9a-f]+ for <$BOB@dest\\.test>;" ||
	    atf_fail "the second Received: is not gw.test's from sat.test"
	sed -n 3p "$T/received" | grep -qE "^Received: from local \\(uid [0-9]+\\) by sat\\.test \\(cartero\\)" ||
	    atf_fail "the third Received: is not sat.test's from alice"
	# the gateway found the MX through dnsmasq
	assert_grep "query\\[MX\\] dest\\.test from $GW" "$T/dns/log"
	assert_grep "query\\[A\\] mx\\.dest\\.test from $GW" "$T/dns/log"
	netns_poll_until "$WAIT" netns_queue_is_empty gw ||
	    atf_fail "the gateway kept the message"
	netns_poll_until "$WAIT" netns_queue_is_empty sat ||
	    atf_fail "the satellite kept the message"
}
three_hosts_cleanup() { netns_cleanup; }

atf_test_case null_mx cleanup
null_mx_head()
{
	atf_set descr "a domain with a null MX (RFC 7505) is bounced by the" \
	    "gateway without a connection attempt; the bounce reaches" \
	    "the sender on the satellite"
}
null_mx_body()
{
	scen_setup
	# nullmx.test's address is the destination's: count what arrives
	netns_syn_watch dest
	echo doomed | netns_mail sat $ALICE -s nullmx "someone@nullmx.test"
	one_message "$(maildir_new $ALICE)"
	# a valid DSN, back on the satellite through the gateway
	python3 - "$MSG" >"$T/dsn.out" 2>&1 <<'EOF' ||
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'))
assert m.get_content_type() == 'multipart/report', m.get_content_type()
assert m.get_param('report-type') == 'delivery-status'
parts = m.get_payload()
assert [p.get_content_type() for p in parts] == ['text/plain',
    'message/delivery-status', 'text/rfc822-headers'], parts
rcpt = parts[1].get_payload()[1]
assert rcpt['Final-Recipient'] == 'rfc822; someone@nullmx.test'
assert rcpt['Action'] == 'failed', rcpt['Action']
assert rcpt['Status'] == '5.1.10', rcpt['Status']
assert 'null MX' in rcpt['Diagnostic-Code'], rcpt['Diagnostic-Code']
assert 'Subject: nullmx' in parts[2].get_payload()
print('DSN ok:', rcpt['Status'], rcpt['Diagnostic-Code'])
EOF
	    { cat "$T/dsn.out" "$MSG" >&2; atf_fail "not a valid DSN"; }
	cat "$T/dsn.out"
	assert_grep "^Reporting-MTA: dns; ?gw\\.test" "$MSG"
	assert_grep "^Received: from gw\\.test \\(unknown \\[$GW\\]\\)" "$MSG"
	# the gateway asked for the MX and no address of nullmx.test, gave
	# up at once and tried no connection
	assert_grep "query\\[MX\\] nullmx\\.test from $GW" "$T/dns/log"
	assert_no_grep "query\\[(A|AAAA)\\] nullmx\\.test" "$T/dns/log"
	assert_grep "lka route domain=nullmx\\.test action=out relay=mx result=permfail addresses=0 .*error=\"556 5\\.1\\.10 nullmx\\.test: domain does not accept mail \\(null MX\\)\"" "$T/gw/log"
	assert_grep "rcpt=<someone@nullmx\\.test> action=out result=PermFail delay=[0-9]+s attempts=1 stat=\"556 5\\.1\\.10 " "$T/gw/log"
	assert_no_grep "mta (connected|error) address=\"[^\"]*\\[$DEST\\]" \
	    "$T/gw/log"
	assert_no_grep "address=$GW" "$T/dest/log"
	[ "$(netns_syn_count dest)" = 0 ] ||
	    atf_fail "$(netns_syn_count dest) connection attempts at the" \
	    "address of nullmx.test"
	netns_poll_until "$WAIT" netns_queue_is_empty gw ||
	    atf_fail "the gateway kept the message"
	# the control: a message for dest.test is counted there
	echo control | netns_mail sat $ALICE -s control "$BOB@dest.test"
	one_message "$(maildir_new $BOB)"
	[ "$(netns_syn_count dest)" -ge 1 ] ||
	    atf_fail "the SYN counter on dest counted nothing"
}
null_mx_cleanup() { netns_cleanup; }

atf_test_case dest_down cleanup
dest_down_head()
{
	atf_set descr "the destination is down: the gateway keeps the" \
	    "message, retries with the reason in smtpctl show queue, and" \
	    "delivers it when the destination is back"
}
dest_down_body()
{
	scen_setup
	netns_stop dest
	echo later | netns_mail sat $ALICE -s later "$BOB@dest.test"
	# two failed attempts: a retry followed the first
	netns_wait_log gw "queue delivery .*result=TempFail" 2 ||
	    atf_fail "no tempfail and retry on the gateway"
	netns_ctl gw show queue
	cat "$T/gw/ctl.out"
	assert_grep "$BOB@dest\\.test" "$T/gw/ctl.out"
	assert_grep "\\(4[0-9][0-9] .*mx\\.dest\\.test \\[$DEST\\]:25: Connection refused\\)" \
	    "$T/gw/ctl.out"
	[ "$(netns_queue_count gw)" -eq 1 ] || atf_fail "not queued on gw"
	_d=$(maildir_new $BOB)
	[ "$(count_files "$_d")" -eq 0 ] || atf_fail "delivered while down"
	netns_start dest
	# the mta skips an address that refused for MTA_HOST_DOWN (10 s)
	one_message "$_d" 90
	assert_grep '^later$' "$MSG"
	netns_poll_until "$WAIT" netns_queue_is_empty gw ||
	    atf_fail "the gateway kept the message"
	[ "$(count_files "$(maildir_new $ALICE)")" -eq 0 ] ||
	    atf_fail "alice got a bounce"
}
dest_down_cleanup() { netns_cleanup; }

atf_init_test_cases()
{
	atf_add_test_case three_hosts
	atf_add_test_case null_mx
	atf_add_test_case dest_down
}
