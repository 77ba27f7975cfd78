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

# The queue never drops what it accepted: a bounce the sender cannot
# receive goes to postmaster, a double bounce does not loop, and when
# postmaster cannot receive it either the message is held, shown by
# smtpctl show queue with its reason, kept across a restart and released
# by smtpctl schedule.  A full spool (a small tmpfs) never half-accepts:
# 452 4.3.1, mail accepted before stays intact and is delivered, and
# service resumes by itself when space returns.

. "$(atf_get_srcdir)/lib.sh"

# bob's mail fails for good; with $1 set, alice's too; the rest goes to
# $T/mail/USER through the aliases.
hold_conf()
{
	_alice=
	[ -n "${1:-}" ] &&
	    _alice="match from local for rcpt-to \"$ALICE@$DOM\" \
	    action \"fail\""
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
	atf_set descr "a bounce whose sender cannot receive it reaches" \
	    "postmaster"
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

#
# A full spool.  The spool is a small tmpfs mounted for the test case and
# unmounted by its cleanup part (lazily: the daemon may still hold it).
#

# spool_mount OPTIONS: a tmpfs as $T/spool.
spool_mount()
{
	mkdir -p "$T/spool"
	mount -t tmpfs -o "$1,mode=0711" cartero-test "$T/spool" ||
	    atf_skip "cannot mount a tmpfs"
	echo "$T/spool" >"$T/mounted"
}

spool_cleanup()
{
	[ -f "$INST_REF" ] || return 0
	_t=$(cat "$INST_REF")
	case "$_t" in
	/tmp/cartero-t.*) ;;
	*) return 0 ;;
	esac
	if [ -f "$_t/mounted" ]; then
		umount -l "$_t/spool" 2>/dev/null
	fi
	inst_cleanup
}

# try_send SUBJECT [KBYTES]: send a message of about KBYTES (1 by
# default) from alice to bob; the client's account is in $T/send.out.
try_send()
{
	python3 -c 'import sys
sys.stdout.write("Subject: %s\n\n" % sys.argv[1])
line = "x" * 1023 + "\n"
sys.stdout.write(line * int(sys.argv[2]))' "$1" "${2:-1}" |
	    tool send "$PORT" "$ALICE@$DOM" "$BOB@$DOM" >"$T/send.out" 2>&1
}

# The message with that subject is in bob's Maildir, whole.
assert_delivered()
{
	_d=$(maildir_new $BOB)
	poll_until "$WAIT" grep -rqx "Subject: $1" "$_d" ||
	    atf_fail "\"$1\" not delivered to $_d"
	_f=$(grep -rlx "Subject: $1" "$_d" | head -1)
	[ "$(grep -c '^x\{1023\}$' "$_f")" -eq "${2:-1}" ] ||
	    atf_fail "\"$1\" was damaged"
}

atf_test_case spool_full cleanup
spool_full_head()
{
	atf_set descr "a spool that fills up during a transaction: 452" \
	    "4.3.1, earlier mail intact and delivered, service resumes"
}
spool_full_body()
{
	inst_setup
	spool_mount size=2m
	inst_conf <<EOF
queue min-free 0
queue min-free-inodes 0
action "md" maildir "~/Maildir"
match from local for local action "md"
EOF
	inst_start
	ctl pause mda
	try_send before 100 ||
	    { cat "$T/send.out" >&2; atf_fail "the first message was refused"; }

	# a message bigger than the spool: the write fails mid-DATA
	if try_send too-big 3000; then
		atf_fail "a message bigger than the spool was accepted"
	fi
	assert_grep '452.*4\.3\.1' "$T/send.out"

	# the spool full (a filler file): refused, never half-accepted
	dd if=/dev/zero of="$T/spool/filler" bs=64k 2>/dev/null
	if try_send while-full 100; then
		atf_fail "a message was accepted on a full spool"
	fi
	assert_grep '452.*4\.3\.1' "$T/send.out"
	assert_grep 'smtp write msgid=.*No space left' "$T/log"

	# room for the message (one page) but not for its envelope file:
	# the queue's commit fails, and says so once
	rm -f "$T/spool/filler"
	_free=$(stat -f -c %a "$T/spool")
	dd if=/dev/zero of="$T/spool/filler" bs="$(stat -f -c %S "$T/spool")" \
	    count=$((_free - 1)) 2>/dev/null
	if try_send no-room-for-envelope; then
		atf_fail "accepted without room for the envelope"
	fi
	assert_grep '452.*4\.3\.1' "$T/send.out"
	assert_grep 'queue: spool write error: write .*No space left' "$T/log"
	assert_grep 'queue commit failed: 452 4\.3\.1' "$T/log"
	# again: refused again, but the storage error is not logged again
	if try_send no-room-again; then
		atf_fail "accepted without room for the envelope"
	fi
	assert_grep '452.*4\.3\.1' "$T/send.out"
	[ "$(grep -c 'queue commit failed: 452' "$T/log")" -eq 2 ] ||
	    atf_fail "the second commit did not fail in the queue"
	[ "$(grep -c 'spool write error' "$T/log")" -eq 1 ] ||
	    atf_fail "storage errors are not rate-limited"

	# space returns: accepted again, no restart
	rm -f "$T/spool/filler"
	try_send after 100 ||
	    { cat "$T/send.out" >&2; atf_fail "not accepted after the disk"; }
	ctl resume mda
	assert_delivered before 100
	assert_delivered after 100
	wait_queue_empty || atf_fail "the queue did not empty"
	[ "$(count_files "$(maildir_new $BOB)")" -eq 2 ] ||
	    atf_fail "a refused message was delivered"
	assert_alive
}
spool_full_cleanup()
{
	spool_cleanup
}

atf_test_case spool_threshold cleanup
spool_threshold_head()
{
	atf_set descr "below queue min-free or min-free-inodes new mail gets" \
	    "452 4.3.1 at MAIL FROM; above it again, it is accepted"
}
spool_threshold_body()
{
	inst_setup
	spool_mount size=4m,nr_inodes=64
	inst_conf <<EOF
queue min-free 3M
queue min-free-inodes 40
action "md" maildir "~/Maildir"
match from local for local action "md"
EOF
	inst_start
	try_send first ||
	    { cat "$T/send.out" >&2; atf_fail "refused above the threshold"; }

	# 1.5M taken: less than 3M free
	dd if=/dev/zero of="$T/spool/filler" bs=512k count=3 2>/dev/null
	if try_send below-space; then
		atf_fail "accepted below queue min-free"
	fi
	assert_grep '452.*4\.3\.1' "$T/send.out"
	assert_grep 'queue: spool below its free space threshold' "$T/log"
	rm -f "$T/spool/filler"
	try_send space-back ||
	    { cat "$T/send.out" >&2; atf_fail "refused with space back"; }
	assert_grep 'queue: spool above its free space threshold again' \
	    "$T/log"

	# fewer than 40 free inodes
	mkdir "$T/spool/fill"
	_i=0
	while [ "$_i" -lt 30 ]; do
		: >"$T/spool/fill/$_i" 2>/dev/null
		_i=$((_i + 1))
	done
	if try_send below-inodes; then
		atf_fail "accepted below queue min-free-inodes"
	fi
	assert_grep '452.*4\.3\.1' "$T/send.out"
	rm -rf "$T/spool/fill"
	try_send inodes-back ||
	    { cat "$T/send.out" >&2; atf_fail "refused with inodes back"; }

	for _s in first space-back inodes-back; do
		assert_delivered $_s
	done
	[ "$(count_files "$(maildir_new $BOB)")" -eq 3 ] ||
	    atf_fail "a refused message was delivered"
	# one line when it went below, one when it came back: twice each
	[ "$(grep -c 'spool below its free space' "$T/log")" -eq 2 ] ||
	    atf_fail "expected one log line per crossing"
}
spool_threshold_cleanup()
{
	spool_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case bounce_to_postmaster
	atf_add_test_case double_bounce
	atf_add_test_case held
	atf_add_test_case spool_full
	atf_add_test_case spool_threshold
}
