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

# regress/integration/lib.sh -- helpers shared by the atf-sh integration
# tests (sourced, not a test program).
#
# Every test case runs its own smtpd instance: a private directory made by
# inst_setup() (spool, rundir, mail dir, aliases, config, log), a free
# loopback port, and a cleanup part that kills whatever is left of that
# instance even when the body failed.  A failing body prints the tail of the
# daemon's log on stderr, so that kyua report shows why.
#
#	atf_test_case foo cleanup
#	foo_body() {
#		inst_setup
#		inst_conf <<EOF
#	action "md" maildir "~/Maildir"
#	match from local for local action "md"
#	EOF
#		inst_start
#		...
#	}
#	foo_cleanup() { inst_cleanup; }
#
# Waits are bounded (WAIT seconds by default): they only bound how long we
# poll, they never assert anything about timing.

TOP=$(cd "$(atf_get_srcdir)/../.." && pwd)
SMTPD=$TOP/build/smtpd
SMTPCTL=$TOP/build/smtpctl
SENDMAIL=$TOP/build/sendmail
# mail(1): the system's if it is bsd-mailx, else the copy .ci/deps.sh
# unpacked (installing bsd-mailx would pull in another MTA)
# shellcheck disable=SC2034 # used by the test programs
case "$(readlink -f /usr/bin/mail 2>/dev/null)" in
*/bsd-mailx) MAILX=/usr/bin/mail ;;
*) MAILX=$TOP/build/mailx/usr/bin/bsd-mailx ;;
esac
TOOL=$(atf_get_srcdir)/smtptool.py
DOM=test.example
ALICE=cartero-alice
BOB=cartero-bob
WAIT=${CARTERO_TEST_WAIT:-20}

# Where the body leaves the instance directory for the cleanup part (both
# run in the same kyua work directory).
INST_REF=$(pwd)/cartero-instance

#
# Instance set-up.
#

# Make the instance directory, pick a port, reset the test users.
inst_setup()
{
	[ "$(id -u)" -eq 0 ] || atf_skip "needs root"
	[ -x "$SMTPD" ] || atf_fail "$SMTPD not built"
	# The test users and their homes are shared by every instance on the
	# machine: one test case at a time, even across concurrent runs.  The
	# lock lives as long as the body (fd 9; the daemon does not get it).
	exec 9>>/tmp/cartero-integration.lock
	flock -w 240 9 || atf_fail "another run holds the test lock for 240s"
	T=$(mktemp -d /tmp/cartero-t.XXXXXX) || atf_fail "mktemp"
	# kyua's work directory is 0700: the daemon users and the delivery
	# agents must reach the tables and mail directories in here.
	chmod 755 "$T"
	echo "$T" >"$INST_REF"
	trap 'inst_onexit' EXIT
	mkdir -p "$T/mail"
	chown root:mail "$T/mail"
	chmod 2775 "$T/mail"
	: >"$T/aliases"
	chmod 644 "$T/aliases"
	: >"$T/log"
	PORT=$(inst_free_port) || atf_fail "no free port"
	export CARTERO_RUNDIR="$T/run" CARTERO_SPOOL="$T/spool"
	users_setup
}

# Print the tail of the daemon log when the body exits with an error.
inst_onexit()
{
	_st=$?
	if [ "$_st" -ne 0 ] && [ -n "${T:-}" ] && [ -f "$T/log" ]; then
		echo "==== smtpd log ($T/log), last 200 lines ====" >&2
		tail -n 200 "$T/log" >&2
		echo "==== end of smtpd log ====" >&2
	fi
	return "$_st"
}

inst_free_port()
{
	# The kernel may hand the same free port out twice (the socket is
	# closed at once): the ports given to this test ($T/ports.used)
	# are not given again.
	_ifp_used=/dev/null
	[ -n "${T:-}" ] && [ -d "$T" ] && _ifp_used=$T/ports.used
	for _ifp_i in 1 2 3 4 5 6 7 8 9 10; do
		_ifp_p=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
		grep -qx "$_ifp_p" "$_ifp_used" 2>/dev/null || break
	done
	[ "$_ifp_used" = /dev/null ] || echo "$_ifp_p" >>"$_ifp_used"
	echo "$_ifp_p"
}

# Write $T/smtpd.conf: the instance's globals, then the rules from stdin.
# The "aliases" table is always defined ($T/aliases).
inst_conf()
{
	{
		echo "# written by the test $(basename "$0")"
		echo "hostname $DOM"
		echo "queue path \"$T/spool\""
		echo "rundir \"$T/run\""
		echo "queue retry min 1s max 2s"
		echo "listen on 127.0.0.1 port $PORT"
		echo "table aliases file:$T/aliases"
		cat
	} >"$T/smtpd.conf"
}

# The usual configuration: actions "mbox" ($T/mail/USER) and "md"
# (~/Maildir), both with the aliases table; local mail goes to $1.
inst_conf_std()
{
	inst_conf <<EOF
action "mbox" mbox "$T/mail/%{user.username}" alias <aliases>
action "md" maildir "~/Maildir" alias <aliases>
match from local for local action "${1:-md}"
EOF
}

# Start smtpd in the foreground (-d) in its own process group, wait for
# its port, its control socket and its pid file.
inst_start()
{
	setsid "$SMTPD" -d -v -f "$T/smtpd.conf" "$@" >>"$T/log" 2>&1 9>&- &
	DPID=$!
	echo "$DPID" >"$T/daemon.pid"
	_n=$((WAIT * 10))
	while :; do
		if ! alive "$DPID"; then
			wait "$DPID"
			atf_fail "smtpd exited at start-up (status $?)"
		fi
		if [ -S "$T/run/control.sock" ] && [ -s "$T/run/smtpd.pid" ] &&
		    port_open "$PORT"; then
			break
		fi
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || atf_fail "smtpd did not start in ${WAIT}s"
		sleep 0.1
	done
	# let the children finish their set-up (answers queue up anyway)
	wait_for_children 5 || atf_fail "smtpd children did not start"
	alive "$DPID" || { wait "$DPID"; atf_fail "smtpd exited (status $?)"; }
	# the pid file must name the process we started
	[ "$(cat "$T/run/smtpd.pid" 2>/dev/null)" = "$DPID" ] ||
	    atf_fail "pid file says $(cat "$T/run/smtpd.pid"), started $DPID"
	INST_UP=1
}

# Fail at once when the daemon we started has died (waits then need not
# run to their bound).  INST_UP is cleared by tests that kill it on purpose.
inst_check_up()
{
	[ "${INST_UP:-0}" -eq 1 ] || return 0
	if ! alive "$DPID"; then
		INST_UP=0
		atf_fail "smtpd (pid $DPID) died"
	fi
}

# The test is about to stop or kill the daemon: waits must not fail on it.
inst_expect_exit()
{
	INST_UP=0
}

# alive PID: the process exists and is not a zombie.
alive()
{
	kill -0 "$1" 2>/dev/null || return 1
	case "$(ps -o stat= -p "$1" 2>/dev/null)" in
	Z*|"") return 1 ;;
	esac
	return 0
}

port_open()
{
	ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

# Stop through smtpctl, then make sure the process is gone.
inst_stop()
{
	INST_UP=0
	$SMTPCTL stop >/dev/null 2>&1
	wait_gone "$DPID" || { kill -9 "$DPID" 2>/dev/null; wait "$DPID"; }
	wait "$DPID" 2>/dev/null
	return 0
}

# The cleanup part of every test case: kill what is left, remove the dir.
inst_cleanup()
{
	[ -f "$INST_REF" ] || return 0
	T=$(cat "$INST_REF")
	case "$T" in
	/tmp/cartero-t.*) ;;
	*) return 0 ;;
	esac
	if [ -S "$T/run/control.sock" ]; then
		CARTERO_RUNDIR=$T/run timeout 5 "$SMTPCTL" stop \
		    >/dev/null 2>&1
	fi
	if [ -f "$T/daemon.pid" ]; then
		_p=$(cat "$T/daemon.pid")
		# the daemon runs in its own process group (setsid)
		kill -9 -- "-$_p" 2>/dev/null
		kill -9 "$_p" 2>/dev/null
	fi
	pkill -9 -f "$T/smtpd.conf" 2>/dev/null
	if [ -z "${CARTERO_KEEP:-}" ]; then
		rm -rf "$T"
	fi
	rm -f "$INST_REF"
	# (the test users are reset by the next inst_setup, under the lock)
	return 0
}

#
# Processes.
#

# pid of the child process NAME (control, lka, queue, smtp) of the daemon.
child_pid()
{
	ps -o pid=,args= --ppid "$DPID" 2>/dev/null |
	    awk -v n="$1" '{
		for (i = 2; i <= NF; i++)
			if (($i == "-x" && $(i + 1) == n) ||
			    ($i == "smtpd:" && $(i + 1) == n) ||
			    $i == n) {
				print $1
				exit
			}
	    }'
}

wait_for_children()
{
	_n=$((WAIT * 10))
	while [ "$(ps -o pid= --ppid "$DPID" | wc -l)" -lt "$1" ]; do
		alive "$DPID" || return 1
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || return 1
		sleep 0.1
	done
	return 0
}

# The daemon and its five children are alive.
assert_alive()
{
	alive "$DPID" || atf_fail "smtpd (pid $DPID) is gone"
	for _c in control lka queue signer smtp; do
		[ -n "$(child_pid $_c)" ] ||
		    atf_fail "smtpd $_c process is gone"
	done
}

wait_gone()
{
	_n=$(((${2:-$WAIT}) * 10))
	# a zombie child of ours counts as gone
	while alive "$1"; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || return 1
		sleep 0.1
	done
	return 0
}

#
# Waiting for things.
#

# conditions for poll_until
has_count()		{ [ "$(count_files "$1")" -ge "$2" ]; }
has_line()		{ grep -q -- "$1" "$2" 2>/dev/null; }
queue_is_empty()	{ [ "$(queue_count)" -eq 0 ]; }
log_has_count()		{ [ "$(grep -c -- "$1" "$T/log")" -ge "$2" ]; }

# poll_until SECONDS COMMAND...: run COMMAND every 0.1 s until it
# succeeds (0) or SECONDS pass (1); fails the test at once if the daemon
# we started died meanwhile.
poll_until()
{
	poll_checking inst_check_up "$@"
}

# poll_checking CHECK SECONDS COMMAND...: poll_until with CHECK run
# between tries (it fails the test when a daemon died).
poll_checking()
{
	_check=$1
	_n=$(($2 * 10))
	shift 2
	until "$@"; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || return 1
		$_check
		sleep 0.1
	done
	return 0
}

# wait_for_file PATH [SECONDS]
wait_for_file()
{
	poll_until "${2:-$WAIT}" test -e "$1"
}

# wait_for_count DIR N [SECONDS]: until DIR holds at least N entries.
wait_for_count()
{
	poll_until "${3:-$WAIT}" has_count "$1" "$2"
}

# wait_for_grep PATTERN FILE [SECONDS]: until FILE has a matching line.
wait_for_grep()
{
	poll_until "${3:-$WAIT}" has_line "$1" "$2"
}

count_files()
{
	if [ -d "$1" ]; then
		find "$1" -mindepth 1 -maxdepth 1 ! -name '.*' | wc -l
	else
		echo 0
	fi
}

# Envelopes still in the queue (committed, not yet delivered).
queue_count()
{
	find "$T/spool/queue" -maxdepth 1 -name '*.env' 2>/dev/null | wc -l
}

wait_queue_empty()
{
	poll_until "${1:-$WAIT}" queue_is_empty
}

#
# Test users and their mailboxes.
#

home_of()
{
	getent passwd "$1" | cut -d: -f6
}

maildir_new()
{
	echo "$(home_of "$1")/Maildir/new"
}

mbox_of()
{
	echo "$T/mail/$1"
}

users_setup()
{
	for _u in $ALICE $BOB; do
		if ! getent passwd "$_u" >/dev/null; then
			useradd -m -s /bin/sh "$_u" 2>/dev/null ||
			    getent passwd "$_u" >/dev/null ||
			    atf_fail "cannot create user $_u"
		fi
		chmod 755 "$(home_of "$_u")"
	done
	users_reset
}

users_reset()
{
	for _u in $ALICE $BOB; do
		_h=$(home_of "$_u")
		[ -n "$_h" ] && [ "$_h" != / ] || continue
		rm -rf "$_h/Maildir" "$_h/.forward" "$_h/mbox" \
		    "$_h/dead.letter"
	done
}

# maildir_one USER: wait for USER's Maildir/new to hold a message and set
# MSG to its path; fails unless there is exactly one.  (Not to be called
# in $(...): atf_fail must run in the test's shell.)
maildir_one()
{
	_d=$(maildir_new "$1")
	wait_for_count "$_d" 1 || atf_fail "nothing delivered to $_d"
	[ "$(count_files "$_d")" -eq 1 ] ||
	    atf_fail "$(count_files "$_d") messages in $_d, expected 1"
	# shellcheck disable=SC2034 # used by the callers
	MSG=$(find "$_d" -mindepth 1 -maxdepth 1 ! -name '.*')
}

# wait_mbox USER PATTERN: until USER's mbox has a line matching PATTERN.
wait_mbox()
{
	wait_for_grep "$2" "$(mbox_of "$1")" ||
	    atf_fail "\"$2\" not delivered to $(mbox_of "$1")"
}

# Fail unless FILE has a line matching the extended regexp.
assert_grep()
{
	grep -qE -- "$1" "$2" ||
	    { show_file "$2"; atf_fail "no line matching '$1' in $2"; }
}

assert_no_grep()
{
	! grep -qE -- "$1" "$2" ||
	    { show_file "$2"; atf_fail "unexpected line matching '$1' in $2"; }
}

# Copy a file to stderr for the report (the log is printed at exit anyway).
show_file()
{
	[ "$1" = "$T/log" ] && return 0
	echo "==== $1 ====" >&2
	cat "$1" >&2
}

#
# Clients.
#

# swaks_send FROM TO [swaks options...]
swaks_send()
{
	_f=$1 _t=$2
	shift 2
	swaks --server 127.0.0.1 --port "$PORT" --helo client.test \
	    --from "$_f" --to "$_t" --timeout 30 "$@" >"$T/swaks.out" 2>&1 ||
	    { cat "$T/swaks.out" >&2; atf_fail "swaks failed"; }
}

# tool SUBCOMMAND ARGS... (regress/integration/smtptool.py)
tool()
{
	python3 "$TOOL" "$@"
}

# chat: an SMTP dialogue script on stdin (see smtptool.py); fails the test
# when a reply does not match.
chat()
{
	python3 "$TOOL" chat "$PORT" >"$T/chat.out" 2>&1 ||
	    { cat "$T/chat.out" >&2; atf_fail "SMTP dialogue failed"; }
}

# As a local user, through the sendmail personality of smtpctl.
sendmail_as()
{
	_u=$1
	shift
	su "$_u" -s /bin/sh -c "cd / && CARTERO_RUNDIR='$T/run' \
	    CARTERO_SPOOL='$T/spool' '$SENDMAIL' $*"
}

# Fail unless smtpctl succeeds; its output is in $T/ctl.out.
ctl()
{
	"$SMTPCTL" "$@" >"$T/ctl.out" 2>&1 ||
	    { cat "$T/ctl.out" >&2; atf_fail "smtpctl $* failed"; }
}

# wait_log_count PATTERN N [SECONDS]: until the daemon log has N matches.
wait_log_count()
{
	poll_until "${3:-$WAIT}" log_has_count "$1" "$2"
}

#
# An SMTP sink on loopback (sinktool.py), for relay tests.
#

SINKTOOL=$(atf_get_srcdir)/sinktool.py

# Start the sink in $T/sink; SINKPORT is its port (for the caller).
sink_start()
{
	mkdir -p "$T/sink"
	setsid python3 "$SINKTOOL" sink "$T/sink" 120 \
	    >"$T/sink.log" 2>&1 9>&- &
	wait_for_file "$T/sink/port" || atf_fail "the sink did not start"
	# shellcheck disable=SC2034 # used by the tests that source us
	SINKPORT=$(cat "$T/sink/port")
}

# The cleanup part of a test with a sink: the sink, then the instance.
sink_cleanup()
{
	if [ -f "$INST_REF" ]; then
		_t=$(cat "$INST_REF")
		case "$_t" in
		/tmp/cartero-t.*)
			[ -f "$_t/sink/pid" ] &&
			    kill "$(cat "$_t/sink/pid")" 2>/dev/null
			;;
		esac
	fi
	inst_cleanup
}

# Messages the sink has received.
sink_count()
{
	find "$T/sink" -maxdepth 1 -name 'msg.*' 2>/dev/null | wc -l
}


#
# A DNS server on loopback for the tools and daemons that take "resolver
# 127.0.0.1@PORT": dnsmasq authoritative for .test and nothing else (no
# upstream, no /etc/hosts), serving the records given as options.  (In a
# network namespace, see dns_start below.)
#
#	DNSPORT=$(free_port) || atf_fail "no free port"
#	dnsmasq_start "$D" "$DNSPORT" --log-queries \
#	    --txt-record=example.test,"v=spf1 -all"
#	...
#	cleanup: dnsmasq_stop "$D"
#

# free_port: print a port of 127.0.0.1 free for both UDP and TCP (a DNS
# server needs both); fails after 50 tries (free_port.py, which
# spfsuite.py shares).
free_port()
{
	python3 "$(atf_get_srcdir)/free_port.py"
}

# dnsmasq_start DIR PORT [DNSMASQ-OPTIONS...]: dnsmasq in the background
# on 127.0.0.1 port PORT, answering for .test (add --local=/other/ for
# more zones), its log in DIR/dnsmasq.log, its pid in DIR/dnsmasq.pid.
# Waits (bounded) until it listens; fails the test with its log if it
# does not.  DIR must be reachable by nobody (dnsmasq drops to it).
dnsmasq_start()
{
	_dir=$1
	_port=$2
	shift 2
	dnsmasq --keep-in-foreground --port="$_port" \
	    --listen-address=127.0.0.1 --bind-interfaces --no-resolv \
	    --no-hosts --local=/test/ --pid-file="$_dir/dnsmasq.pid" \
	    --log-facility=- "$@" >"$_dir/dnsmasq.log" 2>&1 9>&- &
	_pid=$!
	_n=$((WAIT * 10))
	until [ -s "$_dir/dnsmasq.pid" ] &&
	    ss -Hlun "sport = :$_port" 2>/dev/null | grep -q .; do
		if ! kill -0 "$_pid" 2>/dev/null; then
			cat "$_dir/dnsmasq.log" >&2
			atf_fail "dnsmasq exited"
		fi
		_n=$((_n - 1))
		if [ "$_n" -le 0 ]; then
			cat "$_dir/dnsmasq.log" >&2
			atf_fail "dnsmasq did not start"
		fi
		sleep 0.1
	done
}

# dnsmasq_stop DIR: stop the dnsmasq of DIR/dnsmasq.pid, if any, and wait
# (bounded) until it is gone; fails (status 1) if it is still there.
dnsmasq_stop()
{
	[ -s "$1/dnsmasq.pid" ] || return 0
	_pid=$(cat "$1/dnsmasq.pid")
	kill "$_pid" 2>/dev/null
	_n=$((WAIT * 10))
	while kill -0 "$_pid" 2>/dev/null; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || return 1
		sleep 0.1
	done
	rm -f "$1/dnsmasq.pid"
	return 0
}

#
# Several hosts on one machine: network namespaces (netns_*) on a private
# subnet, a DNS server for them (dns_*) and an smtpd instance in each.
#
# netns_setup makes, for this run of the test, a "switch" namespace
# holding a bridge at $NETNS_NET.53 (where dns_start puts dnsmasq), and
# netns_host NAME N a host namespace joined to the bridge by a veth pair,
# at $NETNS_NET.N.  The namespaces are named c14-PID-NAME (unique to the
# run) and listed in $T/netns for the cleanup part.  Each host has its own
# instance directory $T/NAME (smtpd.conf, spool, run, log): netns_conf
# NAME writes its configuration (hostname NAME.test, listening on its
# address port 25, rules from stdin) and netns_start NAME starts smtpd
# in the namespace.  Nothing is reachable from outside the namespaces
# and they reach nothing but each other.  Each host has its own
# /etc/mailname (NAME.test) and /etc/resolv.conf (the dnsmasq), as
# /etc/netns/NAMESPACE/ files that ip netns exec mounts over /etc.
#
#	atf_test_case foo cleanup
#	foo_body() {
#		inst_setup
#		netns_setup
#		netns_host a 1
#		netns_host b 2
#		dns_start --mx-host=b.test,b.test,10 \
#		    --host-record=b.test,10.14.0.2
#		netns_conf a <<EOF ...
#		netns_start a
#		...
#	}
#	foo_cleanup() { netns_cleanup; }
#
# The body's exit trap (netns_onexit) prints every host's log when the
# body fails and removes the namespaces whatever happened; netns_cleanup
# does the same from the cleanup part, for a body that was killed.

NETNS_NET=10.14.0
NETNS_DNS=$NETNS_NET.53

# Namespace of host NAME (recorded by netns_setup in $T/netns.prefix).
netns_name()
{
	echo "$(cat "$T/netns.prefix")-$1"
}

# The switch namespace with its bridge; the exit trap that removes it all.
netns_setup()
{
	command -v ip >/dev/null || atf_skip "ip(8) is not installed"
	_p=c14-$$
	echo "$_p" >"$T/netns.prefix"
	: >"$T/netns"
	trap 'netns_onexit' EXIT
	_sw=$(netns_name sw)
	ip netns add "$_sw" 2>"$T/netns.err" ||
	    { cat "$T/netns.err" >&2; atf_skip "cannot create a netns"; }
	echo "$_sw" >>"$T/netns"
	ip -n "$_sw" link set lo up &&
	    ip -n "$_sw" link add br0 type bridge &&
	    ip -n "$_sw" addr add "$NETNS_DNS/24" dev br0 &&
	    ip -n "$_sw" link set br0 up ||
	    atf_fail "cannot set up the bridge in $_sw"
}

# netns_host NAME N: namespace NAME at $NETNS_NET.N, its instance dir.
netns_host()
{
	_sw=$(netns_name sw)
	_ns=$(netns_name "$1")
	ip netns add "$_ns" || atf_fail "cannot create netns $_ns"
	echo "$_ns" >>"$T/netns"
	ip -n "$_sw" link add "v-$1" type veth peer name eth0 \
	    netns "$_ns" &&
	    ip -n "$_sw" link set "v-$1" master br0 up &&
	    ip -n "$_ns" link set lo up &&
	    ip -n "$_ns" addr add "$NETNS_NET.$2/24" dev eth0 &&
	    ip -n "$_ns" link set eth0 up ||
	    atf_fail "cannot connect $_ns to the bridge"
	mkdir -p "$T/$1"
	chmod 755 "$T/$1"
	: >"$T/$1/log"
	echo "$NETNS_NET.$2" >"$T/$1/addr"
	# ip netns exec mounts /etc/netns/NS/FILE over /etc/FILE: the host's
	# mail name (what sendmail qualifies addresses with) and resolver
	mkdir -p "/etc/netns/$_ns"
	echo "$1.test" >"/etc/netns/$_ns/mailname"
	echo "nameserver $NETNS_DNS" >"/etc/netns/$_ns/resolv.conf"
}

# netns_exec NAME COMMAND...: run COMMAND in host NAME's namespace, with
# NAME.test as its host name too (a UTS namespace of its own): ip netns
# exec mounts /etc/netns/NS/mailname only over an /etc/mailname that
# exists, and a fresh machine may have none, so that sendmail falls back
# on gethostname().
netns_exec()
{
	_ns=$(netns_name "$1")
	_hn=$1.test
	shift
	ip netns exec "$_ns" unshare --uts sh -c \
	    'hostname "$0" && exec "$@"' "$_hn" "$@"
}

# netns_addr NAME: the host's address.
netns_addr()
{
	cat "$T/$1/addr"
}

# netns_conf NAME: write $T/NAME/smtpd.conf, the host's globals then the
# rules from stdin.  The host is NAME.test and listens on its address
# port 25; the "aliases" table is the shared $T/aliases.
netns_conf()
{
	{
		echo "# written by the test $(basename "$0") for host $1"
		echo "hostname $1.test"
		echo "queue path \"$T/$1/spool\""
		echo "rundir \"$T/$1/run\""
		echo "queue retry min 1s max 2s"
		echo "listen on $(netns_addr "$1") port 25"
		echo "table aliases file:$T/aliases"
		cat
	} >"$T/$1/smtpd.conf"
}

# netns_env NAME COMMAND...: COMMAND with smtpctl pointed at host NAME.
netns_env()
{
	_nh=$1
	shift
	CARTERO_RUNDIR=$T/$_nh/run CARTERO_SPOOL=$T/$_nh/spool "$@"
}

netns_port_open()
{
	netns_exec "$1" ss -Hltn "sport = :25" 2>/dev/null | grep -q .
}

# netns_start NAME: smtpd -d in host NAME's namespace, in its own
# process group; waits for its port, control socket, pid file and
# children, as inst_start does.
netns_start()
{
	_nd=$T/$1
	rm -f "$_nd/run/smtpd.pid"
	# ip netns exec execs the command: $! is the daemon's pid
	setsid ip netns exec "$(netns_name "$1")" \
	    "$SMTPD" -d -v -f "$_nd/smtpd.conf" >>"$_nd/log" 2>&1 9>&- &
	_pid=$!
	echo "$_pid" >"$_nd/daemon.pid"
	_n=$((WAIT * 10))
	until [ -S "$_nd/run/control.sock" ] && [ -s "$_nd/run/smtpd.pid" ] &&
	    netns_port_open "$1"; do
		alive "$_pid" || { wait "$_pid"; atf_fail "smtpd on $1" \
		    "exited at start-up (status $?)"; }
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || atf_fail "smtpd on $1 did not start in ${WAIT}s"
		sleep 0.1
	done
	_n=$((WAIT * 10))
	while [ "$(ps -o pid= --ppid "$_pid" | wc -l)" -lt 5 ]; do
		alive "$_pid" || atf_fail "smtpd on $1 exited at start-up"
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || atf_fail "smtpd children on $1 did not start"
		sleep 0.1
	done
	[ "$(cat "$_nd/run/smtpd.pid")" = "$_pid" ] ||
	    atf_fail "$1: pid file says $(cat "$_nd/run/smtpd.pid"), started $_pid"
	echo "$1" >>"$T/netns.up"
}

# netns_stop NAME: stop host NAME's smtpd (smtpctl stop, then kill).
netns_stop()
{
	_nd=$T/$1
	[ -f "$_nd/daemon.pid" ] || return 0
	_pid=$(cat "$_nd/daemon.pid")
	# no longer expected to be up
	if [ -f "$T/netns.up" ]; then
		grep -vx "$1" "$T/netns.up" >"$T/netns.up.new"
		mv "$T/netns.up.new" "$T/netns.up"
	fi
	netns_env "$1" timeout 10 "$SMTPCTL" stop >/dev/null 2>&1
	wait_gone "$_pid" || { kill -9 -- "-$_pid" 2>/dev/null;
	    kill -9 "$_pid" 2>/dev/null; }
	wait "$_pid" 2>/dev/null
	rm -f "$_nd/daemon.pid"
	return 0
}

# Fail at once when a host's smtpd that should be up has died.
netns_check_up()
{
	[ -f "$T/netns.up" ] || return 0
	for _nh in $(cat "$T/netns.up"); do
		alive "$(cat "$T/$_nh/daemon.pid")" ||
		    atf_fail "smtpd on $_nh (pid $(cat "$T/$_nh/daemon.pid")) died"
	done
}

# netns_poll_until SECONDS COMMAND...: poll_until, failing at once when
# one of the hosts' smtpd died.
netns_poll_until()
{
	poll_checking netns_check_up "$@"
}

# netns_ctl NAME ARGS...: smtpctl ARGS against host NAME; fails the test
# unless it succeeds; the output is in $T/NAME/ctl.out.
netns_ctl()
{
	_nh=$1
	shift
	netns_env "$_nh" "$SMTPCTL" "$@" >"$T/$_nh/ctl.out" 2>&1 ||
	    { cat "$T/$_nh/ctl.out" >&2; atf_fail "smtpctl $* on $_nh failed"; }
}

# netns_log_count NAME PATTERN: lines of host NAME's log that match.
netns_log_count()
{
	grep -c -- "$2" "$T/$1/log"
}

netns_log_has_count()
{
	[ "$(netns_log_count "$1" "$2")" -ge "$3" ]
}

# netns_wait_log NAME PATTERN [N [SECONDS]]: until N lines (default 1)
# of host NAME's log match PATTERN.
netns_wait_log()
{
	netns_poll_until "${4:-$WAIT}" netns_log_has_count "$1" "$2" "${3:-1}"
}

netns_queue_count()
{
	find "$T/$1/spool/queue" -maxdepth 1 -name '*.env' 2>/dev/null |
	    wc -l
}

netns_queue_is_empty()
{
	[ "$(netns_queue_count "$1")" -eq 0 ]
}

# netns_mail NAME USER MAILX-ARGS...: as USER on host NAME, mail(1) with
# its sendmail pointed at our build and at that host's instance; the
# message body is read from stdin.
netns_mail()
{
	_nh=$1 _nu=$2
	shift 2
	[ -x "$MAILX" ] || atf_fail "$MAILX missing: run sh .ci/deps.sh"
	echo "set sendmail=$SENDMAIL" >"$T/mailrc"
	chmod 644 "$T/mailrc"
	netns_exec "$_nh" su "$_nu" -s /bin/sh -c "cd / && \
	    MAILRC='$T/mailrc' CARTERO_RUNDIR='$T/$_nh/run' \
	    CARTERO_SPOOL='$T/$_nh/spool' $MAILX $*" >"$T/mail.out" 2>&1 ||
	    { cat "$T/mail.out" >&2; atf_fail "mail(1) on $_nh failed"; }
}

# netns_syn_watch NAME: count, in host NAME's namespace, the connection
# attempts (TCP SYN) that arrive for port 25, whether anything listens
# or not (nft, a counter in a table of the namespace's own).
netns_syn_watch()
{
	command -v nft >/dev/null || atf_skip "nft is not installed"
	netns_exec "$1" nft -f - <<EOF || atf_fail "nft on $1 failed"
table inet c14 {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 25 tcp flags & (syn | ack) == syn counter
	}
}
EOF
}

# netns_syn_count NAME: the SYNs counted so far.
netns_syn_count()
{
	netns_exec "$1" nft list table inet c14 2>/dev/null |
	    sed -n 's/.*counter packets \([0-9]*\) .*/\1/p'
}

# dns_start DNSMASQ-OPTIONS...: dnsmasq in the switch namespace at
# $NETNS_DNS, authoritative for .test and nothing else (no upstream, no
# /etc/hosts), serving the records given (--mx-host, --host-record,
# --dns-rr...), logging every query to $T/dns/log.
dns_start()
{
	command -v dnsmasq >/dev/null || atf_skip "dnsmasq is not installed"
	mkdir -p "$T/dns"
	: >"$T/dns/log"
	setsid ip netns exec "$(netns_name sw)" dnsmasq --keep-in-foreground \
	    --conf-file= --pid-file="$T/dns/pid" --port=53 \
	    --listen-address="$NETNS_DNS" --bind-interfaces --no-resolv \
	    --no-hosts --local=/test/ --log-queries --log-facility=- \
	    "$@" >>"$T/dns/log" 2>&1 9>&- &
	echo $! >"$T/dns/daemon.pid"
	_n=$((WAIT * 10))
	until netns_exec sw ss -Hlun "sport = :53" 2>/dev/null | grep -q .
	do
		alive "$(cat "$T/dns/daemon.pid")" ||
		    { cat "$T/dns/log" >&2; atf_fail "dnsmasq exited"; }
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || atf_fail "dnsmasq did not start"
		sleep 0.1
	done
}

# The exit trap of a body that called netns_setup: the logs of every
# host when it failed, then everything removed.
netns_onexit()
{
	_st=$?
	if [ "$_st" -ne 0 ] && [ -n "${T:-}" ]; then
		for _l in "$T"/*/log; do
			[ -f "$_l" ] || continue
			echo "==== $_l, last 100 lines ====" >&2
			tail -n 100 "$_l" >&2
		done
		echo "==== end of the logs ====" >&2
	fi
	netns_teardown
	return "$_st"
}

# Kill every process in the test's namespaces, delete them.
netns_teardown()
{
	[ -n "${T:-}" ] && [ -f "$T/netns" ] || return 0
	for _ns in $(cat "$T/netns"); do
		case "$_ns" in
		c14-*) ;;
		*) continue ;;
		esac
		for _p in $(ip netns pids "$_ns" 2>/dev/null); do
			kill -9 "$_p" 2>/dev/null
		done
	done
	for _ns in $(cat "$T/netns"); do
		case "$_ns" in
		c14-*) ;;
		*) continue ;;
		esac
		# a process that was exiting may still hold it for a moment
		_n=50
		while ip netns pids "$_ns" 2>/dev/null | grep -q . &&
		    [ "$_n" -gt 0 ]; do
			_n=$((_n - 1))
			sleep 0.1
		done
		ip netns del "$_ns" 2>/dev/null
		rm -rf "/etc/netns/$_ns"
	done
	rmdir /etc/netns 2>/dev/null
	: >"$T/netns"
	return 0
}

# The cleanup part of a test that used namespaces.
netns_cleanup()
{
	if [ -f "$INST_REF" ]; then
		T=$(cat "$INST_REF")
		case "$T" in
		/tmp/cartero-t.*) netns_teardown ;;
		esac
	fi
	inst_cleanup
}
