/*
 * mda_expand.h -- %{...} format expansion for delivery paths and commands.
 */

#ifndef MDA_EXPAND_H
#define MDA_EXPAND_H

#include <stddef.h>

struct deliver;

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
 */
int	mda_expand(char *, size_t, const char *, const struct deliver *,
	    int);

#endif /* MDA_EXPAND_H */
