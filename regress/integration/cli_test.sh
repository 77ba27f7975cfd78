#! /usr/bin/env atf-sh
# Command-line behaviour people expect of the programs themselves: help on
# stdout with status 0 when asked for, usage on stderr with status 1 on a
# mistake, the version.  No daemon is started.

. "$(atf_get_srcdir)/lib.sh"

atf_test_case smtpctl_help
smtpctl_help_head()
{
	atf_set descr "smtpctl -h, --help and help print usage on stdout, exit 0"
}
smtpctl_help_body()
{
	for a in -h --help help; do
		atf_check -s exit:0 -o match:'^usage: smtpctl' -e empty \
		    "$SMTPCTL" "$a"
		atf_check -s exit:0 -o match:'show queue' -e empty \
		    "$SMTPCTL" "$a"
	done
	atf_check -s exit:1 -o empty -e match:'unknown command' \
	    "$SMTPCTL" no-such-command
	atf_check -s exit:1 -o empty -e match:'^usage: smtpctl' "$SMTPCTL"
}

atf_init_test_cases()
{
	atf_add_test_case smtpctl_help
}
