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
 * parent_dkim.c -- the DKIM signing keys ("dkim DOMAIN selector S key
 * FILE") for the signer process.
 *
 * When the configuration is loaded (start, smtpd -n, reload) every key
 * file is checked: a regular file owned by root that neither its group
 * nor others may read or change (as ssh refuses an unprotected private
 * key), of at most 64 KB, holding an unencrypted PEM private key of a
 * type DKIM signs with: RSA of DKIM_RSA_MIN_BITS (1024, RFC 8301) to
 * 8192 bits (under 2048 a warning: receivers may ignore it), or
 * Ed25519 (RFC 8463).  Errors are "file:line: dkim D selector S: ...".
 *
 * SECURITY: the parent never holds a private key.  The key is parsed
 * for the check by a short-lived child of the parent (fork, no exec),
 * which only answers with its exit status and log lines; then, like
 * the TLS keys (parent_pki.c), the parent opens each file as root and
 * passes the open descriptor to the signer (IMSG_CONF_DKIM_KEY) before
 * every configuration it sends it, and closes its copy.  No key byte is
 * logged.
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include "log.h"
#include "smtpd.h"
#include "signer.h"
#include "parent.h"

#define DKIM_KEY_FILE_MAX	(64 * 1024)

static int	dkim_open(const struct dkim_conf *, const char *);
static int	dkim_nopass(char *, int, int, void *);
static int	dkim_parse_check(const struct dkim_conf *, const char *);
static int	dkim_check_keys(const struct smtpd_config *, const char *);

/*
 * Why the open key file fd may not be used, or NULL.  Stricter than a
 * TLS key: no group access at all.  Exposed for the unit test.
 */
const char *
parent_dkim_key_check(int fd)
{
	struct stat	 sb;

	if (fstat(fd, &sb) == -1)
		return ("cannot be examined");
	if (!S_ISREG(sb.st_mode))
		return ("is not a regular file");
	if (sb.st_size > DKIM_KEY_FILE_MAX)
		return ("is too large for a key (64 KB at most)");
	if (sb.st_uid != 0)
		return ("is not owned by root");
	if (sb.st_mode & (S_IRWXG | S_IRWXO))
		return ("is accessible by its group or others: a private "
		    "key must not be (chmod 600)");
	return (NULL);
}

/* The key file of d, opened and checked: fd, or -1 (logged). */
static int
dkim_open(const struct dkim_conf *d, const char *conffile)
{
	const char	*why;
	int		 fd;

	if ((fd = open(d->keyfile, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY)) == -1) {
		log_warnx("%s:%d: dkim %s selector %s: cannot open key %s: "
		    "%s", conffile, d->line, d->domain, d->selector,
		    d->keyfile, strerror(errno));
		return (-1);
	}
	if ((why = parent_dkim_key_check(fd)) != NULL) {
		log_warnx("%s:%d: dkim %s selector %s: key %s %s", conffile,
		    d->line, d->domain, d->selector, d->keyfile, why);
		close(fd);
		return (-1);
	}
	return (fd);
}

/* A passphrase callback that has none: encrypted keys do not load. */
static int
dkim_nopass(char *buf, int size, int rwflag, void *u)
{
	return (-1);
}

/*
 * What the key in d's file is: 0 if DKIM can sign with it (warnings
 * logged), -1 (logged) if not.  Runs in the checking child only.
 */
static int
dkim_parse_check(const struct dkim_conf *d, const char *conffile)
{
	EVP_PKEY	*pkey = NULL;
	BIO		*bio = NULL;
	char		*buf;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, bits, ret = -1;

	if ((fd = dkim_open(d, conffile)) == -1)
		return (-1);
	if ((buf = malloc(DKIM_KEY_FILE_MAX)) == NULL) {
		close(fd);
		log_warnx("%s:%d: dkim: out of memory", conffile, d->line);
		return (-1);
	}
	while (len < DKIM_KEY_FILE_MAX && (n = read(fd, buf + len,
	    DKIM_KEY_FILE_MAX - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			len = 0;
			break;
		}
		len += (size_t)n;
	}
	close(fd);
	if (len > 0 && (bio = BIO_new_mem_buf(buf, (int)len)) != NULL)
		pkey = PEM_read_bio_PrivateKey(bio, NULL, dkim_nopass, NULL);
	BIO_free(bio);
	explicit_bzero(buf, DKIM_KEY_FILE_MAX);
	free(buf);
	if (pkey == NULL) {
		log_warnx("%s:%d: dkim %s selector %s: no private key in %s "
		    "(PEM, unencrypted)", conffile, d->line, d->domain,
		    d->selector, d->keyfile);
		goto done;
	}
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		bits = EVP_PKEY_get_bits(pkey);
		if (bits < SIGNER_DKIM_RSA_MIN_BITS ||
		    bits > SIGNER_DKIM_RSA_MAX_BITS) {
			log_warnx("%s:%d: dkim %s selector %s: RSA key of %d "
			    "bits refused: %d to %d bits", conffile, d->line,
			    d->domain, d->selector, bits,
			    SIGNER_DKIM_RSA_MIN_BITS,
			    SIGNER_DKIM_RSA_MAX_BITS);
			goto done;
		}
		if (bits < 2048)
			log_warnx("%s:%d: warning: dkim %s selector %s: RSA "
			    "key of %d bits: receivers may ignore signatures "
			    "under 2048 bits", conffile, d->line, d->domain,
			    d->selector, bits);
		ret = 0;
		break;
	case EVP_PKEY_ED25519:
		ret = 0;
		break;
	default:
		log_warnx("%s:%d: dkim %s selector %s: %s keys cannot sign "
		    "DKIM: RSA or Ed25519 keys only", conffile, d->line,
		    d->domain, d->selector,
		    OBJ_nid2sn(EVP_PKEY_get_base_id(pkey)));
		break;
	}
 done:
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return (ret);
}

/* In a child, so that no key is ever in the parent: 0 or -1. */
static int
dkim_check_keys(const struct smtpd_config *cfg, const char *conffile)
{
	size_t	 i;
	pid_t	 pid;
	int	 status, errors = 0;

	if (cfg->ndkim == 0)
		return (0);
	switch ((pid = fork())) {
	case -1:
		log_warn("dkim: fork");
		return (-1);
	case 0:
		for (i = 0; i < cfg->ndkim; i++)
			if (dkim_parse_check(&cfg->dkim[i], conffile) == -1)
				errors++;
		_exit(errors ? 1 : 0);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			log_warn("dkim: waitpid");
			return (-1);
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return (-1);
	return (0);
}

/* Every dkim key of cfg can be used: 0, else -1 (logged). */
int
parent_dkim_check(const struct smtpd_config *cfg, const char *conffile)
{
	return (dkim_check_keys(cfg, conffile));
}

/*
 * Before the configuration text: one IMSG_CONF_DKIM_KEY per dkim key
 * with its file open.  A file that went bad since the check is logged
 * and skipped (the signer then has no such key, and mail to sign with
 * it is deferred); the descriptor is closed once sent.
 */
void
parent_dkim_send_keys(struct peer *signer, const struct smtpd_config *cfg,
    const char *conffile)
{
	struct signer_dkim_msg	 m;
	size_t			 i;
	int			 fd;

	for (i = 0; i < cfg->ndkim; i++) {
		if ((fd = dkim_open(&cfg->dkim[i], conffile)) == -1)
			continue;
		memset(&m, 0, sizeof(m));
		(void)strlcpy(m.domain, cfg->dkim[i].domain,
		    sizeof(m.domain));
		(void)strlcpy(m.selector, cfg->dkim[i].selector,
		    sizeof(m.selector));
		peer_compose(signer, IMSG_CONF_DKIM_KEY, 0, 0, fd, &m,
		    sizeof(m));
	}
}
