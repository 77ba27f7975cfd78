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

# Privilege separation as seen from outside: each child runs as its own
# user, in its chroot, under seccomp; a forbidden system call in any of
# them is fatal to it (SIGSYS) and the daemon then stops (status 1).

. "$(atf_get_srcdir)/lib.sh"

# check_child NAME USER ROOT
check_child()
{
	_pid=$(child_pid "$1")
	[ -n "$_pid" ] || atf_fail "no $1 process"
	_uid=$(id -u "$2") || atf_fail "no user $2"
	_gid=$(id -g "$2")
	# real, effective, saved and fs ids all dropped
	awk -v u="$_uid" '/^Uid:/ {
		exit !($2 == u && $3 == u && $4 == u && $5 == u) }' \
	    "/proc/$_pid/status" || {
		grep -E '^(Uid|Gid|Groups):' "/proc/$_pid/status" >&2
		atf_fail "$1 (pid $_pid) does not run as $2 ($_uid)"
	}
	awk -v g="$_gid" '/^Gid:/ {
		exit !($2 == g && $3 == g && $4 == g && $5 == g) }' \
	    "/proc/$_pid/status" || atf_fail "$1 does not run with gid $_gid"
	# no supplementary groups beyond its own
	awk -v g="$_gid" '/^Groups:/ {
		for (i = 2; i <= NF; i++) if ($i != g) exit 1 }' \
	    "/proc/$_pid/status" || atf_fail "$1 keeps supplementary groups"
	_root=$(readlink "/proc/$_pid/root")
	[ "$_root" = "$3" ] ||
	    atf_fail "$1 root is \"$_root\", expected \"$3\""
	grep -qE '^Seccomp:[[:space:]]+2$' "/proc/$_pid/status" || {
		grep Seccomp "/proc/$_pid/status" >&2
		atf_fail "$1 is not under a seccomp filter"
	}
	grep -qE '^NoNewPrivs:[[:space:]]+1$' "/proc/$_pid/status" ||
	    atf_fail "$1 has no no_new_privs"
	# no capabilities left
	grep -qE '^CapEff:[[:space:]]+0+$' "/proc/$_pid/status" ||
	    atf_fail "$1 keeps capabilities"
}

atf_test_case identities cleanup
identities_head()
{
	atf_set descr "children: own uid, chroot, seccomp mode 2"
}
identities_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	# a message through every process first: all are past set-up
	swaks_send $ALICE@$DOM $BOB@$DOM --header "Subject: sandbox" \
	    --body "sandbox"
	maildir_one $BOB
	check_child control _cartero-ctl "$T/run/empty"
	check_child lka _cartero-lka /
	check_child queue _cartero-queue "$T/spool"
	check_child smtp _cartero-smtp "$T/run/empty"
	check_child signer _cartero-sign "$T/run/empty"
	# the signer holds the keys: not dumpable, so its user cannot ptrace
	# it and it leaves no core file
	_spid=$(child_pid signer)
	[ "$(stat -c %u "/proc/$_spid/environ")" = 0 ] ||
	    atf_fail "the signer is dumpable"
	awk '/^Cap(Prm|Eff):/ && $2 !~ /^0+$/ { exit 1 }' \
	    "/proc/$_spid/status" || atf_fail "the signer keeps capabilities"
	# the delivery agent runs as bob, sandboxed, and bob cannot ptrace it
	# (not dumpable: its /proc files belong to root)
	_apid=$(child_pid agent)
	[ -n "$_apid" ] || atf_fail "no delivery agent"
	awk -v u="$(id -u $BOB)" '/^Uid:/ { exit !($2 == u) }' \
	    "/proc/$_apid/status" || atf_fail "agent does not run as $BOB"
	grep -qE '^Seccomp:[[:space:]]+2$' "/proc/$_apid/status" ||
	    atf_fail "agent has no seccomp filter"
	grep -qE '^NoNewPrivs:[[:space:]]+1$' "/proc/$_apid/status" ||
	    atf_fail "agent lacks no_new_privs"
	[ "$(stat -c %u "/proc/$_apid/environ")" = 0 ] ||
	    atf_fail "agent is dumpable: $BOB could ptrace it"
	# the parent stays root, unconfined
	awk '/^Uid:/ { exit !($2 == 0) }' "/proc/$DPID/status" ||
	    atf_fail "the parent is not root"
}
identities_cleanup()
{
	inst_cleanup
}

# sandbox_kill NAME: a forbidden syscall in NAME ends the whole daemon.
sandbox_kill()
{
	inst_setup
	inst_conf_std md
	inst_start -T sandbox
	_pid=$(child_pid "$1")
	[ -n "$_pid" ] || atf_fail "no $1 process"
	_kids=$(ps -o pid= --ppid "$DPID")
	inst_expect_exit
	"$SMTPCTL" sandbox-test "$1" >"$T/ctl.out" 2>&1
	wait_gone "$_pid" || atf_fail "$1 (pid $_pid) survived"
	wait_gone "$DPID" || atf_fail "smtpd survived the death of $1"
	wait "$DPID"
	_st=$?
	[ "$_st" -eq 1 ] || atf_fail "smtpd exited with status $_st, not 1"
	assert_grep "$1 process \(pid $_pid\) killed by SIGSYS" "$T/log"
	[ ! -e "$T/run/smtpd.pid" ] || atf_fail "pid file left behind"
	for _k in $_kids; do
		wait_gone "$_k" 5 || atf_fail "child $_k still running"
	done
}

atf_test_case sandbox_lka cleanup
sandbox_lka_head()
{
	atf_set descr "a forbidden syscall in lka: SIGSYS, daemon exits 1"
}
sandbox_lka_body()
{
	sandbox_kill lka
}
sandbox_lka_cleanup()
{
	inst_cleanup
}

atf_test_case sandbox_control cleanup
sandbox_control_head()
{
	atf_set descr "a forbidden syscall in control: SIGSYS, daemon exits 1"
}
sandbox_control_body()
{
	sandbox_kill control
}
sandbox_control_cleanup()
{
	inst_cleanup
}

atf_test_case sandbox_queue cleanup
sandbox_queue_head()
{
	atf_set descr "a forbidden syscall in queue: SIGSYS, daemon exits 1"
}
sandbox_queue_body()
{
	sandbox_kill queue
}
sandbox_queue_cleanup()
{
	inst_cleanup
}

atf_test_case sandbox_smtp cleanup
sandbox_smtp_head()
{
	atf_set descr "a forbidden syscall in smtp: SIGSYS, daemon exits 1"
}
sandbox_smtp_body()
{
	sandbox_kill smtp
}
sandbox_smtp_cleanup()
{
	inst_cleanup
}

atf_test_case sandbox_signer cleanup
sandbox_signer_head()
{
	atf_set descr "a forbidden syscall in signer: SIGSYS, daemon exits 1"
}
sandbox_signer_body()
{
	sandbox_kill signer
}
sandbox_signer_cleanup()
{
	inst_cleanup
}

atf_test_case sandbox_test_disabled cleanup
sandbox_test_disabled_head()
{
	atf_set descr "without -T sandbox, sandbox-test is refused"
}
sandbox_test_disabled_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	if "$SMTPCTL" sandbox-test lka >"$T/ctl.out" 2>&1; then
		atf_fail "sandbox-test accepted without -T sandbox"
	fi
	assert_grep 'disabled' "$T/ctl.out"
	assert_alive
}
sandbox_test_disabled_cleanup()
{
	inst_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case identities
	atf_add_test_case sandbox_lka
	atf_add_test_case sandbox_control
	atf_add_test_case sandbox_queue
	atf_add_test_case sandbox_smtp
	atf_add_test_case sandbox_signer
	atf_add_test_case sandbox_test_disabled
}
