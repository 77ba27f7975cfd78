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

# regress/integration/confremap.sh -- sourced by examples_test.sh (and by
# the stand-in smtpd it makes): remap() moves a configuration's files
# under /etc into the current directory and makes them there.  Needs TOP.

# remap IN OUT: IN with "/etc/..." in quotes and after "file:" moved
# under $PWD/root, and each file it names made there: a certificate for
# every pki, and every table with the sample lines its comment shows (a
# tab after "#"), so that the documented formats are checked too.
remap()
{
	_root=$PWD/root
	sed -e "s|\"/etc/|\"$_root/etc/|g" -e "s|file:/etc/|file:$_root/etc/|g" \
	    "$1" >"$2"
	if [ ! -s pair.crt ]; then
		sh "$TOP/etc/mkcert.sh" "$PWD" pair >/dev/null 2>mkcert.err ||
		    { cat mkcert.err >&2; return 1; }
	fi
	sed -n 's/^pki [^ ]* cert "\(.*\)"$/\1/p' "$2" | while read -r _p; do
		mkdir -p "$(dirname "$_p")" && cp pair.crt "$_p"
	done
	sed -n 's/^pki [^ ]* key "\(.*\)"$/\1/p' "$2" | while read -r _p; do
		mkdir -p "$(dirname "$_p")" && cp pair.key "$_p" &&
		    chmod 0600 "$_p"
	done
	# a table's sample lines: "#<tab>..." in the comment block above it
	awk -v root="$_root" '
	    /^#\t/ { s = s substr($0, 3) "\n"; next }
	    /^#/ { next }
	    $1 == "table" && $3 ~ "^file:" root {
		p = substr($3, 6)
		if (s == "" && p ~ /\/aliases$/)
			s = "postmaster: root\n"
		system("mkdir -p \"$(dirname \"" p "\")\"")
		printf "%s", s > p
		close(p)
	    }
	    { s = "" }' "$2"
}
