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
 * log.h -- logging to syslog(3) or, in the foreground, to stderr.
 */

#ifndef CARTERO_LOG_H
#define CARTERO_LOG_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdarg.h>
#include <stddef.h>

void		log_init(int, int);
void		log_procinit(const char *);
int		log_syslog_reachable(void);
void		log_setverbose(int);
int		log_getverbose(void);
void		log_warn(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));
void		log_warnx(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));
void		log_info(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));
void		log_debug(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));
void		vlog(int, const char *, va_list)
		    __attribute__((__format__(printf, 2, 0)));
void		fatal(const char *, ...)
		    __attribute__((__format__(printf, 1, 2), __noreturn__));
void		fatalx(const char *, ...)
		    __attribute__((__format__(printf, 1, 2), __noreturn__));

const char	*log_sockaddr(const struct sockaddr *);
size_t		 log_escape(char *, size_t, const char *, size_t);

#endif /* CARTERO_LOG_H */
