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

# make bench: N messages (default 10,000) of 4 KB, one connection per
# message, at 1, 10 and 50 concurrent sessions, into a Maildir, against a
# private smtpd instance on loopback.  Prints per run: accepted messages/s,
# end-to-end messages/s (until the last one is in Maildir/new), p50/p99
# latency of one whole SMTP transaction, CPU time per message summed over
# every smtpd process (children and agents included), and at the end the
# memory cost of an idle session (Pss of the smtp process).
#
# Relay: the same load (BENCH_RELAY_MESSAGES, default N) for
# bench@relay.test, which the instance relays ("relay host") to an SMTP
# sink on loopback (build/bench/smtpsink): accepted messages/s, messages/s
# arriving at the sink (end to end: until the sink has them all) and the
# connections the sink saw (connection reuse shows as few).
# IMAP (bench/imap.sh): imapd, and Debian's dovecot-imapd when installed,
# on a folder of 10,000 messages; see that file.
# DKIM (build/bench/dkimbench, no daemon, no DNS; first, before the
# daemon starts): signing and verifying throughput (messages/s, CPU
# microseconds per message, one core) for RSA-2048 and Ed25519 on a 4 KB
# and a 100 KB message, then python3-dkim's figures on the same messages
# and keys (bench/dkimref.py) as a reference, when it is installed.
# BENCH_DKIM_MESSAGES (5000) and BENCH_DKIM_SECONDS (2) bound each run;
# alone: BENCH_PARTS=dkim make bench, or build/bench/dkimbench -n N -t S.
# BENCH_PARTS chooses among the runs (dkim maildir relay submission imap).
# Every loop is bounded in count and time; everything stops by itself.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
N=${BENCH_MESSAGES:-10000}
SESSIONS=${BENCH_SESSIONS:-"1 10 50"}
IDLE=${BENCH_IDLE:-500}
LIMIT=600
user=cartero-bench
smtpd=$top/build/smtpd
smtpctl=$top/build/smtpctl
send=$top/build/bench/smtpsend
sink=$top/build/bench/smtpsink
RN=${BENCH_RELAY_MESSAGES:-$N}
# which runs: BENCH_PARTS="maildir relay submission imap" (all by default)
PARTS=${BENCH_PARTS:-"dkim maildir relay submission imap"}
hz=$(getconf CLK_TCK)

part() {
	case " $PARTS " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

# DKIM: no daemon needed; the reference figures from dkimpy on what
# dkimbench wrote (keys made for this run, removed at once)
if part dkim; then
	dk=$(mktemp -d /tmp/cartero-dkimbench.XXXXXX)
	"$top/build/bench/dkimbench" -n "${BENCH_DKIM_MESSAGES:-5000}" \
	    -t "${BENCH_DKIM_SECONDS:-2}" -w "$dk" ||
	    echo "dkim: build/bench/dkimbench failed" >&2
	# Debian's python (python3-dkim's), not another python3 in $PATH
	if /usr/bin/python3 -c 'import dkim, nacl' 2>/dev/null; then
		echo
		/usr/bin/python3 "$top/bench/dkimref.py" "$dk" -n 200 \
		    -t "${BENCH_DKIM_SECONDS:-2}" ||
		    echo "dkim: bench/dkimref.py failed" >&2
	else
		echo "dkim: python3-dkim or python3-nacl missing: no" \
		    "reference figures (sh .ci/deps.sh)"
	fi
	rm -rf "$dk"
	echo
fi
# the other parts need the daemon
case " $PARTS " in
*" maildir "*|*" relay "*|*" submission "*|*" imap "*) ;;
*) exit 0 ;;
esac

id "$user" >/dev/null 2>&1 || useradd -m "$user"
home=$(getent passwd "$user" | cut -d: -f6)
T=$(mktemp -d /tmp/cartero-bench.XXXXXX)
chmod 755 "$T"
freeport() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=$(freeport)
sport=$(freeport)

cleanup() {
	CARTERO_RUNDIR=$T/run "$smtpctl" stop >/dev/null 2>&1 || true
	[ -z "${sinkpid:-}" ] || kill "$sinkpid" 2>/dev/null || true
	sleep 1
	if [ -f "$T/run/smtpd.pid" ]; then
		kill "$(cat "$T/run/smtpd.pid")" 2>/dev/null || true
	fi
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

# submission: an RSA-2048 certificate, one user in a credentials table
sh "$top/etc/mkcert.sh" "$T" bench.test rsa >/dev/null
printf 'bench:%s\n' "$(echo benchpass | "$smtpctl" encrypt)" >"$T/creds"
chmod 644 "$T/creds"
authplain=$(printf '\0bench\0benchpass' | base64)

# the relay's sink: a free port of its own, a bounded lifetime
"$sink" -P "$T/sink.port" -s "$T/sink.stats" -t $((LIMIT * 6)) \
    >"$T/sink.out" 2>&1 &
sinkpid=$!
i=0
until [ -s "$T/sink.port" ]; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "bench: smtpsink did not start:" >&2
		cat "$T/sink.out" >&2
		exit 1
	fi
	sleep 0.1
done
sinkport=$(cat "$T/sink.port")

cat > "$T/smtpd.conf" <<CONF
hostname bench.test
queue path "$T/spool"
rundir "$T/run"
smtp limit max-sessions 2000 max-sessions-per-address 2000
pki bench.test cert "$T/bench.test.crt"
pki bench.test key "$T/bench.test.key"
table creds file:$T/creds
listen on 127.0.0.1 port $port
listen on 127.0.0.1 port $sport tls-require pki bench.test auth <creds>
action "md" maildir "~/Maildir"
action "out" relay host smtp://127.0.0.1:$sinkport
match from any for local action "md"
match from any for domain relay.test action "out"
CONF

"$smtpd" -d -f "$T/smtpd.conf" >"$T/log" 2>&1 &
i=0
until [ -S "$T/run/control.sock" ] && \
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1).close()" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "bench: smtpd did not start:" >&2
		cat "$T/log" >&2
		exit 1
	fi
	sleep 0.1
done
ppid=$(cat "$T/run/smtpd.pid")

# CPU ticks of the daemon: every live process of its tree plus what the
# parent collected from children that exited (agents).
cpu_ticks() {
	python3 - "$ppid" <<'PY'
import os, sys
root = int(sys.argv[1])
kids = {}
for p in os.listdir('/proc'):
    if not p.isdigit():
        continue
    try:
        f = open('/proc/%s/stat' % p).read()
        cmd = open('/proc/%s/cmdline' % p).read().replace('\0', ' ')
    except OSError:
        continue
    rest = f[f.rindex(')') + 2:].split()
    kids.setdefault(int(rest[1]), []).append((int(p), rest, cmd))
def name(cmd):
    for n in ('control', 'lka', 'queue', 'smtp', 'signer', 'agent'):
        if ('smtpd: ' + n) in cmd or ('-x ' + n) in cmd:
            return n
    return 'other'
st = open('/proc/%d/stat' % root).read()
rest = st[st.rindex(')') + 2:].split()
# the parent, plus what it collected from agents that exited
per = {'parent': int(rest[11]) + int(rest[12]),
       'agent': int(rest[13]) + int(rest[14])}
todo = [root]
while todo:
    for pid, r, cmd in kids.get(todo.pop(), []):
        n = name(cmd)
        per[n] = per.get(n, 0) + int(r[11]) + int(r[12])
        todo.append(pid)
print(' '.join('%s=%d' % kv for kv in sorted(per.items())))
PY
}

count_new() {
	find "$home/Maildir/new" -type f 2>/dev/null | wc -l
}

delivered() {
	CARTERO_RUNDIR=$T/run "$smtpctl" show stats 2>/dev/null |
	    sed -n 's/^queue.delivered=//p'
}

# memory per idle session, measured first, on a fresh smtp process: Pss
# of the smtp process with IDLE sessions open after EHLO
smtp_pid=$(pgrep -P "$ppid" -f "smtpd: smtp" | head -n 1)
python3 - "$port" "$IDLE" "$smtp_pid" <<'PY'
import socket, sys, time
port, n, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def pss():
    for l in open('/proc/%s/smaps_rollup' % pid):
        if l.startswith('Pss:'):
            return int(l.split()[1])
before = pss()
socks = []
for i in range(n):
    s = socket.create_connection(('127.0.0.1', port), 5)
    s.recv(512)
    s.sendall(b'EHLO idle.test\r\n')
    socks.append(s)
for s in socks:
    s.settimeout(5)
    s.recv(4096)
time.sleep(0.5)
after = pss()
print("idle sessions=%d smtp Pss before=%d KB after=%d KB per-session=%.1f KB"
      % (n, before, after, (after - before) / n))
for s in socks:
    s.close()
PY

# The bench user's Maildir is kept between runs and between invocations
# (each run counts what it added) and only emptied past 100,000 files: on
# ext4 without a journal, deleting thousands of files makes the next inode
# allocations in that block group slow for the following ~5 minutes,
# which would measure the benchmark's own cleanup.
if [ "$(count_new)" -gt 100000 ]; then
	echo "bench: emptying $home/Maildir (the next minutes will be slower)"
	rm -rf "$home/Maildir"
fi
# run_one PORT TAG "SMTPSEND OPTIONS" LABEL, for each of $SESSIONS
run_one() {
for c in $SESSIONS; do
	base=$(count_new)
	dbase=$(delivered)
	c0=$(cpu_ticks)
	t0=$(date +%s.%N)
	out=$("$send" -p "$1" -n "$N" -c "$c" -s 4096 -t $LIMIT \
	    -r "$user@localhost" -T "run$c$2" $3 || true)
	sent=$(echo "$out" | sed -n 's/.*sent=\([0-9]*\).*/\1/p')
	i=0
	while [ $(($(delivered) - dbase)) -lt "${sent:-0}" ] && \
	    [ $i -lt $((LIMIT * 20)) ]; do
		sleep 0.05
		i=$((i + 1))
	done
	t1=$(date +%s.%N)
	c1=$(cpu_ticks)
	got=$(($(count_new) - base))
	python3 - "$c" "$out" "$t0" "$t1" "$c0" "$c1" "$hz" "$got" "$4" <<'PY'
import sys
c, out, t0, t1, c0, c1, hz, got = sys.argv[1:9]
got = int(got)
f = dict(kv.split('=') for kv in out.split())
sent = int(f['sent'])
e2e = float(t1) - float(t0)
a = dict((k, int(v)) for k, v in (kv.split('=') for kv in c0.split()))
b = dict((k, int(v)) for k, v in (kv.split('=') for kv in c1.split()))
d = dict((k, b.get(k, 0) - a.get(k, 0)) for k in b)
cpu = sum(d.values()) / int(hz)
print("%ssessions=%-3s accepted=%s/s end-to-end=%.1f/s (%d delivered in %.2fs) "
      "p50=%s p99=%s cpu/msg=%.3fms failed=%s%s" % (
      sys.argv[9], c, f['rate'].rstrip('/s'), got / e2e if e2e else 0, int(got), e2e,
      f['p50'], f['p99'], cpu * 1000 / sent if sent else 0, f['failed'],
      " resumed=%s" % f['resumed'] if sys.argv[9].strip() else ""))
if sent:
    print("             cpu/msg by process: " + " ".join(
        "%s=%.3fms" % (k, v * 1000.0 / int(hz) / sent)
        for k, v in sorted(d.items()) if v))
PY
done
}

# sink_stat NAME: one count from the sink's stats file
sink_stat() {
	sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" "$T/sink.stats"
}

# The relay runs: into the instance for relay.test, out to the sink.
run_relay() {
for c in $SESSIONS; do
	m0=$(sink_stat messages)
	k0=$(sink_stat connections)
	c0=$(cpu_ticks)
	t0=$(date +%s.%N)
	out=$("$send" -p "$port" -n "$RN" -c "$c" -s 4096 -t $LIMIT \
	    -r "bench@relay.test" -T "relay$c" || true)
	sent=$(echo "$out" | sed -n 's/.*sent=\([0-9]*\).*/\1/p')
	i=0
	while [ $(($(sink_stat messages) - m0)) -lt "${sent:-0}" ] && \
	    [ $i -lt $((LIMIT * 20)) ]; do
		sleep 0.05
		i=$((i + 1))
	done
	t1=$(date +%s.%N)
	c1=$(cpu_ticks)
	got=$(($(sink_stat messages) - m0))
	conns=$(($(sink_stat connections) - k0))
	python3 - "$c" "$out" "$t0" "$t1" "$c0" "$c1" "$hz" "$got" \
	    "$conns" <<'PY'
import sys
c, out, t0, t1, c0, c1, hz, got, conns = sys.argv[1:10]
got, conns = int(got), int(conns)
f = dict(kv.split('=') for kv in out.split())
sent = int(f['sent'])
e2e = float(t1) - float(t0)
a = dict((k, int(v)) for k, v in (kv.split('=') for kv in c0.split()))
b = dict((k, int(v)) for k, v in (kv.split('=') for kv in c1.split()))
d = dict((k, b.get(k, 0) - a.get(k, 0)) for k in b)
cpu = sum(d.values()) / int(hz)
print("relay sessions=%-3s accepted=%s/s at-sink=%.1f/s (%d of %d in %.2fs) "
      "sink-connections=%d (%.1f msgs/conn) p50=%s p99=%s cpu/msg=%.3fms "
      "failed=%s%s" % (
      c, f['rate'].rstrip('/s'), got / e2e if e2e else 0, got, sent, e2e,
      conns, got / conns if conns else 0, f['p50'], f['p99'],
      cpu * 1000 / sent if sent else 0, f['failed'],
      "" if got >= sent else " (stopped waiting at the time limit)"))
if sent:
    print("             cpu/msg by process: " + " ".join(
        "%s=%.3fms" % (k, v * 1000.0 / int(hz) / sent)
        for k, v in sorted(d.items()) if v))
PY
done
}

if part maildir; then
	echo "cartero make bench: $N messages of 4 KB per run, one connection per message, into Maildir"
	run_one "$port" "" "" ""
	echo
fi
if part relay; then
	echo "relay: $RN messages of 4 KB per run, one connection per" \
	    "message in, relayed (relay host) to an SMTP sink on loopback"
	run_relay
	echo
fi
if part submission; then
	echo "submission: STARTTLS + AUTH PLAIN, RSA-2048 certificate, a new TLS connection per message"
	run_one "$sport" s "-S -A $authplain" "full handshake   "
	run_one "$sport" r "-S -R -A $authplain" "resumed session  "
	echo
fi
if part imap; then
	echo "imap: a folder of ${BENCH_IMAP_MESSAGES:-10000} messages of 4-50 KB"
	sh "$top/bench/imap.sh" || echo "imap: bench/imap.sh failed" >&2
	echo
fi
echo "for comparison, this machine's openssl speed (one core):"
openssl speed -seconds 1 rsa2048 2>/dev/null | awk '/^rsa 2048/ {
    printf "  RSA-2048 sign %.3f ms\n", 1000 / $6 }'
openssl speed -seconds 1 ecdhx25519 2>/dev/null | awk '/X25519/ {
    printf "  X25519 key exchange %.3f ms per operation (two per handshake)\n", 1000 / $NF }'

