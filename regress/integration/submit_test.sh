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

# Local submission that no one can block: sendmail gets through while TCP
# clients hold every session, falls back to offline/ when the daemon
# cannot take the message, and one TCP address cannot take every slot.

. "$(atf_get_srcdir)/lib.sh"

STOOL=$(atf_get_srcdir)/submittool.py

# stool_bg NAME ARGS...: a submittool.py in the background, killed by
# stool_kill NAME and by the cleanup part (pid in $T/NAME.pid).
stool_bg()
{
	_name=$1
	shift
	python3 "$STOOL" "$@" >"$T/$_name.out" 2>&1 9>&- &
	echo $! >"$T/$_name.pid"
}

stool_kill()
{
	[ -f "$T/$1.pid" ] && kill "$(cat "$T/$1.pid")" 2>/dev/null
	rm -f "$T/$1.pid"
	return 0
}

stool_cleanup()
{
	[ -f "$INST_REF" ] || return 0
	for _p in "$(cat "$INST_REF")"/*.pid; do
		case "$_p" in
		*/daemon.pid) ;;
		*) [ -f "$_p" ] && kill -9 "$(cat "$_p")" 2>/dev/null ;;
		esac
	done
	inst_cleanup
}

# wait_ready NAME N: until the holder NAME has N greetings in NAME.ready.
wait_ready()
{
	wait_for_file "$T/$1.ready" ||
	    { cat "$T/$1.out" >&2; atf_fail "$1 did not get its sessions"; }
	[ "$(grep -c '^220 ' "$T/$1.ready")" -eq "$2" ] ||
	    { cat "$T/$1.ready" >&2; atf_fail "$1: not $2 greetings"; }
}

atf_test_case tcp_full cleanup
tcp_full_head()
{
	atf_set descr "sendmail delivers while TCP clients hold every" \
	    "max-sessions slot"
}
tcp_full_body()
{
	inst_setup
	inst_conf <<EOF
smtp limit max-sessions 3
action "md" maildir "~/Maildir" alias <aliases>
match from local for local action "md"
EOF
	inst_start
	stool_bg hold hold 127.0.0.1 "$PORT" 3 "$T/hold.ready"
	wait_ready hold 3
	# the next TCP client is refused: the slots are really all taken
	tool_out=$(python3 "$STOOL" greet 127.0.0.1 "$PORT")
	case "$tool_out" in
	"421 "*) ;;
	*) atf_fail "a 4th TCP session was not refused: $tool_out" ;;
	esac
	printf 'Subject: while full\n\ncron output\n' |
	    sendmail_as $ALICE "$BOB" >"$T/sm.out" 2>&1 ||
	    { cat "$T/sm.out" >&2; atf_fail "sendmail failed while TCP full"; }
	maildir_one $BOB
	assert_grep '^Subject: while full$' "$MSG"
	[ "$(count_files "$T/spool/offline")" -eq 0 ] ||
	    atf_fail "the message went offline instead of straight in"
	stool_kill hold
}
tcp_full_cleanup()
{
	stool_cleanup
}

atf_test_case local_full cleanup
local_full_head()
{
	atf_set descr "with the local slots taken too, sendmail keeps the" \
	    "message offline, exits 0, and it is delivered at the next start"
}
local_full_body()
{
	inst_setup
	inst_conf <<EOF
smtp limit max-sessions 2 max-sessions-local 1
action "md" maildir "~/Maildir" alias <aliases>
match from local for local action "md"
EOF
	inst_start
	stool_bg hold hold 127.0.0.1 "$PORT" 2 "$T/hold.ready"
	stool_bg holdl holdunix "$T/run/smtpd.sock" 1 "$T/holdl.ready"
	wait_ready hold 2
	wait_ready holdl 1
	printf 'Subject: kept offline\n\nwhile full\n' |
	    sendmail_as $ALICE "$BOB" >"$T/sm.out" 2>&1 ||
	    { cat "$T/sm.out" >&2; atf_fail "sendmail did not exit 0"; }
	assert_grep 'queued offline' "$T/sm.out"
	[ "$(count_files "$T/spool/offline")" -eq 1 ] ||
	    atf_fail "the message is not in offline/"
	assert_grep 'smtp refused address=local reason=max-sessions-local' \
	    "$T/log"
	stool_kill hold
	stool_kill holdl
	inst_stop
	inst_start
	maildir_one $BOB
	assert_grep '^Subject: kept offline$' "$MSG"
	assert_grep "^Return-Path: <$ALICE@" "$MSG"
	wait_log_count 'offline: file=.* enqueued' 1 ||
	    atf_fail "no log line for the pickup"
	[ "$(count_files "$T/spool/offline")" -eq 0 ] ||
	    atf_fail "the offline file was not removed"
}
local_full_cleanup()
{
	stool_cleanup
}

atf_test_case dies_mid_transaction cleanup
dies_mid_transaction_head()
{
	atf_set descr "the daemon dying after DATA: sendmail keeps the" \
	    "message offline and it is delivered at the next start"
}
dies_mid_transaction_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	inst_stop
	# a stand-in enqueue socket that goes away without answering the data
	stool_bg dies dies "$T/run/smtpd.sock" "$T/dies.done"
	wait_for_file "$T/run/smtpd.sock" ||
	    { cat "$T/dies.out" >&2; atf_fail "no fake socket"; }
	printf 'Subject: half sent\n\nthe daemon died\n' |
	    sendmail_as $ALICE "$BOB" >"$T/sm.out" 2>&1 ||
	    { cat "$T/sm.out" >&2; atf_fail "sendmail did not exit 0"; }
	wait_for_file "$T/dies.done" || atf_fail "the fake server was not used"
	[ "$(count_files "$T/spool/offline")" -eq 1 ] ||
	    { cat "$T/sm.out" >&2; atf_fail "the message is not in offline/"; }
	inst_start
	maildir_one $BOB
	assert_grep '^Subject: half sent$' "$MSG"
}
dies_mid_transaction_cleanup()
{
	stool_cleanup
}

atf_test_case permanent_error cleanup
permanent_error_head()
{
	atf_set descr "a 5xx refusal still fails sendmail and is not kept" \
	    "offline"
}
permanent_error_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	if printf 'Subject: x\n\nx\n' | sendmail_as $ALICE \
	    "nosuchuser-cartero" >"$T/sm.out" 2>&1; then
		atf_fail "sendmail to an unknown user exited 0"
	fi
	assert_grep '55[0-9] ' "$T/sm.out"
	[ "$(count_files "$T/spool/offline")" -eq 0 ] ||
	    atf_fail "a refused message was kept offline"
}
permanent_error_cleanup()
{
	stool_cleanup
}

atf_test_case per_address cleanup
per_address_head()
{
	atf_set descr "max-sessions-per-address refuses one more session" \
	    "from 127.0.0.1, not from 127.0.0.2"
}
per_address_body()
{
	inst_setup
	inst_conf <<EOF
listen on 127.0.0.2 port $PORT
smtp limit max-sessions-per-address 3
action "md" maildir "~/Maildir" alias <aliases>
match from local for local action "md"
EOF
	inst_start
	stool_bg hold hold 127.0.0.1 "$PORT" 3 "$T/hold.ready"
	wait_ready hold 3
	tool_out=$(python3 "$STOOL" greet 127.0.0.1 "$PORT")
	case "$tool_out" in
	"421 4.7.0 "*) ;;
	*) atf_fail "4th session from 127.0.0.1 not refused: $tool_out" ;;
	esac
	_re='smtp refused address=127\.0\.0\.1'
	assert_grep "$_re reason=max-sessions-per-address limit=3\$" "$T/log"
	tool_out=$(python3 "$STOOL" greet 127.0.0.2 "$PORT")
	case "$tool_out" in
	"220 "*) ;;
	*) atf_fail "a session from 127.0.0.2 was refused: $tool_out" ;;
	esac
	# a slot freed is a slot again
	stool_kill hold
	poll_until "$WAIT" sh -c "python3 '$STOOL' greet 127.0.0.1 $PORT |
	    grep -q '^220 '" || atf_fail "127.0.0.1 still refused after close"
}
per_address_cleanup()
{
	stool_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case tcp_full
	atf_add_test_case local_full
	atf_add_test_case dies_mid_transaction
	atf_add_test_case permanent_error
	atf_add_test_case per_address
}
