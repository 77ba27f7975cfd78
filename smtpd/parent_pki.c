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
 * parent_pki.c -- private keys for the signer process.
 *
 * SECURITY: the parent opens each "pki NAME key FILE" as root and passes
 * the open descriptor to the signer (IMSG_CONF_PKI_KEY), before every
 * configuration it sends it (start and reload), and closes its own copy:
 * it never reads a key, so no key is in its memory.  A key file must be
 * a regular file owned by root that no one else may read or change
 * (group access only for root's group); this is checked when the
 * configuration is loaded (smtpd -n too), with file:line, and again when
 * the file is opened for sending.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "smtpd.h"
#include "parent.h"

#define KEY_FILE_MAX	(64 * 1024)	/* as the signer reads it */

static int	key_open(const struct pki *, const char *);

/*
 * Why the open key file fd may not be used, or NULL.  Exposed for the
 * unit test.
 */
const char *
parent_pki_key_check(int fd)
{
	struct stat	 sb;

	if (fstat(fd, &sb) == -1)
		return ("cannot be examined");
	if (!S_ISREG(sb.st_mode))
		return ("is not a regular file");
	if (sb.st_size > KEY_FILE_MAX)
		return ("is too large for a key (64 KB at most)");
	if (sb.st_uid != 0)
		return ("is not owned by root");
	if (sb.st_mode & (S_IROTH | S_IWOTH))
		return ("may be read or changed by others (chmod 600)");
	if ((sb.st_mode & (S_IRGRP | S_IWGRP)) && sb.st_gid != 0)
		return ("may be read or changed by its group (chmod 600)");
	return (NULL);
}

/* The key file of p, opened and checked: fd, or -1 (logged). */
static int
key_open(const struct pki *p, const char *conffile)
{
	const char	*why;
	int		 fd;

	if ((fd = open(p->key, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY)) == -1) {
		log_warnx("%s:%d: pki \"%s\": cannot open key %s: %s",
		    conffile, p->line, p->name, p->key, strerror(errno));
		return (-1);
	}
	if ((why = parent_pki_key_check(fd)) != NULL) {
		log_warnx("%s:%d: pki \"%s\": key %s %s", conffile, p->line,
		    p->name, p->key, why);
		close(fd);
		return (-1);
	}
	return (fd);
}

/* Every key file of cfg can be used: 0, else -1 (logged). */
int
parent_pki_check(const struct smtpd_config *cfg, const char *conffile)
{
	const struct pki	*p;
	int			 fd, errors = 0;

	TAILQ_FOREACH(p, &cfg->pkis, entry) {
		if (p->key[0] == '\0')
			continue;	/* the grammar says it is missing */
		if ((fd = key_open(p, conffile)) == -1)
			errors++;
		else
			close(fd);
	}
	return (errors ? -1 : 0);
}

/*
 * Before the configuration text: one IMSG_CONF_PKI_KEY per pki with its
 * key file open.  A file that went bad since the check is logged and
 * skipped (handshakes with that certificate then fail); the descriptor
 * is closed once sent.
 */
void
parent_pki_send_keys(struct peer *signer, const struct smtpd_config *cfg,
    const char *conffile)
{
	struct pki_msg		 m;
	const struct pki	*p;
	int			 fd;

	TAILQ_FOREACH(p, &cfg->pkis, entry) {
		if (p->key[0] == '\0' || (fd = key_open(p, conffile)) == -1)
			continue;
		memset(&m, 0, sizeof(m));
		(void)strlcpy(m.name, p->name, sizeof(m.name));
		peer_compose(signer, IMSG_CONF_PKI_KEY, 0, 0, fd, &m,
		    sizeof(m));
	}
}
