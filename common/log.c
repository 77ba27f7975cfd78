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
 * log.c -- logging to syslog(3) or, in the foreground, to stderr.
 *
 * Every function preserves errno.  Data that came from the network must go
 * through log_escape() before it reaches a format string argument.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int		 log_debug_mode = 1;	/* stderr until log_init() */
static int		 log_verbose;
static const char	*log_procname = "cartero";

static void	vlog_errno(int, const char *, va_list)
		    __attribute__((__format__(printf, 2, 0)));
static void	vfatal(int, const char *, va_list)
		    __attribute__((__format__(printf, 2, 0), __noreturn__));

void
log_init(int debug, int facility)
{
	extern char	*__progname;

	log_debug_mode = debug;
	if (!debug)
		openlog(__progname, LOG_PID | LOG_NDELAY, facility);
	tzset();
}

/*
 * 0 if a datagram socket connects to syslog's socket, else -1 with errno
 * set: a daemon says so on stderr before it detaches, instead of logging
 * nowhere.
 */
int
log_syslog_reachable(void)
{
	struct sockaddr_un	 sun;
	int			 fd, rv, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, _PATH_LOG, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	rv = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	saved = errno;
	close(fd);
	errno = saved;
	return (rv == -1 ? -1 : 0);
}

void
log_procinit(const char *name)
{
	if (name != NULL)
		log_procname = name;
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

int
log_getverbose(void)
{
	return (log_verbose);
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char	 buf[8192];
	int	 saved_errno = errno;

	if (log_debug_mode) {
		vsnprintf(buf, sizeof(buf), fmt, ap);
		fprintf(stderr, "%s: %s\n", log_procname, buf);
		fflush(stderr);
	} else
		vsyslog(pri, fmt, ap);
	errno = saved_errno;
}

/* vlog() with ": strerror(errno)" appended. */
static void
vlog_errno(int pri, const char *fmt, va_list ap)
{
	char	 buf[8192];
	int	 saved_errno = errno;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_debug_mode)
		fprintf(stderr, "%s: %s: %s\n", log_procname, buf,
		    strerror(saved_errno));
	else
		syslog(pri, "%s: %s", buf, strerror(saved_errno));
	errno = saved_errno;
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog_errno(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

static void
vfatal(int with_errno, const char *fmt, va_list ap)
{
	char	 buf[8192];
	int	 saved_errno = errno;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_debug_mode) {
		if (with_errno)
			fprintf(stderr, "%s: fatal: %s: %s\n", log_procname,
			    buf, strerror(saved_errno));
		else
			fprintf(stderr, "%s: fatal: %s\n", log_procname, buf);
		fflush(stderr);
	} else if (with_errno)
		syslog(LOG_CRIT, "fatal in %s: %s: %s", log_procname, buf,
		    strerror(saved_errno));
	else
		syslog(LOG_CRIT, "fatal in %s: %s", log_procname, buf);
	exit(1);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vfatal(1, fmt, ap);
	va_end(ap);		/* NOTREACHED */
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vfatal(0, fmt, ap);
	va_end(ap);		/* NOTREACHED */
}

/* "1.2.3.4", "[::1]", "unix" or "unknown"; static buffer. */
const char *
log_sockaddr(const struct sockaddr *sa)
{
	static char	 buf[INET6_ADDRSTRLEN + 2];
	char		 a[INET6_ADDRSTRLEN];
	int		 saved_errno = errno;

	if (sa == NULL)
		return ("unknown");
	switch (sa->sa_family) {
	case AF_INET:
		if (inet_ntop(AF_INET,
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    buf, sizeof(buf)) == NULL)
			break;
		errno = saved_errno;
		return (buf);
	case AF_INET6:
		if (inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    a, sizeof(a)) == NULL)
			break;
		(void)snprintf(buf, sizeof(buf), "[%s]", a);
		errno = saved_errno;
		return (buf);
	case AF_UNIX:
		return ("unix");
	default:
		break;
	}
	errno = saved_errno;
	return ("unknown");
}

/*
 * Escape srclen bytes of untrusted data for a log line: printable ASCII
 * other than '"' and '\\' is kept, \n \r \t \" \\ are written C-style and
 * every other byte (controls, NUL, UTF-8) as \xHH.  An escape that does not
 * fit is dropped whole.  dst is always NUL-terminated when dstsz > 0.
 * Returns the length of dst.
 */
size_t
log_escape(char *dst, size_t dstsz, const char *src, size_t srclen)
{
	static const char	 hex[] = "0123456789abcdef";
	char			 tok[5];
	size_t			 i, o = 0, tl;
	unsigned char		 c;

	if (dstsz == 0)
		return (0);
	for (i = 0; i < srclen; i++) {
		c = (unsigned char)src[i];
		tl = 2;
		tok[0] = '\\';
		switch (c) {
		case '\n':
			tok[1] = 'n';
			break;
		case '\r':
			tok[1] = 'r';
			break;
		case '\t':
			tok[1] = 't';
			break;
		case '"':
		case '\\':
			tok[1] = (char)c;
			break;
		default:
			if (c >= 0x20 && c < 0x7f) {
				tok[0] = (char)c;
				tl = 1;
			} else {
				tok[1] = 'x';
				tok[2] = hex[c >> 4];
				tok[3] = hex[c & 0xf];
				tl = 4;
			}
			break;
		}
		if (o + tl >= dstsz)
			break;
		memcpy(dst + o, tok, tl);
		o += tl;
	}
	dst[o] = '\0';
	return (o);
}
