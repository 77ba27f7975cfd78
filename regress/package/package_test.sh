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

# The installed Debian package (make check-package): .ci/package.sh built
# build/cartero_VERSION_ARCH.deb and installed it over the machine's MTA,
# leaving its state in build/package/ (see there).  These cases check what
# an administrator gets: cartero is the MTA, the old one is gone, the
# service runs, and mail(1) between local users and to root works through
# the real /usr/bin/mail and /usr/sbin/sendmail.  They leave cartero
# installed and running.  Every wait is bounded (WAIT seconds).

TOP=$(cd "$(atf_get_srcdir)/../.." && pwd)
STATE=$TOP/build/package
WAIT=${CARTERO_TEST_WAIT:-20}
# ordinary users of this program only (the integration tests have theirs)
SENDER=cartero-pkga
RCPT=cartero-pkgb
PIDFILE=/run/cartero/smtpd.pid

need_root()
{
	[ "$(id -u)" -eq 0 ] || atf_skip "needs root"
}

# The package .ci/package.sh installed must be the installed one.
need_installed()
{
	need_root
	[ -f "$STATE/version" ] || atf_fail "no $STATE/version: run" \
	    "make check-package"
	_v=$(dpkg-query -W -f='${Status} ${Version}' cartero 2>/dev/null)
	[ "$_v" = "install ok installed $(cat "$STATE/version")" ] ||
	    atf_fail "cartero $(cat "$STATE/version") is not installed" \
	    "(dpkg: ${_v:-none}); see $STATE/install.log"
}

# poll_until SECONDS COMMAND...: every 0.1 s until COMMAND succeeds.
poll_until()
{
	_n=$(($1 * 10))
	shift
	until "$@"; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || return 1
		sleep 0.1
	done
	return 0
}

# smtpd's parent runs: the pid file names a live /usr/sbin/smtpd.
daemon_up()
{
	_p=$(cat "$PIDFILE" 2>/dev/null) || return 1
	[ -n "$_p" ] && kill -0 "$_p" 2>/dev/null || return 1
	[ "$(readlink "/proc/$_p/exe" 2>/dev/null)" = /usr/sbin/smtpd ] &&
	    [ -S /run/cartero/smtpd.sock ]
}

# Start the service the way this machine's init system would, if the
# maintainer scripts did not (a policy-rc.d may forbid it); restart it if
# what runs is a binary the package replaced (policy-rc.d may also have
# kept prerm from stopping it).
ensure_running()
{
	daemon_up && return 0
	if [ -d /run/systemd/system ]; then
		systemctl restart cartero.service >start.out 2>&1
	else
		/etc/init.d/cartero restart >start.out 2>&1
	fi
	poll_until "$WAIT" daemon_up && return 0
	cat start.out >&2
	atf_fail "smtpd is not running after starting the service"
}

# The real bsd-mailx is /usr/bin/mail (installed with cartero as MTA).
need_mailx()
{
	case "$(readlink -f /usr/bin/mail 2>/dev/null)" in
	*/bsd-mailx) return 0 ;;
	esac
	DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -q \
	    --no-install-recommends bsd-mailx >mailx.out 2>&1 ||
	    { cat mailx.out >&2; atf_fail "apt-get install bsd-mailx failed"; }
	case "$(readlink -f /usr/bin/mail 2>/dev/null)" in
	*/bsd-mailx) ;;
	*) atf_fail "/usr/bin/mail is not bsd-mailx after installing it" ;;
	esac
}

need_user()
{
	getent passwd "$1" >/dev/null ||
	    useradd -m -s /bin/sh -c "cartero package test" "$1" ||
	    atf_fail "useradd $1"
}

# mail_as USER RCPT [SUBJECT]: echo the token | mail [-s SUBJECT] RCPT,
# as USER, with a clean environment (no MAILRC: bsd-mailx runs
# /usr/sbin/sendmail).
mail_as()
{
	# su passes no options through: the arguments go by environment
	echo "$TOKEN" | MAIL_RCPT=$2 MAIL_SUBJ=${3:-} su "$1" -s /bin/sh -c '
	    cd && set -- "$MAIL_RCPT"
	    [ -z "$MAIL_SUBJ" ] || set -- -s "$MAIL_SUBJ" "$@"
	    exec env -i PATH=/usr/bin:/bin HOME="$HOME" USER="$(id -un)" \
		/usr/bin/mail "$@"' >mail.out 2>&1 ||
	    { cat mail.out >&2; atf_fail "mail $2 as $1 failed"; }
}

# A line only this run writes.
new_token()
{
	TOKEN="cartero-pkg-test-$$-$(date +%s)-$1"
}

atf_test_case installed
installed_head()
{
	atf_set descr "apt installed build/cartero_VERSION_ARCH.deb"
}
installed_body()
{
	need_root
	[ "$(cat "$STATE/install.rc" 2>/dev/null)" = 0 ] ||
	    { cat "$STATE/install.log" >&2; atf_fail "apt-get install failed"; }
	need_installed
	# nothing the maintainer scripts ran reported an error
	if grep -E '^(E:|dpkg: error)' "$STATE/install.log" >&2; then
		atf_fail "errors in $STATE/install.log"
	fi
}

atf_test_case old_mta_removed
old_mta_removed_head()
{
	atf_set descr "the MTA installed before cartero is gone; cartero is" \
	    "the only mail-transport-agent"
}
old_mta_removed_body()
{
	need_installed
	while read -r _p; do
		[ -n "$_p" ] || continue
		_s=$(dpkg-query -W -f='${Status}' "$_p" 2>/dev/null)
		case "$_s" in
		*" installed"|*" half-installed"|*" unpacked")
			atf_fail "$_p is still $_s" ;;
		esac
	done <"$STATE/mta-before"
	dpkg-query -W -f='${Package}\t${Status}\t${Provides}\n' |
	    awk -F '\t' '$2 ~ / installed$/ && $3 ~ /mail-transport-agent/' |
	    cut -f1 >mtas
	[ "$(cat mtas)" = cartero ] ||
	    atf_fail "installed MTAs: $(tr '\n' ' ' <mtas)"
	echo "replaced: $(tr '\n' ' ' <"$STATE/mta-before")"
}

atf_test_case sendmail_is_ours
sendmail_is_ours_head()
{
	atf_set descr "sendmail, mailq, newaliases are cartero's smtpctl"
}
sendmail_is_ours_body()
{
	need_installed
	for _f in /usr/sbin/sendmail /usr/lib/sendmail /usr/bin/mailq \
	    /usr/bin/newaliases; do
		[ "$(readlink -f "$_f")" = /usr/sbin/smtpctl ] ||
		    atf_fail "$_f -> $(readlink -f "$_f")"
		_o=$(dpkg-query -S "$_f" 2>/dev/null | cut -d: -f1)
		[ "$_o" = cartero ] || atf_fail "$_f belongs to '$_o'"
	done
	[ "$(stat -c %a /usr/sbin/smtpd)" = 711 ] ||
	    atf_fail "/usr/sbin/smtpd mode $(stat -c %a /usr/sbin/smtpd)"
	# the system users and the spool postinst made
	for _u in _cartero-ctl _cartero-lka _cartero-queue _cartero-smtp \
	    _cartero-sign _cartero-relay; do
		getent passwd "$_u" >/dev/null || atf_fail "no user $_u"
	done
	[ "$(stat -c '%a %U' /var/spool/cartero)" = "711 root" ] ||
	    atf_fail "spool: $(stat -c '%a %U' /var/spool/cartero)"
	[ "$(stat -c '%a %U' /var/spool/cartero/offline)" = "1733 root" ] ||
	    atf_fail "offline: $(stat -c '%a %U' /var/spool/cartero/offline)"
	grep -qiE '^postmaster:' /etc/aliases || atf_fail "no postmaster alias"
	# the DKIM key directory postinst made; the list DMARC reads
	[ "$(stat -c '%a %U:%G' /etc/cartero/dkim)" = "750 root:root" ] ||
	    atf_fail "dkim dir: $(stat -c '%a %U:%G' /etc/cartero/dkim)"
	[ -s /usr/share/publicsuffix/public_suffix_list.dat ] ||
	    atf_fail "no /usr/share/publicsuffix/public_suffix_list.dat"
}

atf_test_case mailx_installs
mailx_installs_head()
{
	atf_set descr "apt-get install bsd-mailx is satisfied by cartero" \
	    "(no other MTA comes with it)"
}
mailx_installs_body()
{
	need_installed
	if ! dpkg-query -W -f='${Status}' bsd-mailx 2>/dev/null |
	    grep -q ' installed$'; then
		apt-get -s install --no-install-recommends bsd-mailx \
		    >sim.out 2>&1 || { cat sim.out >&2; atf_fail "apt-get -s"; }
		if grep -E '^(Inst|Remv) ' sim.out | grep -v ' bsd-mailx ' |
		    grep -vE '^Inst liblockfile' >&2; then
			atf_fail "installing bsd-mailx changes more than it"
		fi
	fi
	need_mailx
	need_installed
}

atf_test_case daemon_running
daemon_running_head()
{
	atf_set descr "smtpd runs as the service (started here if" \
	    "policy-rc.d kept the maintainer scripts from starting it)"
}
daemon_running_body()
{
	need_installed
	if ! daemon_up; then
		echo "not started by the maintainer scripts:"
		grep -i 'policy-rc.d\|invoke-rc.d\|cartero:' \
		    "$STATE/install.log" || true
	fi
	ensure_running
	_p=$(cat "$PIDFILE")
	# the parent is root; its children run as their users (the relay
	# agent only exists while it relays)
	for _u in _cartero-ctl _cartero-lka _cartero-queue _cartero-smtp \
	    _cartero-sign; do
		poll_until "$WAIT" pgrep -u "$_u" -P "$_p" >/dev/null ||
		    atf_fail "no child of $_p runs as $_u"
	done
	/usr/sbin/smtpd -n -f /etc/cartero/smtpd.conf >conf.out 2>&1 ||
	    { cat conf.out >&2; atf_fail "smtpd -n on the installed config"; }
	# Debian's "local only": localhost and the local socket, /var/mail
	grep -q '^listen on "localhost" port 25 tls pki "default"$' conf.out ||
	    atf_fail "the default config does not listen on localhost"
	# with the certificate the postinst made: STARTTLS works
	[ -s /etc/cartero/tls/smtpd.crt ] && [ -s /etc/cartero/tls/smtpd.key ] ||
	    atf_fail "the postinst made no certificate"
	[ "$(stat -c %a /etc/cartero/tls/smtpd.key)" = 600 ] ||
	    atf_fail "the key is not 0600"
	echo QUIT | timeout 20 openssl s_client -connect 127.0.0.1:25 \
	    -starttls smtp >s_client.out 2>&1
	grep -q '^New, TLSv1\.[23]' s_client.out ||
	    { cat s_client.out >&2; atf_fail "no STARTTLS on localhost:25"; }
	grep -q '^listen on socket$' conf.out ||
	    atf_fail "the default config has no local socket"
	grep -q '^action "local" mbox "/var/mail/%{user.username}" alias' \
	    conf.out || atf_fail "the default config does not use /var/mail"
}

atf_test_case mail_user_to_user
mail_user_to_user_head()
{
	atf_set descr "as an ordinary user, echo hi | mail -s test OTHER" \
	    "lands in /var/mail/OTHER with cartero's Received: header"
}
mail_user_to_user_body()
{
	need_installed
	need_mailx
	ensure_running
	need_user $SENDER
	need_user $RCPT
	_mb=/var/mail/$RCPT
	rm -f "$_mb"
	new_token user
	mail_as $SENDER $RCPT "test $TOKEN"
	poll_until "$WAIT" grep -q "^$TOKEN\$" "$_mb" 2>/dev/null ||
	    atf_fail "not in $_mb after ${WAIT}s"
	grep -q "^From $SENDER@" "$_mb" || atf_fail "no From_ line for $SENDER"
	grep -q "^Subject: test $TOKEN\$" "$_mb" || atf_fail "no Subject"
	grep -q "^Received: from local (uid $(id -u $SENDER))" "$_mb" ||
	    atf_fail "no Received: from local (uid ...)"
	grep -qE '^[[:space:]]+by [^ ]+ \(cartero\) ' "$_mb" ||
	    atf_fail "no Received: ... by HOST (cartero)"
	[ "$(stat -c '%U:%G %a' "$_mb")" = "$RCPT:mail 660" ] ||
	    atf_fail "mailbox $(stat -c '%U:%G %a' "$_mb")"
}

atf_test_case mail_to_root
mail_to_root_head()
{
	atf_set descr "echo cron | mail root lands in /var/mail/root"
}
mail_to_root_body()
{
	need_installed
	if grep -qiE '^[[:space:]]*root[[:space:]]*:' /etc/aliases; then
		atf_skip "/etc/aliases has an alias for root"
	fi
	need_mailx
	ensure_running
	need_user $SENDER
	new_token root
	mail_as $SENDER root
	poll_until "$WAIT" grep -q "^$TOKEN\$" /var/mail/root 2>/dev/null ||
	    atf_fail "not in /var/mail/root after ${WAIT}s"
}

atf_test_case mailq_as_user
mailq_as_user_head()
{
	atf_set descr "mailq works for an ordinary user"
}
mailq_as_user_body()
{
	need_installed
	ensure_running
	need_user $SENDER
	su $SENDER -s /bin/sh -c 'cd / && timeout 30 mailq' >mailq.out 2>&1 ||
	    { cat mailq.out >&2; atf_fail "mailq as $SENDER failed"; }
	cat mailq.out
}

#
# debconf: the configuration types (debian/cartero.templates) and the
# rule that the package writes /etc/cartero/smtpd.conf only where it is
# absent or its own and unedited.  Each case saves what it changes (the
# configuration, /etc/mailname, the secrets table, the answers) and its
# cleanup puts it back even when the body failed; the body itself ends by
# going back to "Local only" through dpkg-reconfigure.
#
CONF=/etc/cartero/smtpd.conf
SAVED_FILES="$CONF $CONF.debconf-new /etc/mailname /etc/cartero/secrets"

# debconf_get QUESTION: the answer debconf holds for cartero.
debconf_get()
{
	echo "GET $1" | debconf-communicate cartero 2>/dev/null |
	    sed -n 's/^0 //p'
}

# preseed TYPE MAILNAME RELAY: the answers, as an administrator preseeds
# them.
preseed()
{
	printf 'cartero cartero/main_mailer_type select %s\n' "$1" >preseed.txt
	printf 'cartero cartero/mailname string %s\n' "$2" >>preseed.txt
	printf 'cartero cartero/relayhost string %s\n' "$3" >>preseed.txt
	debconf-set-selections preseed.txt ||
	    atf_fail "debconf-set-selections $(cat preseed.txt)"
}

reconfigure()
{
	DEBIAN_FRONTEND=noninteractive timeout 300 dpkg-reconfigure cartero \
	    >reconf.out 2>&1 ||
	    { cat reconf.out >&2; atf_fail "dpkg-reconfigure cartero failed"; }
	cat reconf.out
}

# The running smtpd, restarted on the configuration now in place.
restart_service()
{
	_old=$(cat "$PIDFILE" 2>/dev/null || true)
	if [ -d /run/systemd/system ]; then
		systemctl restart cartero.service >start.out 2>&1
	else
		/etc/init.d/cartero restart >start.out 2>&1
	fi
	poll_until "$WAIT" new_daemon_up "$_old" && return 0
	cat start.out >&2
	atf_fail "smtpd is not running after a restart"
}

new_daemon_up()
{
	daemon_up && [ "$(cat "$PIDFILE" 2>/dev/null)" != "$1" ]
}

saved_name()
{
	echo "saved/$(echo "$1" | tr / _)"
}

# What the debconf cases change, kept in the work directory (the cleanup
# runs there too).
save_state()
{
	mkdir saved || atf_fail "state saved twice"
	for _f in $SAVED_FILES; do
		if [ -e "$_f" ]; then
			cp -p "$_f" "$(saved_name "$_f")"
		else
			: >"$(saved_name "$_f").absent"
		fi
	done
	debconf_get cartero/mailname >saved/mailname.answer
	if daemon_up; then : >saved/running; fi
	# each case starts from no smtpd.conf, which the package then owns:
	# on a fresh machine the one in place is etc/setup.sh's (make check
	# ran first), which the package rightly counts as the
	# administrator's and never rewrites
	rm -f "$CONF" "$CONF.debconf-new"
}

restore_state()
{
	[ -d saved ] || return 0
	preseed "Local only" "$(cat saved/mailname.answer)" "" >/dev/null 2>&1
	for _f in $SAVED_FILES; do
		_n=$(saved_name "$_f")
		if [ -e "$_n.absent" ]; then
			rm -f "$_f"
		elif [ -e "$_n" ]; then
			cp -p "$_n" "$_f"
		fi
	done
	if [ -e saved/running ] && ! cmp -s "$(saved_name "$CONF")" running.conf
	then
		if [ -d /run/systemd/system ]; then
			systemctl restart cartero.service
		else
			/etc/init.d/cartero restart
		fi
	fi >/dev/null 2>&1
	rm -rf saved
}

# check_conf TYPE: CONF is the package's, of TYPE, and smtpd -n takes it.
check_conf()
{
	grep -q "^# cartero-debconf: type=$1 sha256=" "$CONF" ||
	    { head -n 12 "$CONF" >&2; atf_fail "$CONF is not the $1 one"; }
	/usr/sbin/smtpd -n -f "$CONF" >conf.out 2>&1 ||
	    { cat conf.out >&2; atf_fail "smtpd -n refuses $CONF"; }
}

# Back to "Local only" by dpkg-reconfigure, the daemon running on it.
back_to_local()
{
	preseed "Local only" "$(cat saved/mailname.answer)" ""
	reconfigure
	check_conf local
	restart_service
	cp "$CONF" running.conf
}

atf_test_case imapd_running
imapd_running_head()
{
	atf_set descr "the package's imapd: /usr/sbin/imapd 0711, its" \
	    "configuration /etc/cartero/imapd.conf (a conffile) accepted by" \
	    "imapd -n, the service running (started here if policy-rc.d" \
	    "kept it from starting), STARTTLS on 143 and TLS on 993, the" \
	    "login process as _cartero-imap"
}
imapd_running_body()
{
	need_installed
	[ "$(stat -c %a /usr/sbin/imapd)" = 711 ] ||
	    atf_fail "/usr/sbin/imapd: $(stat -c %a /usr/sbin/imapd)"
	dpkg-query -W -f='${Conffiles}\n' cartero |
	    grep -q ' /etc/cartero/imapd.conf ' ||
	    atf_fail "/etc/cartero/imapd.conf is not a conffile"
	/usr/sbin/imapd -n -f /etc/cartero/imapd.conf >iconf.out 2>&1 ||
	    { cat iconf.out >&2; atf_fail "imapd -n on the installed config"; }
	if ! pgrep -x imapd >/dev/null; then
		if [ -d /run/systemd/system ]; then
			systemctl restart cartero-imapd.service >istart.out 2>&1
		else
			/etc/init.d/cartero-imapd restart >istart.out 2>&1
		fi
	fi
	poll_until "$WAIT" pgrep -u _cartero-imap -x imapd >/dev/null ||
	    { cat istart.out >&2 2>/dev/null; atf_fail "no imapd login" \
	    "process as _cartero-imap"; }
	printf 'a LOGOUT\r\n' | timeout 20 openssl s_client \
	    -connect 127.0.0.1:143 -starttls imap >s143.out 2>&1
	grep -q '^New, TLSv1\.[23]' s143.out ||
	    { cat s143.out >&2; atf_fail "no STARTTLS on 127.0.0.1:143"; }
	printf 'a CAPABILITY\r\na LOGOUT\r\n' | timeout 20 openssl s_client \
	    -connect 127.0.0.1:993 -quiet >s993.out 2>&1
	grep -q '^\* OK' s993.out ||
	    { cat s993.out >&2; atf_fail "no IMAP greeting on 993"; }
	grep -q 'IMAP4rev1' s993.out ||
	    { cat s993.out >&2; atf_fail "no CAPABILITY on 993"; }
}

atf_test_case debconf_noninteractive cleanup
debconf_noninteractive_head()
{
	atf_set descr "a non-interactive install with no configuration and" \
	    "no answers gives Local only: localhost and the local socket"
}
debconf_noninteractive_body()
{
	need_installed
	save_state
	printf 'RESET cartero/%s\n' main_mailer_type mailname relayhost |
	    debconf-communicate cartero >reset.out 2>&1 ||
	    { cat reset.out >&2; atf_fail "debconf-communicate RESET"; }
	rm -f "$CONF" "$CONF.debconf-new"
	_deb=$TOP/build/cartero_$(cat "$STATE/version")_$(dpkg \
	    --print-architecture).deb
	DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q \
	    --reinstall "$_deb" >reinstall.out 2>&1 ||
	    { cat reinstall.out >&2; atf_fail "apt-get install --reinstall"; }
	grep 'cartero\|mkconf' reinstall.out
	[ "$(debconf_get cartero/main_mailer_type)" = "Local only" ] ||
	    atf_fail "answer: $(debconf_get cartero/main_mailer_type)"
	check_conf local
	grep '^listen on' conf.out >listen.out
	printf '%s\n' 'listen on "localhost" port 25 tls pki "default"' \
	    'listen on socket' | cmp -s - listen.out ||
	    { cat listen.out >&2; atf_fail "Local only listens on more"; }
	! grep -q ' relay' conf.out || atf_fail "Local only relays"
	# an /etc/mailname in place is kept; where there was none, the
	# package writes the default answer, the host's FQDN (policy 11.6)
	if [ -e "$(saved_name /etc/mailname).absent" ]; then
		_fqdn=$(hostname --fqdn 2>/dev/null || hostname)
		[ "$(cat /etc/mailname 2>/dev/null)" = "$_fqdn" ] ||
		    atf_fail "/etc/mailname: \"$(cat /etc/mailname 2>&1)\"," \
		    "expected the FQDN $_fqdn"
	else
		cmp -s /etc/mailname "$(saved_name /etc/mailname)" ||
		    atf_fail "/etc/mailname changed: $(cat /etc/mailname)"
	fi
	restart_service
	cp "$CONF" running.conf
}
debconf_noninteractive_cleanup()
{
	restore_state
}

atf_test_case debconf_satellite cleanup
debconf_satellite_head()
{
	atf_set descr "preseeded Satellite system with a smarthost and a mail" \
	    "name, then dpkg-reconfigure: smtpd.conf relays to it, smtpd -n" \
	    "takes it, the daemon starts on it; back to Local only"
}
debconf_satellite_body()
{
	need_installed
	ensure_running
	save_state
	_relay=smtp+tls://school@relay.cartero.test:587
	preseed "Satellite system" pc05.cartero.test "$_relay"
	reconfigure
	check_conf satellite
	grep -q "^action \"smarthost\" relay host \"$_relay\" tls verify auth <secrets>\$" \
	    conf.out || { cat conf.out >&2; atf_fail "no relay to $_relay"; }
	grep -q '^match from local for any action "smarthost"$' conf.out ||
	    atf_fail "no rule for the smarthost"
	[ "$(cat /etc/mailname)" = pc05.cartero.test ] ||
	    atf_fail "/etc/mailname: $(cat /etc/mailname)"
	grep -q '^hostname "pc05.cartero.test"$' conf.out ||
	    atf_fail "the mail name is not smtpd's host name"
	[ "$(stat -c '%a %U' /etc/cartero/secrets)" = "600 root" ] ||
	    atf_fail "secrets: $(stat -c '%a %U' /etc/cartero/secrets)"
	restart_service
	back_to_local
	[ ! -e "$CONF.debconf-new" ] || atf_fail "$CONF.debconf-new left"
}
debconf_satellite_cleanup()
{
	restore_state
}

atf_test_case debconf_edited cleanup
debconf_edited_head()
{
	atf_set descr "an smtpd.conf the administrator edited survives" \
	    "dpkg-reconfigure; the proposal goes to smtpd.conf.debconf-new"
}
debconf_edited_body()
{
	need_installed
	ensure_running
	save_state
	back_to_local
	new_token edited
	echo "# edited by hand: $TOKEN" >>"$CONF"
	cp -p "$CONF" edited.conf
	preseed "Satellite system" "$(cat saved/mailname.answer)" \
	    relay.cartero.test
	reconfigure
	grep -q 'was edited' reconf.out || atf_fail "no word of the edit"
	cmp -s "$CONF" edited.conf || atf_fail "the edited file was overwritten"
	grep -q '^action "smarthost" relay host "smtp://relay.cartero.test"$' \
	    "$CONF.debconf-new" || atf_fail "no proposal in $CONF.debconf-new"
	# and Local only does not take it back either
	preseed "Local only" "$(cat saved/mailname.answer)" ""
	reconfigure
	cmp -s "$CONF" edited.conf || atf_fail "overwritten by Local only"
	# without the edit it is the package's again
	sed -i "/$TOKEN/d" "$CONF"
	rm -f "$CONF.debconf-new"
	back_to_local
	[ ! -e "$CONF.debconf-new" ] || atf_fail "a proposal for an own file"
}
debconf_edited_cleanup()
{
	restore_state
}

atf_test_case unit
unit_head()
{
	atf_set descr "systemd-analyze verify is clean on the installed unit;" \
	    "its exposure is below the 5.2 of the foundation's unit"
	atf_set require.progs "systemd-analyze"
}
unit_body()
{
	need_installed
	_u=/lib/systemd/system/cartero.service
	[ -f "$_u" ] || atf_fail "$_u missing"
	systemd-analyze verify "$_u" >verify.out 2>&1 ||
	    { cat verify.out >&2; atf_fail "systemd-analyze verify failed"; }
	[ ! -s verify.out ] || { cat verify.out >&2; atf_fail "verify says"; }
	systemd-analyze security --offline=true "$_u" >sec.out 2>&1
	_x=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' \
	    sec.out)
	[ -n "$_x" ] || { cat sec.out >&2; atf_fail "no exposure figure"; }
	echo "exposure $_x"
	awk -v x="$_x" 'BEGIN { exit !(x < 5.2) }' ||
	    atf_fail "exposure $_x is not below 5.2"
}

atf_test_case lintian
lintian_head()
{
	atf_set descr "lintian reports no error and no warning on the package"
	atf_set require.progs "lintian"
}
lintian_body()
{
	[ -f "$STATE/changes" ] || atf_fail "no $STATE/changes"
	timeout 300 lintian "$(cat "$STATE/changes")" >lintian.out 2>&1
	cat lintian.out
	if grep -E '^[EW]: ' lintian.out >&2; then
		atf_fail "lintian errors or warnings"
	fi
}

atf_init_test_cases()
{
	atf_add_test_case installed
	atf_add_test_case old_mta_removed
	atf_add_test_case sendmail_is_ours
	atf_add_test_case mailx_installs
	atf_add_test_case daemon_running
	atf_add_test_case mail_user_to_user
	atf_add_test_case mail_to_root
	atf_add_test_case mailq_as_user
	atf_add_test_case imapd_running
	atf_add_test_case debconf_noninteractive
	atf_add_test_case debconf_satellite
	atf_add_test_case debconf_edited
	atf_add_test_case unit
	atf_add_test_case lintian
}
