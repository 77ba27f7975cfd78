/*
 * Copyright (c) 2026 the cartero authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * mda_expand.h -- %{...} format expansion for delivery paths and commands.
 */

#ifndef MDA_EXPAND_H
#define MDA_EXPAND_H

#include <stddef.h>

#include "smtpd.h"

#define MDA_MBOX_DEFAULT	SMTPD_MAILDIR "/%{user.username}"
#define MDA_MAILDIR_DEFAULT	"~/Maildir"

/*
 * Expand template into buf (len bytes, always NUL-terminated on success).
 *
 *	%{sender} %{sender.user} %{sender.domain}
 *	%{rcpt} %{rcpt.user} %{rcpt.domain}
 *	%{dest} %{dest.user} %{dest.domain}
 *	%{user.username} %{user.directory} %{mbox.from}
 *
 * optionally followed by a slice [n], [n:m], [n:] or [:m] (inclusive
 * offsets, negative ones count from the end) and by modifiers
 * :lowercase, :uppercase, :strip (drop a "+extension"), :raw, several
 * separated by '|'.  "%%" is a literal '%'.  A template beginning with
 * "~/" (or equal to "~") starts with the user's home directory.
 *
 * SECURITY: every byte of an expanded value outside [A-Za-z0-9@._+=-]
 * becomes ':' (user.directory comes from the password file and is
 * kept as is), so that client-supplied addresses can never carry shell
 * syntax or a '/' into a command or a path.  :raw turns this off and is
 * refused when for_command is set.  In a path (for_command == 0) a
 * value of "." or ".." is refused.
 *
 * Returns 0, or -1 on an unknown variable or modifier, a bad slice, a
 * refused :raw or value, or when the result does not fit.
 *
 * With d == NULL only the template is checked (for the configuration):
 * each variable becomes "x" and "~" a sample home directory.
 */
int	mda_expand(char *, size_t, const char *, const struct deliver *,
	    int);

/*
 * The mbox or Maildir path of a delivery by method with template tmpl
 * ("" for the default): expanded, a relative result taken from the home
 * directory, then absolute without "." or ".." components.  Shared by
 * the agents, lka (checked at RCPT) and the configuration (d == NULL).
 * Returns 0, or -1 with the reason in *why ("mailbox path ...").
 */
int	mda_mailbox_path(char *, size_t, enum action_method, const char *,
	    const struct deliver *, const char **);
/* Root's mbox: see smtpd.conf(5).  0 or -1 (too long). */
int	mda_root_mbox(char *, size_t, enum action_method, const char *,
	    const struct deliver *);
int	mda_home_ok(const char *);
int	mda_path_ok(const char *);

#endif /* MDA_EXPAND_H */
