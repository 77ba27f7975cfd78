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

# The destination is down (issue 14, acceptance 2): a relayed message
# waits and is retried with backoff, smtpctl show queue says where it goes,
# how many attempts, why and when next; it is delivered once the host
# comes back (smtpctl schedule forces a try, also out of a long backoff);
# pause mta holds relay deliveries only.  With queue ttl short the sender
# gets a bounce, and with bounce warn-interval short a delay notice first:
# both valid RFC 3464 reports with the original headers, checked with
# python3's email parser (dsntool.py).
#
# Black-box: the relay host is a port of 127.0.0.1 where nothing listens
# until the test starts the sink (sinktool.py) on it; nothing here
# depends on which process delivers relayed mail or on its log lines.

. "$(atf_get_srcdir)/lib.sh"

DSNTOOL=$(atf_get_srcdir)/dsntool.py
FRIEND=friend@remote.test

# Local mail to Maildirs, mail from 127.0.0.1 relayed to RELAYPORT;
# extra global lines on stdin.
retry_conf()
{
	RELAYPORT=${RELAYPORT:-$(inst_free_port)}
	{
		cat
		cat <<EOF
action "md" maildir "~/Maildir" alias <aliases>
action "out" relay host smtp://127.0.0.1:$RELAYPORT
match from any for local action "md"
match from src 127.0.0.1 for any action "out"
EOF
	} | inst_conf
}

# The sink, on the relay host's port at last.
sink_up()
{
	mkdir -p "$T/sink"
	setsid python3 "$SINKTOOL" sink "$T/sink" 120 "$RELAYPORT" \
	    >"$T/sink.log" 2>&1 9>&- &
	wait_for_file "$T/sink/port" ||
	    { cat "$T/sink.log" >&2; atf_fail "the sink did not start"; }
}

# send SUBJECT: alice to FRIEND over SMTP from 127.0.0.1 (relayed).
send_out()
{
	printf 'Subject: %s\r\nFrom: <%s@%s>\r\n\r\nsecret body text\r\n' \
	    "$1" "$ALICE" "$DOM" |
	    tool send "$PORT" "$ALICE@$DOM" "$FRIEND" >"$T/send.out" 2>&1 ||
	    { cat "$T/send.out" >&2; atf_fail "send failed"; }
}

# Field N (1-based) of the first envelope in smtpctl show queue -p:
# evpid|msgid|sender|rcpt|dest|action|state|ctime|expire|retry|nexttry|
# error|size|route
qfield()
{
	"$SMTPCTL" show queue -p 2>/dev/null | awk -F'|' -v n="$1" \
	    'NR == 1 { print $n }'
}

has_attempts()
{
	_a=$(qfield 10)
	[ -n "$_a" ] && [ "$_a" -ge "$1" ]
}

not_inflight()
{
	_s=$(qfield 7)
	[ -n "$_s" ] && [ "$_s" != inflight ]
}

maildir_count()
{
	count_files "$(maildir_new "$1")"
}

has_maildir_count()
{
	[ "$(maildir_count "$1")" -ge "$2" ]
}

atf_test_case host_down_then_up cleanup
host_down_then_up_head()
{
	atf_set descr "a relay host that is down: the message waits and" \
	    "is retried, show queue gives route, attempts, error and next" \
	    "try; pause mta holds it while local mail goes on; it is" \
	    "delivered when the host is up"
}
host_down_then_up_body()
{
	inst_setup
	retry_conf </dev/null
	inst_start
	send_out "waiting"
	poll_until "$WAIT" has_attempts 3 || atf_fail "not retried 3 times"
	[ "$(queue_count)" -eq 1 ] || atf_fail "the message is not queued"

	# pause mta: the relay envelope waits, paused
	ctl pause mta
	poll_until "$WAIT" not_inflight || atf_fail "still in flight"
	ctl show queue
	cp "$T/ctl.out" "$T/table"
	_date='[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8}'
	assert_grep "^  [0-9a-f]{16}  paused +($_date|now) +<$FRIEND>\$" \
	    "$T/table"
	assert_grep "^ {20}relay host 127\\.0\\.0\\.1:$RELAYPORT, [0-9]+ attempts\$" \
	    "$T/table"
	_n=$(sed -nE "s/^ {20}relay host [^,]*, ([0-9]+) attempts\$/\\1/p" \
	    "$T/table")
	[ "$_n" -gt 1 ] || atf_fail "attempts: $_n"
	# the reason, from the relay host's side
	assert_grep "^ {20}\\(.+\\)\$" "$T/table"
	ctl show queue -p
	cp "$T/ctl.out" "$T/raw"
	_re='^[0-9a-f]{16}\|[0-9a-f]{8}'
	assert_grep "$_re\|$ALICE@$DOM\|$FRIEND\|$FRIEND\|out\|paused\|[0-9]+\|[0-9]+\|[0-9]+\|[0-9]+\|[^|]+\|[0-9]+\|relay host 127\\.0\\.0\\.1:$RELAYPORT\$" \
	    "$T/raw"
	# the next try is planned after the last one
	_next=$(qfield 11)
	_ctime=$(qfield 8)
	[ "$_next" -gt "$_ctime" ] || atf_fail "next try $_next <= $_ctime"
	# a user sees the attempts and the error, not the route
	su nobody -s /bin/sh -c "CARTERO_RUNDIR='$T/run' '$TOP/build/mailq'" \
	    >"$T/user.out" 2>&1 ||
	    { cat "$T/user.out" >&2; atf_fail "mailq as nobody failed"; }
	assert_grep "^ {20}[0-9]+ attempts\$" "$T/user.out"
	assert_no_grep "relay host" "$T/user.out"
	su nobody -s /bin/sh -c \
	    "CARTERO_RUNDIR='$T/run' '$TOP/build/mailq' -p" \
	    >"$T/user.out" 2>&1 ||
	    { cat "$T/user.out" >&2; atf_fail "mailq -p as nobody failed"; }
	assert_grep "\|\|\|paused\|.*\|[0-9]+\|\$" "$T/user.out"

	# while relaying is paused, local mail is delivered
	_tries=$(qfield 10)
	printf 'Subject: local\r\n\r\nlocal\r\n' |
	    tool send "$PORT" "$ALICE@$DOM" "$BOB@$DOM" >"$T/send.out" 2>&1 ||
	    { cat "$T/send.out" >&2; atf_fail "local send failed"; }
	maildir_one "$BOB"
	[ "$(qfield 10)" -eq "$_tries" ] ||
	    atf_fail "relay tried while mta paused"
	assert_grep "queue: relay deliveries paused" "$T/log"

	# the host comes back: resume, schedule, delivered
	sink_up
	ctl resume mta
	ctl schedule all
	wait_for_file "$T/sink/msg.0" || atf_fail "not delivered"
	assert_grep "^Subject: waiting" "$T/sink/msg.0"
	assert_grep "^secret body text" "$T/sink/msg.0"
	wait_queue_empty || atf_fail "the queue kept the message"
	[ "$(maildir_count "$ALICE")" -eq 0 ] ||
	    atf_fail "the sender got a notice or a bounce"
}
host_down_then_up_cleanup() { sink_cleanup; }

atf_test_case schedule_in_backoff cleanup
schedule_in_backoff_head()
{
	atf_set descr "smtpctl schedule ID makes an envelope waiting an" \
	    "hour in backoff go out at once"
}
schedule_in_backoff_body()
{
	inst_setup
	retry_conf </dev/null
	sed -i 's/^queue retry min 1s max 2s$/queue retry min 1h max 2h/' \
	    "$T/smtpd.conf"
	assert_grep "^queue retry min 1h max 2h\$" "$T/smtpd.conf"
	inst_start
	send_out "backoff"
	poll_until "$WAIT" has_attempts 1 || atf_fail "never tried"
	poll_until "$WAIT" not_inflight || atf_fail "still in flight"
	_evpid=$(qfield 1)
	_next=$(qfield 11)
	[ "$_next" -ge $(($(date +%s) + 3000)) ] ||
	    atf_fail "next try $_next is not an hour away"
	sink_up
	ctl schedule "$_evpid"
	wait_for_file "$T/sink/msg.0" || atf_fail "schedule did not try it"
	assert_grep "^Subject: backoff" "$T/sink/msg.0"
	wait_queue_empty || atf_fail "the queue kept the message"
	# an unknown id is an error
	"$SMTPCTL" schedule "$_evpid" >"$T/ctl.out" 2>&1 &&
	    atf_fail "schedule of a delivered envelope succeeded"
	assert_grep "no such envelope" "$T/ctl.out"
}
schedule_in_backoff_cleanup() { sink_cleanup; }

atf_test_case expired_bounce cleanup
expired_bounce_head()
{
	atf_set descr "queue ttl short and the relay host down: the sender" \
	    "gets a bounce, a valid RFC 3464 report with the original" \
	    "headers"
}
expired_bounce_body()
{
	inst_setup
	retry_conf <<EOF
queue ttl 4s
EOF
	inst_start
	send_out "doomed"
	wait_for_count "$(maildir_new "$ALICE")" 1 ||
	    atf_fail "no bounce for the sender"
	wait_queue_empty || atf_fail "the queue kept the message"
	maildir_one "$ALICE"
	python3 "$DSNTOOL" check "$MSG" failed "$FRIEND" doomed \
	    >"$T/dsn.out" 2>&1 ||
	    { cat "$T/dsn.out" "$MSG" >&2; atf_fail "not a valid DSN"; }
	assert_grep "^subject=Undelivered Mail Returned to Sender\$" \
	    "$T/dsn.out"
	assert_grep "^to=<$ALICE@$DOM>\$" "$T/dsn.out"
	assert_grep "^status=5\\.[0-9]+\\.[0-9]+\$" "$T/dsn.out"
	assert_grep "^original-subject=doomed\$" "$T/dsn.out"
	# the headers come back, not the body
	assert_no_grep "secret body text" "$MSG"
	assert_grep "^Return-Path: <>" "$MSG"
}
expired_bounce_cleanup() { sink_cleanup; }

atf_test_case delay_notice cleanup
delay_notice_head()
{
	atf_set descr "bounce warn-interval: one delay notice per delay" \
	    "(RFC 3464, Action: delayed, with the original headers) while" \
	    "the message stays queued, none again after a restart; then" \
	    "delivered when the host is up"
}
delay_notice_body()
{
	inst_setup
	retry_conf <<EOF
bounce warn-interval 2s, 6s
EOF
	inst_start
	send_out "slow"
	wait_for_count "$(maildir_new "$ALICE")" 1 ||
	    atf_fail "no delay notice"
	[ "$(queue_count)" -eq 1 ] || atf_fail "the message left the queue"
	maildir_one "$ALICE"
	python3 "$DSNTOOL" check "$MSG" delayed "$FRIEND" slow \
	    >"$T/dsn.out" 2>&1 ||
	    { cat "$T/dsn.out" "$MSG" >&2; atf_fail "not a valid DSN"; }
	assert_grep "^subject=Delayed Mail \\(still being retried\\)\$" \
	    "$T/dsn.out"
	assert_grep "^status=4\\.[0-9]+\\.[0-9]+\$" "$T/dsn.out"
	assert_grep "^will-retry-until=" "$T/dsn.out"
	assert_grep "^original-subject=slow\$" "$T/dsn.out"
	assert_no_grep "secret body text" "$MSG"
	# the count is on disk
	poll_until "$WAIT" grep -q "^warned: 1\$" "$T"/spool/queue/*.env ||
	    atf_fail "warned not written"

	# the second delay: a second notice, then no more
	poll_until "$WAIT" has_maildir_count "$ALICE" 2 ||
	    atf_fail "no second delay notice"
	poll_until "$WAIT" grep -q "^warned: 2\$" "$T"/spool/queue/*.env ||
	    atf_fail "warned 2 not written"
	_tries=$(qfield 10)
	poll_until "$WAIT" has_attempts $((_tries + 3)) ||
	    atf_fail "not retried"
	[ "$(maildir_count "$ALICE")" -eq 2 ] ||
	    atf_fail "$(maildir_count "$ALICE") notices, expected 2"

	# a restart does not send them again
	inst_stop
	inst_start
	_tries=$(qfield 10)
	poll_until "$WAIT" has_attempts $((_tries + 3)) ||
	    atf_fail "not retried after the restart"
	[ "$(maildir_count "$ALICE")" -eq 2 ] ||
	    atf_fail "a notice was sent again after the restart"

	sink_up
	ctl schedule all
	wait_for_file "$T/sink/msg.0" || atf_fail "not delivered"
	wait_queue_empty || atf_fail "the queue kept the message"
	[ "$(maildir_count "$ALICE")" -eq 2 ] || atf_fail "a bounce was sent"
}
delay_notice_cleanup() { sink_cleanup; }

atf_test_case no_notice_for_null_sender cleanup
no_notice_for_null_sender_head()
{
	atf_set descr "no delay notice for the sender <> (nor to" \
	    "postmaster for it)"
}
no_notice_for_null_sender_body()
{
	inst_setup
	echo "postmaster: $ALICE" >"$T/aliases"
	retry_conf <<EOF
bounce warn-interval 1s
EOF
	inst_start
	printf 'Subject: from nobody\r\n\r\nx\r\n' |
	    tool send "$PORT" "" "$FRIEND" >"$T/send.out" 2>&1 ||
	    { cat "$T/send.out" >&2; atf_fail "send failed"; }
	poll_until "$WAIT" has_attempts 5 || atf_fail "not retried"
	[ "$(maildir_count "$ALICE")" -eq 0 ] ||
	    atf_fail "a notice was sent for <>"
	[ "$(queue_count)" -eq 1 ] || atf_fail "the message left the queue"
}
no_notice_for_null_sender_cleanup() { sink_cleanup; }

atf_init_test_cases()
{
	atf_add_test_case host_down_then_up
	atf_add_test_case schedule_in_backoff
	atf_add_test_case expired_bounce
	atf_add_test_case delay_notice
	atf_add_test_case no_notice_for_null_sender
}
