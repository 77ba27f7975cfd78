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

# Durability: 200 messages sent by 8 concurrent clients while the queue
# process (first case) or the whole daemon (second case) is killed with
# SIGKILL.  After a restart every message whose "250" the client saw must
# be delivered exactly once.  Messages whose 250 the client did not see
# may be delivered or not (counted and reported).

. "$(atf_get_srcdir)/lib.sh"

NMSG=200
NTHREADS=8

ack_count()
{
	cat "$T/blast.out" 2>/dev/null | grep -c '^ACK'
}

# crash_run KILLER: KILLER is a shell function run once a quarter of the
# messages has been acknowledged.
crash_run()
{
	inst_setup
	inst_conf_std md
	inst_start
	tool blast "$PORT" $NMSG $NTHREADS $ALICE@$DOM $BOB@$DOM \
	    "$T/blast.out" >"$T/blast.log" 2>&1 &
	_blast=$!
	_i=$((WAIT * 20))
	while [ "$(ack_count)" -lt $((NMSG / 4)) ]; do
		_i=$((_i - 1))
		if [ "$_i" -le 0 ] || ! alive "$_blast"; then
			cat "$T/blast.log" >&2
			atf_fail "clients did not get $((NMSG / 4)) messages in"
		fi
		inst_check_up
		sleep 0.05
	done
	echo "killing after $(ack_count) acknowledged"
	inst_expect_exit
	"$1"
	# the clients end by themselves (errors count as not acknowledged)
	wait "$_blast" || atf_fail "the client program failed"
	[ "$(wc -l <"$T/blast.out")" -eq $NMSG ] ||
	    atf_fail "the clients did not account for every message"
	# the daemon stops when any of its processes dies
	wait_gone "$DPID" || atf_fail "smtpd did not stop after the kill"
	wait "$DPID"
	echo "acknowledged: $(ack_count) of $NMSG"

	echo "==== restart ====" >>"$T/log"
	inst_start
	_md="$(home_of $BOB)/Maildir"
	wait_queue_empty 120 || atf_fail "the queue did not empty"
	# every acknowledged message is there exactly once
	tool check-maildir "$T/blast.out" "$_md" >"$T/check.out" 2>&1
	_st=$?
	cat "$T/check.out"
	[ "$_st" -eq 0 ] || atf_fail "$(grep -E \
	    'LOST|DUPLICATED|UNKNOWN|no message' "$T/check.out" |
	    cut -c1-200 | tr '\n' ' ')"
	assert_alive
	inst_stop
}

kill_queue()
{
	_q=$(child_pid queue)
	[ -n "$_q" ] || atf_fail "no queue process"
	kill -9 "$_q"
}

kill_group()
{
	# the daemon is a process group leader (setsid): every process of
	# the instance, delivery agents included, dies at once
	kill -9 -- "-$DPID"
}

atf_test_case kill_queue cleanup
kill_queue_head()
{
	atf_set descr "kill -9 of the queue during 200 messages loses none"
	atf_set timeout 600
}
kill_queue_body()
{
	crash_run kill_queue
}
kill_queue_cleanup()
{
	inst_cleanup
}

atf_test_case kill_all cleanup
kill_all_head()
{
	atf_set descr "kill -9 of every process during 200 messages loses none"
	atf_set timeout 600
}
kill_all_body()
{
	crash_run kill_group
}
kill_all_cleanup()
{
	inst_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case kill_queue
	atf_add_test_case kill_all
}
