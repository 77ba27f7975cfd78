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
 * parent_cert.c -- certificates for the smtp process.
 *
 * SECURITY: the smtp process is chrooted and cannot open files; the parent
 * opens each pki's certificate chain and each ca's certificates (public
 * data) and passes the open descriptors, before every configuration it
 * sends (start and reload), so that renewed certificates reach new
 * sessions without a restart.  Private keys never go there: they go to the
 * signer.  The files are checked when the configuration is loaded (smtpd
 * -n too): readable, holding at least one PEM certificate and no private
 * key.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "smtpd.h"
#include "parent.h"

#define CERT_FILE_MAX	(1024 * 1024)	/* a chain is a few KB */

static int	cert_open(const char *, const char *, const char *, int);

/*
 * Open a certificate file and check what it holds: -1 (logged as
 * file:line) if it cannot be read, holds no certificate or holds a
 * private key.  The descriptor returned is the one checked, at offset 0.
 */
static int
cert_open(const char *what, const char *name, const char *path, int line)
{
	char		*buf;
	const char	*err = NULL;
	struct stat	 sb;
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		log_warnx("%s:%d: %s \"%s\": cannot open %s: %s",
		    parent_opts->conffile, line,
		    what, name, path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > CERT_FILE_MAX) {
		log_warnx("%s:%d: %s \"%s\": %s is not a certificate file "
		    "(a regular file of at most %d KB)", parent_opts->conffile,
		    line, what, name, path, CERT_FILE_MAX / 1024);
		close(fd);
		return (-1);
	}
	buf = xmalloc(CERT_FILE_MAX + 1);
	while (len < CERT_FILE_MAX &&
	    (n = read(fd, buf + len, CERT_FILE_MAX - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	/* the whole file: a NUL byte must not hide what follows it */
	if (memmem(buf, len, "-----BEGIN CERTIFICATE-----", 27) == NULL)
		err = "holds no PEM certificate";
	else if (memmem(buf, len, "PRIVATE KEY-----", 16) != NULL)
		/* it would reach the smtp process: keys go to the signer */
		err = "also holds a private key: keep the key in its own "
		    "file, readable by root only, named by \"pki NAME key\"";
	explicit_bzero(buf, len);
	free(buf);
	if (err == NULL && lseek(fd, 0, SEEK_SET) == -1)
		err = strerror(errno);
	if (err != NULL) {
		log_warnx("%s:%d: %s \"%s\": %s %s", parent_opts->conffile,
		    line, what, name, path, err);
		close(fd);
		return (-1);
	}
	return (fd);
}

/* Every certificate file of cfg can be read: 0, else -1 (logged). */
int
parent_cert_check(const struct smtpd_config *cfg)
{
	const struct pki	*p;
	const struct ca		*c;
	int			 fd, errors = 0;

	TAILQ_FOREACH(p, &cfg->pkis, entry) {
		if ((fd = cert_open("pki", p->name, p->cert, p->line)) == -1)
			errors++;
		else
			close(fd);
	}
	TAILQ_FOREACH(c, &cfg->cas, entry) {
		if ((fd = cert_open("ca", c->name, c->cert, c->line)) == -1)
			errors++;
		else
			close(fd);
	}
	return (errors ? -1 : 0);
}

/*
 * Before the configuration text: one IMSG_CONF_PKI_CERT per pki and one
 * IMSG_CONF_CA per ca, each with its file open.  A file that went away
 * since the check is logged and skipped: the smtp process keeps its
 * current certificate for that name.
 */
void
parent_cert_send(struct peer *smtp, const struct smtpd_config *cfg)
{
	struct pki_msg		 m;
	const struct pki	*p;
	const struct ca		*c;
	int			 fd;

	TAILQ_FOREACH(p, &cfg->pkis, entry) {
		/* checked again: this is the file smtp will read */
		if ((fd = cert_open("pki", p->name, p->cert, p->line)) == -1)
			continue;
		memset(&m, 0, sizeof(m));
		(void)strlcpy(m.name, p->name, sizeof(m.name));
		peer_compose(smtp, IMSG_CONF_PKI_CERT, 0, 0, fd, &m, sizeof(m));
	}
	TAILQ_FOREACH(c, &cfg->cas, entry) {
		if ((fd = cert_open("ca", c->name, c->cert, c->line)) == -1)
			continue;
		memset(&m, 0, sizeof(m));
		(void)strlcpy(m.name, c->name, sizeof(m.name));
		peer_compose(smtp, IMSG_CONF_CA, 0, 0, fd, &m, sizeof(m));
	}
}
