#! /usr/bin/env atf-sh
# The queue never drops what it accepted: a bounce the sender cannot
# receive goes to postmaster, a double bounce does not loop, and when
# postmaster cannot receive it either the message is held, shown by
# smtpctl show queue with its reason, kept across a restart and released
# by smtpctl schedule.

. "$(atf_get_srcdir)/lib.sh"

# bob's mail fails for good; with $1 set, alice's too; the rest goes to
# $T/mail/USER through the aliases.
hold_conf()
{
	_alice=
	[ -n "${1:-}" ] &&
	    _alice="match from local for rcpt-to \"$ALICE@$DOM\" action \"fail\""
	inst_conf <<EOF
action "fail" mda "exit 67"
action "mbox" mbox "$T/mail/%{user.username}" alias <aliases>
match from local for rcpt-to "$BOB@$DOM" action "fail"
$_alice
match from local for local action "mbox"
EOF
}

atf_test_case bounce_to_postmaster cleanup
bounce_to_postmaster_head()
{
	atf_set descr "a bounce whose sender cannot receive it reaches postmaster"
}
bounce_to_postmaster_body()
{
	inst_setup
	echo "postmaster: $ALICE" >"$T/aliases"
	hold_conf
	inst_start
	swaks_send nosuchuser@$DOM $BOB@$DOM --header "Subject: doomed" \
	    --body "neither bob nor the sender can get this"
	wait_mbox $ALICE '^Final-Recipient: '
	_f=$(mbox_of $ALICE)
	assert_grep "^Final-Recipient: rfc822; ?$BOB@$DOM" "$_f"
	assert_grep '^From: .*MAILER-DAEMON' "$_f"
	assert_grep "^To: <postmaster@$DOM>" "$_f"
	assert_grep "could not be sent to the sender <nosuchuser@$DOM>" "$_f"
	assert_grep '^Subject: doomed' "$_f"
	wait_queue_empty || atf_fail "the queue did not empty"
	assert_grep 'queue bounce undeliverable .*sending it to postmaster' \
	    "$T/log"
}
bounce_to_postmaster_cleanup()
{
	inst_cleanup
}

atf_test_case double_bounce cleanup
double_bounce_head()
{
	atf_set descr "a bounce that fails at delivery goes to postmaster, once"
}
double_bounce_body()
{
	inst_setup
	echo "postmaster: $ALICE" >"$T/aliases"
	# alice's mailbox fails (rcpt-to alice): the bounce to her fails;
	# postmaster is alice too, but reached as postmaster: delivered
	hold_conf alice-fails
	inst_start
	swaks_send $ALICE@$DOM $BOB@$DOM --header "Subject: doomed-twice"
	wait_mbox $ALICE '^Subject: Undelivered Mail Returned to Sender'
	wait_queue_empty || atf_fail "the queue did not empty"
	_f=$(mbox_of $ALICE)
	# one message for postmaster, about the failed bounce: no loop
	[ "$(grep -c '^From MAILER-DAEMON ' "$_f")" -eq 1 ] ||
	    { show_file "$_f"; atf_fail "expected one message for postmaster"; }
	assert_grep "^Final-Recipient: rfc822; ?$ALICE@$DOM" "$_f"
	assert_grep "^To: <postmaster@$DOM>" "$_f"
}
double_bounce_cleanup()
{
	inst_cleanup
}

atf_test_case held cleanup
held_head()
{
	atf_set descr "postmaster cannot receive the bounce either: held," \
	    "shown, kept across a restart, released by schedule"
}
held_body()
{
	inst_setup
	: >"$T/aliases"		# no postmaster alias, no such system user
	hold_conf
	inst_start
	swaks_send nosuchuser@$DOM $BOB@$DOM --header "Subject: kept"
	wait_log_count 'queue held evpid=' 1 ||
	    atf_fail "no log line for the held envelope"
	[ "$(queue_count)" -eq 1 ] || atf_fail "the message is not queued"
	ctl show queue
	assert_grep 'held' "$T/ctl.out"
	assert_grep "nosuchuser@$DOM" "$T/ctl.out"
	assert_grep 'postmaster' "$T/ctl.out"
	ctl show stats
	assert_grep '^queue.held=1$' "$T/ctl.out"

	inst_stop
	inst_start
	[ "$(queue_count)" -eq 1 ] || atf_fail "lost by the restart"
	ctl show queue
	assert_grep 'held' "$T/ctl.out"
	_id=$(grep -o '[0-9a-f]\{16\}' "$T/ctl.out" | head -1)
	[ -n "$_id" ] || { show_file "$T/ctl.out"; atf_fail "no id"; }

	# the administrator fixes postmaster and releases the message
	echo "postmaster: $ALICE" >"$T/aliases"
	ctl reload
	ctl resume "$_id"		# = schedule ID
	wait_mbox $ALICE '^Subject: kept'
	wait_queue_empty || atf_fail "the queue did not empty"
	assert_grep "$_id queue released by the administrator" "$T/log"
}
held_cleanup()
{
	inst_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case bounce_to_postmaster
	atf_add_test_case double_bounce
	atf_add_test_case held
}
