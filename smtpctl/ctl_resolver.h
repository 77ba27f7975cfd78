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
 * ctl_resolver.h -- the resolver of smtpctl's mail-authentication tools
 * (spf, dkim, dmarc, dns): common/resolver.c configured from smtpd.conf's
 * "resolver" statements, as lka is, so that a check by hand gives what
 * the daemon would.
 */

#ifndef CTL_RESOLVER_H
#define CTL_RESOLVER_H

struct smtpd_config;

/*
 * event_init(), read the configuration (path: each tool's "-f FILE";
 * NULL: SMTPD_CONFIG, and a missing file means defaults) and start the
 * resolver with its "resolver" settings.  Exits with a message on
 * stderr on error.  Returns the configuration (hostname, dkim...).
 */
struct smtpd_config	*ctl_resolver_setup(const char *path);
/*
 * Run the event loop until *done is set, or no lookup is pending and a
 * few non-blocking passes (zero-timeout timers: spf_check() starts that
 * way) start none.  done may be NULL.
 */
void			 ctl_resolver_wait(const int *done);

#endif /* CTL_RESOLVER_H */
