#!/bin/sh
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

# bench/imap.sh -- the IMAP part of make bench (BENCH_PARTS has "imap").
#
# The folder: BENCH_IMAP_MESSAGES (10,000) messages of 4-50 KB made once
# by bench/mkfolder.py under BENCH_IMAP_CACHE (/var/tmp/cartero-bench-imap)
# and reused by every run.  Each server gets its own copy (hard links: the
# same page cache, flags are in the names and change only in the copy) as
# the Maildir of the bench user, then build/bench/imapload measures, on a
# private build/imapd on a loopback port (plain LOGIN, credentials table
# made by smtpctl encrypt) and, when Debian's dovecot-imapd is installed,
# on a private dovecot on another loopback port (ssl = no, static password,
# Debian's defaults otherwise, one login process per connection):
#
#   warm (untimed: the first SELECT and FETCH of everything, which builds
#   each server's index and cache), then the median of 3 of SELECT,
#   FETCH 1:* (FLAGS), FETCH 1:* (FLAGS ENVELOPE), FETCH 1:* (BODYSTRUCTURE),
#   UID SEARCH HEADER Subject, SEARCH TEXT without a hit, 100 random
#   FETCH n BODY[]; PSS of the server's processes for the first idle
#   logged-in session and per further one (1 then BENCH_IMAP_IDLE); 50
#   clients (BENCH_IMAP_CLIENTS) for BENCH_IMAP_SECONDS doing NOOP / UID
#   FETCH FLAGS / UID STORE \Seen with the flags changing, then already set:
#   commands/s and CPU ms per command of every server process.
#
# The bench user's ~/Maildir is replaced by the folder (the SMTP parts
# only count what they add).  Prints a table "ours | dovecot | ratio".  Every step is bounded in time
# (timeout) and both servers are stopped by the trap, also on failure.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
N=${BENCH_IMAP_MESSAGES:-10000}
CACHE=${BENCH_IMAP_CACHE:-/var/tmp/cartero-bench-imap}
CLIENTS=${BENCH_IMAP_CLIENTS:-50}
SECONDS_RUN=${BENCH_IMAP_SECONDS:-10}
IDLE=${BENCH_IMAP_IDLE:-10}
user=cartero-bench
pass=benchpass
imapd=$top/build/imapd
smtpctl=$top/build/smtpctl
load=$top/build/bench/imapload
LIMIT=900

[ -x "$load" ] || { echo "imap: $load is not built" >&2; exit 1; }
id "$user" >/dev/null 2>&1 || useradd -m "$user"
home=$(getent passwd "$user" | cut -d: -f6)
group=$(id -gn "$user")

T=$(mktemp -d /tmp/cartero-bench-imap.XXXXXX)
chmod 755 "$T"
ipid=
dpid=
cleanup() {
	if [ -n "$ipid" ]; then
		kill -TERM -- "-$ipid" 2>/dev/null || kill "$ipid" 2>/dev/null ||
		    true
	fi
	if [ -n "$dpid" ]; then
		kill -TERM "$dpid" 2>/dev/null || true
	fi
	sleep 1
	[ -z "$ipid" ] || kill -KILL -- "-$ipid" 2>/dev/null || true
	[ -z "$dpid" ] || kill -KILL "$dpid" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

freeport() {
	python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT PID NAME LOG: until PORT accepts, PID alive, 30 s
wait_port() {
	i=0
	until python3 -c "import socket
socket.create_connection(('127.0.0.1', $1), 1).close()" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 300 ] || ! kill -0 "$2" 2>/dev/null; then
			echo "imap: $3 did not start:" >&2
			tail -n 30 "$4" >&2
			return 1
		fi
		sleep 0.1
	done
}

# the folder, once
folder=$CACHE/folder-$N
if [ ! -f "$folder/.complete" ]; then
	echo "imap: making the benchmark folder ($N messages) in $folder"
	mkdir -p "$CACHE"
	timeout $LIMIT python3 "$top/bench/mkfolder.py" "$folder" "$N"
fi
chown -R "$user:$group" "$folder"
echo "imap: folder $(cat "$folder/.complete")"

# copy FOLDER to DEST/Maildir, hard links when possible
copy_folder() {
	rm -rf "$1/Maildir"
	mkdir -p "$1/Maildir"
	cp -al "$folder/cur" "$folder/new" "$folder/tmp" "$1/Maildir/" \
	    2>/dev/null || cp -a "$folder/cur" "$folder/new" "$folder/tmp" \
	    "$1/Maildir/"
	chown -R "$user:$group" "$1/Maildir"
}

# run_load PORT PID OUT: every scenario against one server
run_load() {
	o="-p $1 -u $user -w $pass -P $2 -W quarterly -X zqxjkvbwpy"
	# shellcheck disable=SC2086 # options
	{
		timeout $LIMIT "$load" $o warm || true
		timeout $LIMIT "$load" $o -c "$IDLE" idle || true
		timeout $LIMIT "$load" $o select fetch_flags fetch_envelope \
		    fetch_bodystructure search_header search_text_nohit \
		    body_random || true
		timeout $LIMIT "$load" $o -c "$CLIENTS" -t "$SECONDS_RUN" \
		    conc_changing conc_set || true
	} >"$3"
	sed 's/^/  /' "$3"
}

#
# ours
#
: >"$T/ours.out"
if [ -x "$imapd" ]; then
	iport=$(freeport)
	sh "$top/etc/mkcert.sh" "$T" bench.test rsa >/dev/null
	printf '%s:%s\n' "$user" "$(echo "$pass" | "$smtpctl" encrypt)" \
	    >"$T/creds"
	chmod 644 "$T/creds"
	mkdir -p "$T/run"
	cat >"$T/imapd.conf" <<CONF
pki default cert "$T/bench.test.crt" key "$T/bench.test.key"
table creds file:$T/creds
listen on 127.0.0.1 port $iport
auth <creds>
maildir "~/Maildir"
rundir "$T/run"
limit connections per-user 10000 per-address 10000
${BENCH_IMAPD_CONF:-}
CONF
	copy_folder "$home"
	export CARTERO_RUNDIR="$T/run"
	if ! "$imapd" -n -f "$T/imapd.conf" >"$T/imapd.check" 2>&1; then
		echo "imap: imapd -n rejects the configuration:" >&2
		cat "$T/imapd.check" >&2
		exit 1
	fi
	setsid "$imapd" -d -f "$T/imapd.conf" >"$T/imapd.log" 2>&1 &
	ipid=$!
	wait_port "$iport" "$ipid" imapd "$T/imapd.log"
	echo "imap: cartero imapd on 127.0.0.1:$iport"
	run_load "$iport" "$ipid" "$T/ours.out"
	kill -TERM -- "-$ipid" 2>/dev/null || kill "$ipid" 2>/dev/null || true
else
	echo "imap: $imapd is not built, only dovecot is measured"
fi

#
# dovecot, when installed
#
: >"$T/dovecot.out"
if dpkg -s dovecot-imapd >/dev/null 2>&1 && [ -x /usr/sbin/dovecot ]; then
	dport=$(freeport)
	mkdir -p "$T/dovecot/run" "$T/dovecot/state" "$T/dovehome"
	copy_folder "$T/dovehome"
	chown "$user:$group" "$T/dovehome"
	cat >"$T/dovecot.conf" <<CONF
# private dovecot for make bench: Debian's defaults but these lines
instance_name = cartero-bench-dovecot
base_dir = $T/dovecot/run
state_dir = $T/dovecot/state
log_path = $T/dovecot/log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
mail_location = maildir:~/Maildir
passdb {
  driver = static
  args = password=$pass
}
userdb {
  driver = static
  args = uid=$user gid=$group home=$T/dovehome
}
protocol imap {
  mail_max_userip_connections = 1000
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $dport
  }
  inet_listener imaps {
    port = 0
  }
}
CONF
	/usr/sbin/dovecot -F -c "$T/dovecot.conf" >"$T/dovecot.stdout" 2>&1 &
	dpid=$!
	if wait_port "$dport" "$dpid" dovecot "$T/dovecot/log"; then
		v=$(/usr/sbin/dovecot --version | cut -d' ' -f1)
		echo "imap: dovecot $v on 127.0.0.1:$dport"
		run_load "$dport" "$dpid" "$T/dovecot.out"
	fi
	kill -TERM "$dpid" 2>/dev/null || true
else
	echo "imap: dovecot-imapd is not installed, no comparison"
fi

python3 - "$T/ours.out" "$T/dovecot.out" <<'PY'
import sys
def load(p):
    r = {}
    for l in open(p):
        w = l.split()
        if not w:
            continue
        r[w[0]] = dict(kv.split('=', 1) for kv in w[1:] if '=' in kv)
    return r
o, d = load(sys.argv[1]), load(sys.argv[2])
rows = [
    ("SELECT INBOX (after LOGIN)", "select", "ms", "ms"),
    ("FETCH 1:* (FLAGS)", "fetch_flags", "ms", "ms"),
    ("FETCH 1:* (FLAGS ENVELOPE)", "fetch_envelope", "ms", "ms"),
    ("FETCH 1:* (BODYSTRUCTURE)", "fetch_bodystructure", "ms", "ms"),
    ("UID SEARCH HEADER Subject", "search_header", "ms", "ms"),
    ("SEARCH TEXT, no hit", "search_text_nohit", "ms", "ms"),
    ("100 random FETCH n BODY[]", "body_random", "ms", "ms"),
    ("first open (index + FETCH all)", "warm", "ms", "ms"),
    ("PSS first idle session", "idle", "first_kb", "KB"),
    ("PSS each further session", "idle", "further_kb", "KB"),
    ("50 clients, flags changing", "conc_changing", "rate", "cmd/s"),
    ("  CPU per command", "conc_changing", "cpu_ms_per_cmd", "ms"),
    ("50 clients, flags already set", "conc_set", "rate", "cmd/s"),
    ("  CPU per command", "conc_set", "cpu_ms_per_cmd", "ms"),
]
def get(r, k, f):
    try:
        return float(r[k][f])
    except (KeyError, ValueError):
        return None
def fmt(v):
    return "-" if v is None else ("%.1f" % v if v >= 10 else "%.2f" % v)
print()
print("%-34s %-6s %10s %10s %7s" % ("IMAP, warm cache", "unit", "ours",
                                     "dovecot", "ratio"))
for label, k, f, unit in rows:
    a, b = get(o, k, f), get(d, k, f)
    ratio = "%.2f" % (a / b) if a is not None and b else "-"
    print("%-34s %-6s %10s %10s %7s" % (label, unit, fmt(a), fmt(b), ratio))
print("(ratio = ours / dovecot: below 1 is better for times, CPU and")
print(" memory, above 1 is better for commands/s)")
PY
