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

# smtpctl: queue inspection and control, logging, reload (smtpctl and
# SIGHUP, a broken file keeps the old configuration), stop, refusal of
# every command for a non-root user, and a malformed request closing only
# its client.

. "$(atf_get_srcdir)/lib.sh"

send_to()
{
	swaks_send $ALICE@$DOM "$1" --header "Subject: $2" --body "body $2"
}

atf_test_case queue_control cleanup
queue_control_head()
{
	atf_set descr "pause mda holds mail; show queue, remove, resume"
}
queue_control_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	ctl pause mda
	send_to $BOB@$DOM held-one
	send_to $ALICE@$DOM held-two
	ctl show queue -p
	cp "$T/ctl.out" "$T/queue1"
	# one line per envelope: alice -> bob, and alice -> alice
	[ "$(grep -c "@$DOM" "$T/queue1")" -eq 2 ] ||
	    { show_file "$T/queue1"; atf_fail "expected 2 envelopes listed"; }
	assert_grep "$BOB@$DOM" "$T/queue1"
	[ "$(queue_count)" -eq 2 ] || atf_fail "expected 2 messages queued"
	[ "$(count_files "$(maildir_new $BOB)")" -eq 0 ] ||
	    atf_fail "delivered while mda is paused"

	ctl show stats
	assert_grep '^[a-z][a-z0-9_.-]*=[0-9]' "$T/ctl.out"

	# schedule all: still held (paused), nothing lost
	ctl schedule all
	[ "$(queue_count)" -eq 2 ] || atf_fail "schedule all lost a message"

	# remove the envelope for alice (the line without bob) by its id,
	# the first field of its line
	_id=$(grep -v "$BOB@$DOM" "$T/queue1" | grep "$ALICE@$DOM" | head -1 |
	    sed 's/[ |].*//')
	[ -n "$_id" ] || atf_fail "no id in show queue output"
	ctl remove "$_id"
	ctl show queue -p
	[ "$(grep -c "@$DOM" "$T/ctl.out")" -eq 1 ] ||
	    { show_file "$T/ctl.out"; atf_fail "remove $_id did not remove"; }
	assert_grep "$BOB@$DOM" "$T/ctl.out"

	ctl resume mda
	maildir_one $BOB; _f=$MSG
	assert_grep '^Subject: held-one$' "$_f"
	wait_queue_empty || atf_fail "queue not empty after resume"
	ctl show queue -p
	[ ! -s "$T/ctl.out" ] || atf_fail "show queue -p lists an empty queue"
	ctl show queue
	assert_no_grep "@$DOM" "$T/ctl.out"
	assert_grep '^Mail queue is empty$' "$T/ctl.out"
	[ "$(count_files "$(maildir_new $ALICE)")" -eq 0 ] ||
	    atf_fail "the removed message was delivered"
	assert_alive
}
queue_control_cleanup()
{
	inst_cleanup
}

atf_test_case pause_smtp cleanup
pause_smtp_head()
{
	atf_set descr "pause smtp refuses new sessions until resume smtp"
}
pause_smtp_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	ctl pause smtp
	# a paused smtp either does not accept or answers 421
	if tool send "$PORT" $ALICE@$DOM $BOB@$DOM >"$T/send.out" 2>&1 \
	    <<EOF
Subject: while paused

x
EOF
	then
		atf_fail "a message was accepted while smtp was paused"
	fi
	ctl resume smtp
	send_to $BOB@$DOM after-resume
	maildir_one $BOB; _f=$MSG
	assert_grep '^Subject: after-resume$' "$_f"
}
pause_smtp_cleanup()
{
	inst_cleanup
}

atf_test_case log_verbosity cleanup
log_verbosity_head()
{
	atf_set descr "smtpctl log brief / log verbose"
}
log_verbosity_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	ctl log brief
	wait_for_grep 'verbosity set to 0' "$T/log" ||
	    atf_fail "no log line for log brief"
	ctl log verbose
	wait_for_grep 'verbosity set to [1-9]' "$T/log" ||
	    atf_fail "no log line for log verbose"
	if "$SMTPCTL" log loud >"$T/ctl.out" 2>&1; then
		atf_fail "smtpctl log loud succeeded"
	fi
	assert_alive
}
log_verbosity_cleanup()
{
	inst_cleanup
}

atf_test_case reload cleanup
reload_head()
{
	atf_set descr "reload and SIGHUP apply a changed alias;" \
	    "a broken file keeps the old configuration"
}
reload_body()
{
	inst_setup
	echo "team: $BOB" >"$T/aliases"
	inst_conf_std md
	inst_start
	send_to team@$DOM before-reload
	maildir_one $BOB; _f=$MSG
	assert_grep '^Subject: before-reload$' "$_f"

	# smtpctl reload: team is now alice
	echo "team: $ALICE" >"$T/aliases"
	ctl reload
	send_to team@$DOM after-reload
	maildir_one $ALICE; _f=$MSG
	assert_grep '^Subject: after-reload$' "$_f"

	# SIGHUP: back to bob
	echo "team: $BOB" >"$T/aliases"
	_n=$(grep -c 'configuration reloaded' "$T/log")
	kill -HUP "$DPID"
	wait_log_count 'configuration reloaded' $((_n + 1)) ||
	    atf_fail "SIGHUP did not reload"
	send_to team@$DOM after-hup
	wait_for_count "$(maildir_new $BOB)" 2 ||
	    atf_fail "after SIGHUP team did not go to bob"
	grep -l '^Subject: after-hup$' "$(maildir_new $BOB)"/* >/dev/null ||
	    atf_fail "after-hup not in bob's Maildir"

	# a broken file: reload fails, the old configuration stays
	echo "team: $ALICE" >"$T/aliases"
	echo 'this is not a valid line' >>"$T/smtpd.conf"
	if "$SMTPCTL" reload >"$T/ctl.out" 2>&1; then
		atf_fail "reload of a broken configuration succeeded"
	fi
	assert_grep 'smtpd.conf:[0-9]+' "$T/log"
	assert_alive
	send_to team@$DOM after-broken
	wait_for_count "$(maildir_new $BOB)" 3 ||
	    atf_fail "after a failed reload team did not go to bob"
	[ "$(count_files "$(maildir_new $ALICE)")" -eq 1 ] ||
	    atf_fail "the broken configuration's aliases were used"

	# SIGHUP with the broken file: still alive, still the old config
	_n=$(grep -c 'keeping the current configuration' "$T/log")
	kill -HUP "$DPID"
	wait_log_count 'keeping the current configuration' $((_n + 1)) ||
	    atf_fail "no log line for a failed reload on SIGHUP"
	assert_alive
	send_to team@$DOM after-broken-hup
	wait_for_count "$(maildir_new $BOB)" 4 ||
	    atf_fail "after a failed SIGHUP reload team did not go to bob"
}
reload_cleanup()
{
	inst_cleanup
}

atf_test_case reload_fifo_include cleanup
reload_fifo_include_head()
{
	atf_set descr "SIGHUP with an include of a FIFO or /dev/zero fails" \
	    "at once: the parent does not block, the old configuration stays"
}
reload_fifo_include_body()
{
	inst_setup
	echo "team: $BOB" >"$T/aliases"
	inst_conf_std md
	inst_start
	mkfifo "$T/fifo.conf"
	cp "$T/smtpd.conf" "$T/good.conf"
	for _inc in "$T/fifo.conf" /dev/zero; do
		cp "$T/good.conf" "$T/smtpd.conf"
		echo "include \"$_inc\"" >>"$T/smtpd.conf"
		_n=$(grep -c 'keeping the current configuration' "$T/log")
		kill -HUP "$DPID"
		wait_log_count 'keeping the current configuration' \
		    $((_n + 1)) || atf_fail "SIGHUP with include $_inc: no" \
		    "answer (the parent blocked)"
		assert_grep "cannot open \"$_inc\": not a regular file" \
		    "$T/log"
		ctl show queue
		assert_alive
	done
	send_to team@$DOM after-fifo
	maildir_one $BOB
}
reload_fifo_include_cleanup()
{
	inst_cleanup
}

atf_test_case stop cleanup
stop_head()
{
	atf_set descr "smtpctl stop ends every process and removes the pid file"
}
stop_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	_kids=$(ps -o pid= --ppid "$DPID")
	inst_expect_exit
	ctl stop
	wait_gone "$DPID" || atf_fail "smtpd still running after stop"
	wait "$DPID"
	_st=$?
	[ "$_st" -eq 0 ] || atf_fail "smtpd exited with status $_st"
	for _k in $_kids; do
		wait_gone "$_k" 5 || atf_fail "child $_k still running"
	done
	[ ! -e "$T/run/smtpd.pid" ] || atf_fail "pid file left behind"
	[ ! -e "$T/run/control.sock" ] || atf_fail "control socket left"
	if "$SMTPCTL" show queue >"$T/ctl.out" 2>&1; then
		atf_fail "smtpctl show queue succeeded with smtpd stopped"
	fi
}
stop_cleanup()
{
	inst_cleanup
}

# as_user USER COMMAND...: run a command of build/ as USER, output in
# $T/user.out; returns its status.
as_user()
{
	_u=$1
	shift
	su "$_u" -s /bin/sh -c "cd / && CARTERO_RUNDIR='$T/run' $*" \
	    >"$T/user.out" 2>&1
}

atf_test_case mailq_user cleanup
mailq_user_head()
{
	atf_set descr "mailq and show queue work for every local user: a" \
	    "table, 'Mail queue is empty', and -p for scripts"
}
mailq_user_body()
{
	inst_setup
	echo "secret: $BOB" >"$T/aliases"
	inst_conf_std md
	inst_start
	for _u in nobody $ALICE; do
		as_user $_u "'$TOP/build/mailq'" ||
		    { show_file "$T/user.out"; atf_fail "mailq failed as $_u"; }
		assert_grep '^Mail queue is empty$' "$T/user.out"
	done
	as_user nobody "'$TOP/build/mailq' -p" ||
	    { show_file "$T/user.out"; atf_fail "mailq -p failed"; }
	[ ! -s "$T/user.out" ] || atf_fail "mailq -p printed an empty queue"

	ctl pause mda
	send_to secret@$DOM listed
	as_user nobody "'$TOP/build/mailq'" ||
	    { show_file "$T/user.out"; atf_fail "mailq failed as nobody"; }
	cp "$T/user.out" "$T/table"
	assert_grep '^Queue ID +Size +Arrival +Sender' "$T/table"
	# message line: id, size, arrival, sender
	_date='[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8}'
	assert_grep "^[0-9a-f]{8} +[0-9]+ +$_date +<$ALICE@$DOM>\$" "$T/table"
	# envelope line: evpid, state, next try, recipient; where the alias
	# leads is root's business
	assert_grep "^  [0-9a-f]{16}  paused +[^ ]+ +<secret@$DOM>\$" \
	    "$T/table"
	assert_no_grep "$BOB" "$T/table"
	assert_grep '^-- [0-9]+ Kbytes in 1 message, 1 recipient\.$' "$T/table"
	as_user $ALICE "'$TOP/build/smtpctl' show queue" ||
	    { show_file "$T/user.out"; atf_fail "show queue failed as alice"; }
	cmp -s "$T/table" "$T/user.out" ||
	    atf_fail "mailq and smtpctl show queue differ"
	ctl show queue
	_arrow="<secret@$DOM> -> <$BOB@$DOM>"
	assert_grep "^  [0-9a-f]{16}  paused .* $_arrow\$" "$T/ctl.out"
	# root also sees where it goes (no attempts yet)
	assert_grep "^ {20}action md, user $BOB\$" "$T/ctl.out"

	# evpid|msgid|sender|rcpt|dest|action|state|ctime|expire|retry|
	# nexttry|error|size|route, dest, action and route for root only
	as_user nobody "'$TOP/build/mailq' -p" ||
	    { show_file "$T/user.out"; atf_fail "mailq -p failed"; }
	[ "$(wc -l <"$T/user.out")" -eq 1 ] ||
	    { show_file "$T/user.out"; atf_fail "mailq -p: not one line"; }
	_n='[0-9]+'
	assert_grep "^[0-9a-f]{16}\|[0-9a-f]{8}\|$ALICE@$DOM\|secret@$DOM\|\
\|\|paused\|$_n\|$_n\|0\|$_n\|\|$_n\|\$" "$T/user.out"
	ctl show queue -p
	assert_grep "^[0-9a-f]{16}\|[0-9a-f]{8}\|$ALICE@$DOM\|secret@$DOM\|\
$BOB@$DOM\|md\|paused\|$_n\|$_n\|0\|$_n\|\|$_n\|action md, user $BOB\$" \
	    "$T/ctl.out"
	ctl resume mda
	maildir_one $BOB
}
mailq_user_cleanup()
{
	inst_cleanup
}

# pids of the delivery agents of the instance
agent_pids()
{
	ps -o pid=,args= --ppid "$DPID" 2>/dev/null |
	    awk '$0 ~ / -x agent / { print $1 }'
}

slow_running()
{
	pgrep -f "^/bin/sh $T/slow.sh" >/dev/null
}

atf_test_case stop_agents cleanup
stop_agents_head()
{
	atf_set descr "smtpctl stop ends the delivery agents, stopped ones" \
	    "(SIGSTOP) and busy ones, and a running mda command"
}
stop_agents_body()
{
	inst_setup
	# a command that outlives the test only if nothing kills it
	cat >"$T/slow.sh" <<EOF
#!/bin/sh
cat >/dev/null
n=0
while [ \$n -lt 600 ]; do sleep 1; n=\$((n + 1)); done
EOF
	chmod 755 "$T/slow.sh"
	inst_conf <<EOF
action "md" maildir "~/Maildir" alias <aliases>
action "slow" mda "$T/slow.sh"
match from any for domain "slow.test" action "slow"
match from local for local action "md"
EOF
	inst_start
	send_to $ALICE@$DOM idle-agent
	maildir_one $ALICE		# its maildir agent stays, idle
	send_to $BOB@slow.test busy-agent
	poll_until "$WAIT" slow_running || atf_fail "mda command not started"
	_agents=$(agent_pids)
	[ "$(echo "$_agents" | wc -w)" -ge 2 ] ||
	    atf_fail "expected two agents, got: $_agents"
	for _a in $_agents; do
		kill -STOP "$_a"
	done
	inst_expect_exit
	ctl stop
	wait_gone "$DPID" || atf_fail "smtpd still running after stop"
	wait "$DPID"
	for _a in $_agents; do
		wait_gone "$_a" 10 || atf_fail "agent $_a left behind"
	done
	poll_until 10 eval '! slow_running' ||
	    atf_fail "the mda command was left running"
}
stop_agents_cleanup()
{
	if [ -f "$INST_REF" ]; then
		_t=$(cat "$INST_REF")
		pkill -9 -f "^/bin/sh $_t/slow.sh" 2>/dev/null
	fi
	inst_cleanup
}

atf_test_case not_root cleanup
not_root_head()
{
	atf_set descr "every smtpctl command but show queue fails for a" \
	    "non-root user"
}
not_root_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	for _c in "show stats" "schedule all" "remove all" \
	    "pause mda" "resume mda" "pause mta" "resume mta" "pause smtp" \
	    "log verbose" "reload" "stop" "sandbox-test lka" "show hosts" \
	    "show routes"; do
		if su nobody -s /bin/sh -c "cd / && \
		    CARTERO_RUNDIR='$T/run' '$SMTPCTL' $_c" \
		    >"$T/ctl.out" 2>&1; then
			atf_fail "smtpctl $_c succeeded as nobody"
		fi
		grep -qi 'permission' "$T/ctl.out" || {
			cat "$T/ctl.out" >&2
			atf_fail "smtpctl $_c: no permission message"
		}
	done
	# the control process refuses them too (not only smtpctl)
	for _c in STOP RELOAD SCHEDULE REMOVE SHOW_STATS SHOW_HOSTS \
	    SHOW_ROUTES; do
		as_user nobody "python3 '$(atf_get_srcdir)/ctlraw.py' \
		    '$TOP/smtpd/smtpd.h' '$T/run/control.sock' IMSG_CTL_$_c" ||
		    { show_file "$T/user.out"; atf_fail "raw $_c as nobody"; }
		assert_grep '^IMSG_CTL_FAIL permission denied' "$T/user.out"
	done
	assert_grep 'control client uid=[0-9]+ denied command=stop' "$T/log"
	# a user holds 4 connections at most, and cannot lock root out
	mkdir -m 1777 "$T/flag"
	su nobody -s /bin/sh -c "cd / && python3 \
	    '$(atf_get_srcdir)/ctlraw.py' hold '$TOP/smtpd/smtpd.h' \
	    '$T/run/control.sock' 4 '$T/flag/held'" >"$T/hold.out" 2>&1 &
	_hold=$!
	wait_for_file "$T/flag/held" ||
	    { kill "$_hold"; show_file "$T/hold.out"; atf_fail "hold failed"; }
	ctl show stats
	assert_grep '^control.clients=5$' "$T/ctl.out"
	rm -f "$T/flag/held"
	wait "$_hold"
	assert_grep '^IMSG_CTL_FAIL too many smtpctl clients' "$T/hold.out"
	assert_grep 'refused: too many clients for this uid' "$T/log"
	# none of it had an effect
	assert_alive
	send_to $BOB@$DOM still-running
	maildir_one $BOB; _f=$MSG
	assert_grep '^Subject: still-running$' "$_f"
}
not_root_cleanup()
{
	inst_cleanup
}

atf_test_case bad_payload cleanup
bad_payload_head()
{
	atf_set descr "a client sending an unterminated name is closed" \
	    "before any handler; the daemon lives on"
}
bad_payload_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	# struct ctl_what: NAME_MAX_CONF (64) bytes of 'A', no NUL; as root,
	# so that only the payload is wrong
	_hex=$(printf '41%.0s' $(seq 64))
	python3 "$(atf_get_srcdir)/ctlraw.py" "$TOP/smtpd/smtpd.h" \
	    "$T/run/control.sock" IMSG_CTL_PAUSE "$_hex" >"$T/raw.out" 2>&1
	assert_grep '^closed$' "$T/raw.out"
	wait_log_count 'bad imsg IMSG_CTL_PAUSE (payload) from client' 1 ||
	    atf_fail "no log line for the malformed request"
	assert_no_grep 'control command=pause' "$T/log"
	# a well-formed one still works on a new connection
	_hex=$(printf '736d7470'; printf '00%.0s' $(seq 60))
	python3 "$(atf_get_srcdir)/ctlraw.py" "$TOP/smtpd/smtpd.h" \
	    "$T/run/control.sock" IMSG_CTL_RESUME "$_hex" >"$T/raw.out" 2>&1
	assert_grep '^IMSG_CTL_OK' "$T/raw.out"
	assert_alive
	ctl show stats
	assert_grep '^control.clients=' "$T/ctl.out"
	send_to $BOB@$DOM after-bad-payload
	maildir_one $BOB; _f=$MSG
	assert_grep '^Subject: after-bad-payload$' "$_f"
}
bad_payload_cleanup()
{
	inst_cleanup
}

atf_test_case show_hosts_routes cleanup
show_hosts_routes_head()
{
	atf_set descr "smtpctl show hosts and show routes send their" \
	    "requests and print the lines of the answer (to a fake control" \
	    "socket: the answer comes from the mta in smtp)"
}
show_hosts_routes_body()
{
	inst_setup
	mkdir -p "$T/fake"
	for _w in hosts routes; do
		_name=IMSG_CTL_SHOW_$(echo "$_w" | tr a-z A-Z)
		rm -f "$T/fake/control.sock"
		python3 "$(atf_get_srcdir)/ctlraw.py" serve \
		    "$TOP/smtpd/smtpd.h" "$T/fake/control.sock" \
		    >"$T/serve.out" 2>&1 &
		_srv=$!
		wait_for_file "$T/fake/control.sock" ||
		    { kill "$_srv"; atf_fail "fake control did not start"; }
		CARTERO_RUNDIR=$T/fake "$SMTPCTL" show "$_w" \
		    >"$T/ctl.out" 2>&1 ||
		    { cat "$T/ctl.out" >&2; atf_fail "smtpctl show $_w"; }
		wait "$_srv" || { cat "$T/serve.out" >&2;
		    atf_fail "fake control failed"; }
		assert_grep "^$_name\$" "$T/serve.out"
		assert_grep "^fake answer to $_name\$" "$T/ctl.out"
	done
	# prefixes: "sh h" is show hosts, "pause m" is ambiguous
	"$SMTPCTL" pause m >"$T/ctl.out" 2>&1 &&
	    atf_fail "pause m was not ambiguous"
	assert_grep "ambiguous command" "$T/ctl.out"
	"$SMTPCTL" help >"$T/ctl.out" 2>&1
	assert_grep "show hosts \| show routes" "$T/ctl.out"
	assert_grep "pause smtp\|mda\|mta\|all" "$T/ctl.out"
}
show_hosts_routes_cleanup()
{
	inst_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case queue_control
	atf_add_test_case pause_smtp
	atf_add_test_case log_verbosity
	atf_add_test_case reload
	atf_add_test_case reload_fifo_include
	atf_add_test_case stop
	atf_add_test_case stop_agents
	atf_add_test_case not_root
	atf_add_test_case mailq_user
	atf_add_test_case bad_payload
	atf_add_test_case show_hosts_routes
}
