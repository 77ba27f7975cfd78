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

# The signer process holds the TLS private keys, and only it: memscan.py
# finds a key in a process that has it (openssl s_server, the signer) and
# not in the others (the parent passed the file without reading it, smtp).
# Key files anyone but root may read are refused with file:line.

. "$(atf_get_srcdir)/lib.sh"

MEMSCAN=$(atf_get_srcdir)/memscan.py

# mkkey NAME TYPE: $T/NAME.key (root, 0600) and $T/NAME.crt
mkkey()
{
	case "$2" in
	rsa) _opt="-newkey rsa:2048" ;;
	ec) _opt="-newkey ec -pkeyopt ec_paramgen_curve:P-256" ;;
	esac
	# shellcheck disable=SC2086
	openssl req -x509 $_opt -nodes -keyout "$T/$1.key" -out "$T/$1.crt" \
	    -subj "/CN=$1.test" -days 2 2>/dev/null ||
	    atf_fail "openssl cannot make a $2 key"
	chmod 600 "$T/$1.key"
}

# conf_pki NAME...: the standard configuration with these pki
conf_pki()
{
	inst_conf_std md
	for _n in "$@"; do
		echo "pki $_n cert \"$T/$_n.crt\""
		echo "pki $_n key \"$T/$_n.key\""
	done >>"$T/smtpd.conf"
}

atf_test_case memscan_finds cleanup
memscan_finds_head()
{
	atf_set descr "memscan.py finds a key where it is, not elsewhere"
	atf_set require.progs "openssl python3"
}
memscan_finds_body()
{
	inst_setup
	mkkey r rsa
	mkkey e ec
	_port=$(inst_free_port)
	openssl s_server -accept "127.0.0.1:$_port" -key "$T/r.key" \
	    -cert "$T/r.crt" -quiet </dev/null >/dev/null 2>&1 &
	_sp=$!
	echo "$_sp" >"$T/s_server.pid"
	_n=50
	until port_open "$_port"; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || atf_fail "openssl s_server did not start"
		sleep 0.1
	done
	atf_check -s exit:1 -o match:'found: prime1' "$MEMSCAN" "$_sp" \
	    "$T/r.key"
	atf_check -s exit:0 -o empty "$MEMSCAN" "$_sp" "$T/e.key"
	atf_check -s exit:0 -o empty "$MEMSCAN" "$$" "$T/r.key"
	atf_check -s exit:2 -e match:memscan "$MEMSCAN" 999999999 "$T/r.key"
	kill "$_sp"
}
memscan_finds_cleanup()
{
	[ -f "$INST_REF" ] && [ -f "$(cat "$INST_REF")/s_server.pid" ] &&
	    kill "$(cat "$(cat "$INST_REF")/s_server.pid")" 2>/dev/null
	inst_cleanup
}

atf_test_case keys_in_signer_only cleanup
keys_in_signer_only_head()
{
	atf_set descr "the signer holds the keys; parent and smtp do not"
	atf_set require.progs "openssl python3"
}
keys_in_signer_only_body()
{
	inst_setup
	mkkey r rsa
	mkkey e ec
	conf_pki r e
	inst_start
	# the signer logs once it has the keys, maybe after smtp listens
	wait_log_count 'pki r: RSA key loaded' 1 ||
	    atf_fail "no line 'pki r: RSA key loaded' in the log"
	wait_log_count 'pki e: ECDSA key loaded' 1 ||
	    atf_fail "no line 'pki e: ECDSA key loaded' in the log"
	for _k in r e; do
		atf_check -s exit:1 -o ignore "$MEMSCAN" \
		    "$(child_pid signer)" "$T/$_k.key"
		atf_check -s exit:0 -o empty "$MEMSCAN" "$(child_pid smtp)" \
		    "$T/$_k.key"
		atf_check -s exit:0 -o empty "$MEMSCAN" "$DPID" "$T/$_k.key"
	done
	# reload with a new key: loaded by the sandboxed signer
	mkkey r rsa
	"$SMTPCTL" reload >/dev/null || atf_fail "reload failed"
	_n=$((WAIT * 10))
	until [ "$(grep -c 'pki r: RSA key loaded' "$T/log")" -ge 2 ]; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || atf_fail "the new key was not loaded"
		sleep 0.1
	done
	atf_check -s exit:1 -o ignore "$MEMSCAN" "$(child_pid signer)" \
	    "$T/r.key"
	assert_alive
}
keys_in_signer_only_cleanup()
{
	inst_cleanup
}

atf_test_case key_modes cleanup
key_modes_head()
{
	atf_set descr "a key file others may read is refused (smtpd -n)"
	atf_set require.progs "openssl"
}
key_modes_body()
{
	inst_setup
	mkkey r rsa
	conf_pki r
	atf_check -s exit:0 -o ignore -e ignore "$SMTPD" -n -f "$T/smtpd.conf"
	chmod 644 "$T/r.key"
	atf_check -s exit:1 -o empty \
	    -e match:'smtpd.conf:[0-9]+: pki "r": key .* read or changed by others' \
	    "$SMTPD" -n -f "$T/smtpd.conf"
	chmod 640 "$T/r.key"
	chgrp mail "$T/r.key"
	atf_check -s exit:1 -o empty -e match:'by its group' \
	    "$SMTPD" -n -f "$T/smtpd.conf"
	chgrp root "$T/r.key"
	atf_check -s exit:0 -o ignore -e ignore "$SMTPD" -n -f "$T/smtpd.conf"
	chown nobody "$T/r.key"
	atf_check -s exit:1 -o empty -e match:'not owned by root' \
	    "$SMTPD" -n -f "$T/smtpd.conf"
}
key_modes_cleanup()
{
	inst_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case memscan_finds
	atf_add_test_case keys_in_signer_only
	atf_add_test_case key_modes
}
