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

# Who may relay, and the relay delivery path: "action relay host
# smtp://HOST:PORT" towards a small SMTP sink (sinktool.py) on loopback,
# delivered by the smtp process's mta (mta_test.sh has the rest of it).
# A relayed message reaches the sink with our Received: header; the
# sink's 5xx becomes a bounce to the sender, its 4xx a retry; and the
# open-relay battery: a client that may not relay gets a 5xx at RCPT for
# every address trick, and the sink receives nothing.

. "$(atf_get_srcdir)/lib.sh"

# The relay configuration: local mail to mboxes, mail from 127.0.0.1
# (only) relayed to the sink.
relay_conf()
{
	inst_conf <<EOF
action "mbox" mbox "$T/mail/%{user.username}" alias <aliases>
action "out" relay host smtp://127.0.0.1:$SINKPORT
match from any for local action "mbox"
match from src 127.0.0.1 for any action "out"
EOF
}

atf_test_case relay_to_sink cleanup
relay_to_sink_head()
{
	atf_set descr "match from src 127.0.0.1 for any action relay: the" \
	    "message reaches the relay host with our Received: header"
}
relay_to_sink_body()
{
	inst_setup
	sink_start
	relay_conf
	inst_start
	printf 'Subject: relayed\r\n\r\nhello sink\r\n.line\r\n' |
	    tool send "$PORT" "$ALICE@$DOM" "friend@remote.test" \
	    >"$T/send.out" 2>&1 || { cat "$T/send.out" >&2;
	    atf_fail "send failed"; }
	wait_for_file "$T/sink/msg.0" || atf_fail "the sink got nothing"
	assert_grep "^Received: from .*127.0.0.1" "$T/sink/msg.0"
	assert_grep "by $DOM \\(cartero\\)" "$T/sink/msg.0"
	assert_grep "^hello sink" "$T/sink/msg.0"
	assert_grep "^\.line" "$T/sink/msg.0"
	assert_grep "^MAIL FROM:<$ALICE@$DOM> SIZE=[0-9]" "$T/sink/env.0"
	assert_grep "^rcpt <friend@remote.test>" "$T/sink/env.0"
	assert_grep "^helo $DOM" "$T/sink/env.0"
	wait_log_count "action=out result=Ok delay=[0-9]*s attempts=1 relay=\"127.0.0.1 \[127.0.0.1\]:$SINKPORT\" tls=none stat=\"250 2.0.0 queued as 0\"" 1 ||
	    atf_fail "no delivery log line"
	wait_queue_empty || atf_fail "the queue kept the message"
	assert_grep "lka expand rcpt=<friend@remote.test> address=127.0.0.1 action=out result=ok" "$T/log"
}
relay_to_sink_cleanup() { sink_cleanup; }

atf_test_case relay_permfail_bounces cleanup
relay_permfail_bounces_head()
{
	atf_set descr "a 5xx from the relay host bounces to the sender," \
	    "with the host's reply"
}
relay_permfail_bounces_body()
{
	inst_setup
	sink_start
	echo permfail >"$T/sink/mode"
	relay_conf
	inst_start
	printf 'Subject: doomed\r\n\r\nnot wanted\r\n' |
	    tool send "$PORT" "$ALICE@$DOM" "nobody@remote.test" \
	    >"$T/send.out" 2>&1 || { cat "$T/send.out" >&2;
	    atf_fail "send failed"; }
	wait_mbox $ALICE "sink says no such user"
	assert_grep "action=out result=PermFail delay=[0-9]+s attempts=1 relay=\"127.0.0.1 \[127.0.0.1\]:$SINKPORT\" tls=none stat=\"550 5.1.1 sink says no such user\"" "$T/log"
	[ "$(sink_count)" -eq 0 ] || atf_fail "the sink stored a message"
	wait_queue_empty || atf_fail "the queue kept the message"
}
relay_permfail_bounces_cleanup() { sink_cleanup; }

atf_test_case relay_tempfail_retries cleanup
relay_tempfail_retries_head()
{
	atf_set descr "a 4xx from the relay host is retried until it" \
	    "takes the message"
}
relay_tempfail_retries_body()
{
	inst_setup
	sink_start
	echo tempfail >"$T/sink/mode"
	relay_conf
	inst_start
	printf 'Subject: later\r\n\r\nretry me\r\n' |
	    tool send "$PORT" "$ALICE@$DOM" "friend@remote.test" \
	    >"$T/send.out" 2>&1 || { cat "$T/send.out" >&2;
	    atf_fail "send failed"; }
	wait_log_count "result=TempFail .*stat=\"451 4.7.1 sink says try later\"" 2 ||
	    atf_fail "no retry after the 4xx"
	[ "$(sink_count)" -eq 0 ] || atf_fail "the sink stored a message"
	echo ok >"$T/sink/mode"
	wait_for_file "$T/sink/msg.0" || atf_fail "not delivered after retry"
	assert_grep "^retry me" "$T/sink/msg.0"
	wait_queue_empty || atf_fail "the queue kept the message"
	[ ! -e "$T/mail/$ALICE" ] || atf_fail "a bounce was sent"
}
relay_tempfail_retries_cleanup() { sink_cleanup; }

atf_test_case relay_unreachable cleanup
relay_unreachable_head()
{
	atf_set descr "a relay host that does not answer is a temporary" \
	    "failure; a host name is resolved by lka"
}
relay_unreachable_body()
{
	inst_setup
	SINKPORT=$(inst_free_port)
	inst_conf <<EOF
action "mbox" mbox "$T/mail/%{user.username}" alias <aliases>
action "out" relay host smtp://localhost:$SINKPORT
match from any for local action "mbox"
match from src 127.0.0.1 for any action "out"
EOF
	inst_start
	printf 'Subject: x\r\n\r\nx\r\n' |
	    tool send "$PORT" "$ALICE@$DOM" "friend@remote.test" \
	    >"$T/send.out" 2>&1 || { cat "$T/send.out" >&2;
	    atf_fail "send failed"; }
	wait_log_count "action=out result=TempFail .*stat=\"451 4.4.1 mta: cannot connect to localhost \[127.0.0.1\]:$SINKPORT: Connection refused\"" 1 ||
	    atf_fail "no tempfail for an unreachable relay host"
	assert_alive
	[ "$(queue_count)" -eq 1 ] || atf_fail "the message is not queued"
	[ ! -e "$T/mail/$ALICE" ] || atf_fail "a bounce was sent"
}
relay_unreachable_cleanup() { sink_cleanup; }

# The open-relay battery.  Each case: the RCPT TO argument sent raw (a
# Python bytes literal, optionally a TAB and MAIL FROM parameters), and
# the reply expected from a client at 127.0.0.9 (loopback, but not the
# relaying 127.0.0.1) that did not authenticate.  localhost and test.example
# are ours; evil.test is not.
BATTERY='
# percent hack: a local part "user%evil.test" of ours, no such user
b"<user%evil.test@localhost>"	550 5.1.1 <user%evil.test@localhost>: Recipient address rejected: User unknown in local recipient table
# bang path: the same
b"<evil.test!user@localhost>"	550 5.1.1 <evil.test!user@localhost>: Recipient address rejected: User unknown in local recipient table
# source routes are ignored (RFC 5321 4.1.1.3): the address is user@evil.test
b"<@localhost:user@evil.test>"	550 5.7.1 <user@evil.test>: Relaying denied
b"<@a.test,@localhost:user@evil.test>"	550 5.7.1 <user@evil.test>: Relaying denied
# quoted local parts stay local parts
b"<\"user@evil.test\"@localhost>"	550 5.1.1 <"user@evil.test"@localhost>: Recipient address rejected: User unknown in local recipient table
b"<\"user%evil.test\"@localhost>"	550 5.1.1 <"user%evil.test"@localhost>: Recipient address rejected: User unknown in local recipient table
# a trailing dot is no valid domain
b"<user@evil.test.>"	501 5.1.3 Bad recipient address syntax
# address literals: ours (loopback) is local, no such user
b"<user@[127.0.0.1]>"	550 5.1.1 <user@[127.0.0.1]>: Recipient address rejected: User unknown in local recipient table
b"<user@[IPv6:::1]>"	550 5.1.1 <user@[ipv6:::1]>: Recipient address rejected: User unknown in local recipient table
b"<user@[192.0.2.1]>"	550 5.7.1 <user@[192.0.2.1]>: Relaying denied
# case tricks
b"<USER@EVIL.TEST>"	550 5.7.1 <USER@evil.test>: Relaying denied
b"<user@LOCALHOST.evil.test>"	550 5.7.1 <user@localhost.evil.test>: Relaying denied
b"<user@evil.test>"	550 5.7.1 <user@evil.test>: Relaying denied
# encoded @
b"<user%40evil.test@localhost>"	550 5.1.1 <user%40evil.test@localhost>: Recipient address rejected: User unknown in local recipient table
b"<user=40evil.test@localhost>"	550 5.1.1 <user=40evil.test@localhost>: Recipient address rejected: User unknown in local recipient table
# NUL and 8-bit bytes
b"<user\x00@evil.test>"	500 5.5.2 NUL character in command
b"<user@evil.test\x00@localhost>"	500 5.5.2 NUL character in command
b"<us\xe9r@evil.test>"	553 5.6.7 Non-ASCII address without SMTPUTF8
b"<us\xc3\xa9r@evil.test>"	 SMTPUTF8	550 5.7.1 <us\xc3\xa9r@evil.test>: Relaying denied
b"<user@\xc3\xa9vil.test>"	 SMTPUTF8	550 5.7.1 <user@\xc3\xa9vil.test>: Relaying denied
b"<us\xe9r@evil.test>"	 SMTPUTF8	553 5.1.3 Invalid UTF-8 in recipient address
# double @
b"<user@evil.test@localhost>"	501 5.1.3 Bad recipient address syntax
b"<user@localhost@evil.test>"	501 5.1.3 Bad recipient address syntax
# no angle brackets, spaces
b"user@evil.test"	501 5.5.4 Syntax error in parameters or arguments
b"< user@evil.test >"	501 5.1.3 Bad recipient address syntax
'

atf_test_case open_relay_battery cleanup
open_relay_battery_head()
{
	atf_set descr "from a non-listed source without auth, every address" \
	    "trick gets 5xx at RCPT and the relay host receives nothing;" \
	    "127.0.0.1 (listed) is relayed"
}
open_relay_battery_body()
{
	inst_setup
	sink_start
	relay_conf
	inst_start
	# the cases and what each must get
	printf '%s\n' "$BATTERY" | grep -v '^#' | grep . |
	    awk -F '\t' '{ print ($3 == "" ? $1 : $1 "\t" $2) }' \
	    >"$T/cases"
	printf '%s\n' "$BATTERY" | grep -v '^#' | grep . |
	    awk -F '\t' '{ print $1 "\t" ($3 == "" ? $2 : $3) }' \
	    >"$T/expected"
	python3 "$SINKTOOL" probe 127.0.0.9 "$PORT" probe.outside.test \
	    <"$T/cases" >"$T/got" 2>&1 || { cat "$T/got" >&2;
	    atf_fail "probe failed"; }
	if ! diff -u "$T/expected" "$T/got" >"$T/diff"; then
		cat "$T/diff" >&2
		atf_fail "a battery case got an unexpected reply"
	fi
	# every reply is a 5xx
	cut -f2 "$T/got" | grep -qv '^5' && atf_fail "a non-5xx reply"
	# every refusal is logged with the client's address
	_n=$(grep -c 'smtp failed-command address=127.0.0.9 command="RCPT' \
	    "$T/log")
	[ "$_n" -eq "$(wc -l <"$T/cases")" ] ||
	    atf_fail "$_n RCPT refusals logged for $(wc -l <"$T/cases")" \
	    "cases"
	assert_grep "lka expand rcpt=<user@evil.test> address=127.0.0.9 action=- result=reject" "$T/log"
	# the positive control: from 127.0.0.1 the same address is relayed
	printf 'Subject: control\r\n\r\ncontrol\r\n' |
	    tool send "$PORT" "$ALICE@$DOM" "user@evil.test" \
	    >"$T/send.out" 2>&1 || { cat "$T/send.out" >&2;
	    atf_fail "send failed"; }
	wait_for_file "$T/sink/msg.0" || atf_fail "the control was not relayed"
	wait_queue_empty || atf_fail "the queue kept a message"
	[ "$(sink_count)" -eq 1 ] ||
	    atf_fail "the sink received $(sink_count) messages, not 1"
	assert_grep "^control" "$T/sink/msg.0"
}
open_relay_battery_cleanup() { sink_cleanup; }

atf_test_case open_relay_refused cleanup
open_relay_refused_head()
{
	atf_set descr "smtpd -n and the daemon refuse an open relay rule;" \
	    "unsafe-open-relay starts with a warning in the log"
}
open_relay_refused_body()
{
	inst_setup
	inst_conf <<EOF
action "out" relay host smtp://127.0.0.1:9
match from any for any action "out"
EOF
	"$SMTPD" -n -f "$T/smtpd.conf" >"$T/n.out" 2>"$T/n.err" &&
	    atf_fail "smtpd -n accepted an open relay"
	assert_grep "smtpd.conf:9: open relay refused: this rule relays mail from anyone \\(\"from any\"\\)" "$T/n.err"
	timeout 60 "$SMTPD" -d -f "$T/smtpd.conf" >"$T/d.out" 2>&1 &&
	    atf_fail "smtpd started with an open relay"
	assert_grep "open relay refused" "$T/d.out"
	inst_conf <<EOF
action "out" relay host smtp://127.0.0.1:9
match from any for any action "out" unsafe-open-relay
EOF
	"$SMTPD" -n -f "$T/smtpd.conf" >"$T/n.out" 2>&1 ||
	    { cat "$T/n.out" >&2; atf_fail "unsafe-open-relay refused"; }
	inst_start
	wait_log_count "warning: the match rule at line 9 relays mail from anyone to anywhere" 1 ||
	    atf_fail "no warning at start"
}
open_relay_refused_cleanup() { sink_cleanup; }

atf_init_test_cases()
{
	atf_add_test_case relay_to_sink
	atf_add_test_case relay_permfail_bounces
	atf_add_test_case relay_tempfail_retries
	atf_add_test_case relay_unreachable
	atf_add_test_case open_relay_battery
	atf_add_test_case open_relay_refused
}
