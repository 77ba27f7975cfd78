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

# Local mail: mail(1) and sendmail between users, aliases, ~/.forward,
# bounces to local senders, and the offline queue used while smtpd is down.

. "$(atf_get_srcdir)/lib.sh"

atf_test_case mailx_to_mbox cleanup
mailx_to_mbox_head()
{
	atf_set descr "as alice: echo hi | mail -s test bob reaches bob"
}
mailx_to_mbox_body()
{
	inst_setup
	inst_conf_std mbox
	[ -x "$MAILX" ] || atf_fail "$MAILX missing: run sh .ci/deps.sh"
	inst_start
	# bsd-mailx runs $sendmail: point it at our build (argv[0] sendmail)
	echo "set sendmail=$SENDMAIL" >"$T/mailrc"
	chmod 644 "$T/mailrc"
	su $ALICE -s /bin/sh -c "cd / && echo 'hi from alice' | \
	    MAILRC='$T/mailrc' CARTERO_RUNDIR='$T/run' \
	    CARTERO_SPOOL='$T/spool' $MAILX -s 'test mailx' $BOB" \
	    >"$T/mail.out" 2>&1 ||
	    { cat "$T/mail.out" >&2; atf_fail "mail(1) failed"; }
	wait_mbox $BOB '^hi from alice$'
	_m=$(mbox_of $BOB)
	assert_grep "^From $ALICE@" "$_m"
	assert_grep '^Subject: test mailx$' "$_m"
	assert_grep "^From: .*$ALICE" "$_m"
	assert_grep '^Received: ' "$_m"
	assert_grep '^Message-I[Dd]: <' "$_m"
	assert_grep '^Date: ' "$_m"
	# bob reads it with mail(1) (x: leave the mailbox as it was)
	echo x | su $BOB -s /bin/sh -c "cd / && $MAILX -f '$_m'" >"$T/list" \
	    2>&1
	assert_grep "1 message" "$T/list"
	assert_grep "$ALICE.*test mailx" "$T/list"
}
mailx_to_mbox_cleanup()
{
	inst_cleanup
}

atf_test_case sendmail_to_maildir cleanup
sendmail_to_maildir_head()
{
	atf_set descr "sendmail -t as alice delivers to bob's Maildir"
}
sendmail_to_maildir_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	printf 'To: %s\nSubject: via sendmail -t\n\n' $BOB >"$T/msg"
	printf 'body via sendmail\n.\nafter lone dot?\n' >>"$T/msg"
	chmod 644 "$T/msg"
	sendmail_as $ALICE "-t -oi <'$T/msg'" >"$T/sm.out" 2>&1 ||
	    { cat "$T/sm.out" >&2; atf_fail "sendmail -t failed"; }
	maildir_one $BOB; _f=$MSG
	assert_grep '^Subject: via sendmail -t$' "$_f"
	assert_grep '^body via sendmail$' "$_f"
	# -oi: a lone dot is data, not the end
	assert_grep '^after lone dot\?$' "$_f"
	assert_grep "^Return-Path: <$ALICE@" "$_f"
}
sendmail_to_maildir_cleanup()
{
	inst_cleanup
}

atf_test_case alias cleanup
alias_head()
{
	atf_set descr "an alias delivers to its target; unknown names get 550"
}
alias_body()
{
	inst_setup
	cat >"$T/aliases" <<EOF
# test aliases
team: $BOB
both: $BOB, $ALICE
EOF
	inst_conf_std md
	inst_start
	swaks_send $ALICE@$DOM team@$DOM --header "Subject: to team" \
	    --body "alias body"
	maildir_one $BOB; _f=$MSG
	assert_grep '^Subject: to team$' "$_f"
	swaks_send $BOB@$DOM both@$DOM --header "Subject: to both" \
	    --body "both body"
	wait_for_count "$(maildir_new $BOB)" 2 || atf_fail "bob: no 2nd message"
	maildir_one $ALICE; _f=$MSG
	assert_grep '^Subject: to both$' "$_f"
	chat <<EOF
< 220
> EHLO client.test
< 250
> MAIL FROM:<$ALICE@$DOM>
< 250
> RCPT TO:<teams@$DOM>
< 550
> QUIT
< 221
EOF
}
alias_cleanup()
{
	inst_cleanup
}

atf_test_case forward cleanup
forward_head()
{
	atf_set descr "bob's ~/.forward sends his mail to alice"
}
forward_body()
{
	inst_setup
	inst_conf_std md
	_fw="$(home_of $BOB)/.forward"
	echo "$ALICE" >"$_fw"
	chown $BOB: "$_fw"
	chmod 644 "$_fw"
	inst_start
	swaks_send $BOB@$DOM $BOB@$DOM --header "Subject: forwarded" \
	    --body "for bob, read by alice"
	maildir_one $ALICE; _f=$MSG
	assert_grep '^Subject: forwarded$' "$_f"
	assert_grep '^for bob, read by alice' "$_f"
	[ "$(count_files "$(maildir_new $BOB)")" -eq 0 ] ||
	    atf_fail "bob kept a copy"
}
forward_cleanup()
{
	inst_cleanup
}

atf_test_case forward_open_home cleanup
forward_open_home_head()
{
	atf_set descr "a ~/.forward in a home others may write to is" \
	    "ignored (they could rename a file of bob's over it)"
}
forward_open_home_body()
{
	inst_setup
	inst_conf_std md
	_home=$(home_of $BOB)
	stat -c %a "$_home" >home_mode
	echo "$ALICE" >"$_home/.forward"
	chown $BOB: "$_home/.forward"
	chmod 644 "$_home/.forward"
	chmod 0777 "$_home"
	inst_start
	swaks_send $BOB@$DOM $BOB@$DOM --header "Subject: kept" \
	    --body "for bob"
	maildir_one $BOB
	[ "$(count_files "$(maildir_new $ALICE)")" -eq 0 ] ||
	    atf_fail "the .forward was obeyed"
	wait_for_grep "directory writable by its group or by others" \
	    "$T/log" || atf_fail "no log line says why"
}
forward_open_home_cleanup()
{
	# the work directory is the body's: put bob's home back first
	[ -f home_mode ] && chmod "$(cat home_mode)" "$(home_of $BOB)"
	inst_cleanup
}

atf_test_case bounce cleanup
bounce_head()
{
	atf_set descr "a permanent failure bounces to the local sender"
}
bounce_body()
{
	inst_setup
	inst_conf <<EOF
action "fail" mda "exit 67"
action "md" maildir "~/Maildir" alias <aliases>
match from local for rcpt-to "$BOB@$DOM" action "fail"
match from local for local action "md"
EOF
	inst_start
	swaks_send $ALICE@$DOM $BOB@$DOM --header "Subject: doomed" \
	    --body "this cannot be delivered"
	maildir_one $ALICE; _f=$MSG
	assert_grep '^From: .*MAILER-DAEMON' "$_f"
	assert_grep '^Content-Type: multipart/report' "$_f"
	assert_grep 'report-type="?delivery-status' "$_f"
	assert_grep "^Final-Recipient: rfc822; ?$BOB@$DOM" "$_f"
	assert_grep '^Action: failed' "$_f"
	assert_grep '^Status: 5\.' "$_f"
	assert_grep '^Subject: doomed' "$_f"
	assert_grep "^Return-Path: <>" "$_f"
	[ "$(count_files "$(maildir_new $BOB)")" -eq 0 ] ||
	    atf_fail "bob got the message"
	wait_queue_empty || atf_fail "the queue did not empty"
}
bounce_cleanup()
{
	inst_cleanup
}

atf_test_case offline cleanup
offline_head()
{
	atf_set descr "sendmail while smtpd is down: delivered after start"
}
offline_body()
{
	inst_setup
	inst_conf_std md
	# a first start creates the spool, including offline/
	inst_start
	inst_stop
	[ ! -e "$T/run/smtpd.pid" ] || atf_fail "pid file left after stop"
	printf 'Subject: written offline\n\nwhile smtpd was down\n' |
	    sendmail_as $ALICE "$BOB" >"$T/sm.out" 2>&1 ||
	    { cat "$T/sm.out" >&2; atf_fail "offline sendmail failed"; }
	[ "$(count_files "$T/spool/offline")" -eq 1 ] ||
	    atf_fail "expected one file in $T/spool/offline"
	[ "$(stat -c %U "$(find "$T/spool/offline" -type f | head -1)")" = \
	    $ALICE ] || atf_fail "offline file not owned by $ALICE"
	inst_start
	maildir_one $BOB; _f=$MSG
	assert_grep '^Subject: written offline$' "$_f"
	assert_grep "^Return-Path: <$ALICE@" "$_f"
	[ "$(count_files "$T/spool/offline")" -eq 0 ] ||
	    atf_fail "the offline file was not removed"
}
offline_cleanup()
{
	inst_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case mailx_to_mbox
	atf_add_test_case sendmail_to_maildir
	atf_add_test_case alias
	atf_add_test_case forward
	atf_add_test_case forward_open_home
	atf_add_test_case bounce
	atf_add_test_case offline
}
