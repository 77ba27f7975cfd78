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
