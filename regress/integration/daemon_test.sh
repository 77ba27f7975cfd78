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

# smtpd's own command line: -h, -V, a bad flag, and where the log goes
# with -F and in daemon mode when syslog cannot be reached.

. "$(atf_get_srcdir)/lib.sh"

atf_test_case help
help_head()
{
	atf_set descr "smtpd -h prints the usage on stdout and exits 0"
}
help_body()
{
	[ -x "$SMTPD" ] || atf_fail "$SMTPD not built"
	"$SMTPD" -h >out 2>err || atf_fail "smtpd -h exited $?"
	grep -q '^usage: smtpd ' out || atf_fail "no usage on stdout"
	grep -q -- '-F  foreground, log to syslog' out ||
	    atf_fail "-F not explained"
	[ ! -s err ] || atf_fail "smtpd -h wrote on stderr: $(cat err)"
}

atf_test_case version
version_head()
{
	atf_set descr "smtpd -V prints the version and exits 0"
}
version_body()
{
	[ -x "$SMTPD" ] || atf_fail "$SMTPD not built"
	"$SMTPD" -V >out 2>err || atf_fail "smtpd -V exited $?"
	grep -Eq '^smtpd \(cartero\) [0-9]+\.[0-9]+' out ||
	    atf_fail "no version on stdout: $(cat out)"
}

atf_test_case bad_flag
bad_flag_head()
{
	atf_set descr "an unknown flag exits 1 with the usage on stderr"
}
bad_flag_body()
{
	[ -x "$SMTPD" ] || atf_fail "$SMTPD not built"
	st=0
	"$SMTPD" -Z >out 2>err || st=$?
	[ "$st" -eq 1 ] || atf_fail "smtpd -Z exited $st, not 1"
	grep -q '^usage: smtpd ' err || atf_fail "no usage on stderr"
	[ ! -s out ] || atf_fail "smtpd -Z wrote on stdout"
}

# Wait for the daemon whose pid file is in the rundir; DPID is set.
wait_pidfile()
{
	wait_for_file "$T/run/smtpd.pid" || atf_fail "no pid file"
	poll_until "$WAIT" test -s "$T/run/smtpd.pid" ||
	    atf_fail "empty pid file"
	DPID=$(cat "$T/run/smtpd.pid")
	echo "$DPID" >"$T/daemon.pid"
	poll_until "$WAIT" port_open "$PORT" || atf_fail "port not open"
}

atf_test_case foreground_no_syslog cleanup
foreground_no_syslog_head()
{
	atf_set descr "smtpd -F without syslog says so and logs to stderr"
}
foreground_no_syslog_body()
{
	[ ! -e /dev/log ] || atf_skip "/dev/log exists: syslog is reachable"
	inst_setup
	inst_conf_std md
	setsid "$SMTPD" -F -f "$T/smtpd.conf" >>"$T/log" 2>&1 9>&- &
	DPID=$!
	echo "$DPID" >"$T/daemon.pid"
	poll_until "$WAIT" port_open "$PORT" || atf_fail "smtpd did not start"
	wait_for_grep 'smtpd .* starting' "$T/log" ||
	    atf_fail "the start-up line is not on stderr"
	assert_grep 'cannot reach syslog' "$T/log"
	assert_grep '[-]F: logging to stderr instead' "$T/log"
	# still in the foreground: the process we started is the daemon
	[ "$(cat "$T/run/smtpd.pid")" = "$DPID" ] ||
	    atf_fail "-F detached (pid file says $(cat "$T/run/smtpd.pid"))"
	# and a mail event is logged there too
	swaks_send "$ALICE@$DOM" "$BOB@$DOM"
	wait_for_grep 'smtp message msgid=' "$T/log" ||
	    atf_fail "no message line on stderr"
	inst_stop
}
foreground_no_syslog_cleanup()
{
	inst_cleanup
}

atf_test_case daemon_no_syslog cleanup
daemon_no_syslog_head()
{
	atf_set descr "a daemon that cannot reach syslog says so on stderr" \
	    "before it detaches"
}
daemon_no_syslog_body()
{
	[ ! -e /dev/log ] || atf_skip "/dev/log exists: syslog is reachable"
	inst_setup
	inst_conf_std md
	st=0
	timeout "$WAIT" "$SMTPD" -f "$T/smtpd.conf" >"$T/out" 2>"$T/err" \
	    9>&- || st=$?
	[ "$st" -eq 0 ] || { cat "$T/err" >&2; atf_fail "smtpd exited $st"; }
	wait_pidfile
	alive "$DPID" || atf_fail "the daemon is not running"
	assert_grep 'cannot reach syslog' "$T/err"
	assert_grep 'log lines are lost until syslog runs' "$T/err"
	inst_stop
}
daemon_no_syslog_cleanup()
{
	inst_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case help
	atf_add_test_case version
	atf_add_test_case bad_flag
	atf_add_test_case foreground_no_syslog
	atf_add_test_case daemon_no_syslog
}
