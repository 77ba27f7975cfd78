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
 * dkim_keygen.c -- smtpctl dkim keygen [-F] [-b BITS] [-d DIR] DOMAIN
 * SELECTOR [rsa|ed25519]: make a DKIM signing key, write it as
 * DIR/DOMAIN.SELECTOR.key (PKCS#8 PEM, what smtpd's parent reads and
 * hands to the signer), print the TXT record to publish (zone-file form)
 * and the smtpd.conf line that uses the key.
 *
 * SECURITY: the key is written with mode 0600 to a temporary file made
 * by mkstemp() in DIR (created 0750 if missing), flushed to disk, then
 * linked to its name (which fails if the name exists: no overwrite
 * without -F, and no race) or renamed over it with -F.  The key is never
 * printed.  DOMAIN and SELECTOR must be host names (dns_zone.c), so the
 * file name cannot leave DIR.  RSA keys under 2048 bits are refused
 * (RFC 8301 allows 1024 for verifying only); 8192 at most.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "dkim.h"
#include "smtpctl.h"

#define DKIM_KEYDIR		"/etc/cartero/dkim"
#define DKIM_TXT_MAX		4096

static void	 keygen_usage(void);
static int	 keygen_dir(const char *);
static EVP_PKEY	*keygen_make(int, int);
static int	 keygen_write(EVP_PKEY *, const char *, const char *, int);

static void
keygen_usage(void)
{
	fprintf(stderr, "usage: smtpctl dkim keygen [-F] [-b bits] "
	    "[-d dir] domain selector [rsa | ed25519]\n");
}

/* DIR, made 0750 if missing (missing parents 0755, as mkdir -p). */
static int
keygen_dir(const char *dir)
{
	struct stat	 sb;
	char		 buf[PATH_MAX];
	char		*p;

	if (strlcpy(buf, dir, sizeof(buf)) >= sizeof(buf)) {
		fprintf(stderr, "smtpctl: %s: name too long\n", dir);
		return (-1);
	}
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) == -1 && errno != EEXIST) {
			fprintf(stderr, "smtpctl: %s: %s\n", buf,
			    strerror(errno));
			return (-1);
		}
		*p = '/';
	}
	if (mkdir(buf, 0750) == -1 && errno != EEXIST) {
		fprintf(stderr, "smtpctl: %s: %s\n", dir, strerror(errno));
		return (-1);
	}
	if (stat(dir, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "smtpctl: %s: not a directory\n", dir);
		return (-1);
	}
	return (0);
}

static EVP_PKEY *
keygen_make(int ed25519, int bits)
{
	EVP_PKEY	*pkey;

	if (ed25519)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	if (pkey == NULL)
		fprintf(stderr, "smtpctl: key generation failed: %s\n",
		    ERR_error_string(ERR_get_error(), NULL));
	return (pkey);
}

/* The key in PEM to a temporary file in dir, then to path. */
static int
keygen_write(EVP_PKEY *pkey, const char *dir, const char *path, int force)
{
	char	 tmp[PATH_MAX];
	BIO	*bio = NULL;
	FILE	*fp = NULL;
	int	 fd, ret = -1;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.keygen.XXXXXXXXXX",
	    dir) >= sizeof(tmp)) {
		fprintf(stderr, "smtpctl: %s: name too long\n", dir);
		return (-1);
	}
	if ((fd = mkstemp(tmp)) == -1) {
		fprintf(stderr, "smtpctl: %s: %s\n", dir, strerror(errno));
		return (-1);
	}
	if (fchmod(fd, 0600) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "smtpctl: %s: %s\n", tmp, strerror(errno));
		(void)close(fd);
		goto done;
	}
	if ((bio = BIO_new_fp(fp, BIO_NOCLOSE)) == NULL ||
	    !PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL,
	    NULL) || BIO_flush(bio) != 1) {
		fprintf(stderr, "smtpctl: %s: cannot write the key\n", tmp);
		goto done;
	}
	if (fflush(fp) != 0 || fsync(fileno(fp)) == -1) {
		fprintf(stderr, "smtpctl: %s: %s\n", tmp, strerror(errno));
		goto done;
	}
	if (force) {
		if (rename(tmp, path) == -1) {
			fprintf(stderr, "smtpctl: %s: %s\n", path,
			    strerror(errno));
			goto done;
		}
	} else if (link(tmp, path) == -1) {
		if (errno == EEXIST)
			fprintf(stderr, "smtpctl: %s exists (-F replaces "
			    "it)\n", path);
		else
			fprintf(stderr, "smtpctl: %s: %s\n", path,
			    strerror(errno));
		goto done;
	}
	ret = 0;
 done:
	BIO_free(bio);
	if (fp != NULL && fclose(fp) != 0 && ret == 0) {
		fprintf(stderr, "smtpctl: %s: %s\n", tmp, strerror(errno));
		ret = -1;
	}
	if ((ret == -1 || !force) && unlink(tmp) == -1 && errno != ENOENT)
		fprintf(stderr, "smtpctl: %s: %s\n", tmp, strerror(errno));
	return (ret);
}

int
smtpctl_dkim_keygen(int argc, char **argv)
{
	const char	*dir = DKIM_KEYDIR, *errstr, *domain, *selector;
	char		 path[PATH_MAX], absdir[PATH_MAX], owner[600];
	char		 txt[DKIM_TXT_MAX];
	EVP_PKEY	*pkey;
	struct stat	 sb;
	int		 c, bits = 0, ed25519 = 0, force = 0;

	optind = 1;
	while ((c = getopt(argc, argv, "+b:d:F")) != -1) {
		switch (c) {
		case 'b':
			bits = (int)strtonum(optarg, 2048, DKIM_RSA_MAX_BITS,
			    &errstr);
			if (errstr != NULL) {
				fprintf(stderr, "smtpctl: -b %s: %s (RSA keys "
				    "have 2048 to %d bits)\n", optarg, errstr,
				    DKIM_RSA_MAX_BITS);
				return (1);
			}
			break;
		case 'd':
			dir = optarg;
			break;
		case 'F':
			force = 1;
			break;
		default:
			keygen_usage();
			return (1);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || argc > 3) {
		keygen_usage();
		return (1);
	}
	domain = argv[0];
	selector = argv[1];
	if (argc == 3 && strcmp(argv[2], "ed25519") == 0)
		ed25519 = 1;
	else if (argc == 3 && strcmp(argv[2], "rsa") != 0) {
		keygen_usage();
		return (1);
	}
	if (ed25519 && bits != 0) {
		fprintf(stderr, "smtpctl: -b is for RSA keys\n");
		return (1);
	}
	if (bits == 0)
		bits = DKIM_RSA_SIGN_BITS;
	if (!dns_name_valid(domain)) {
		fprintf(stderr, "smtpctl: %s: not a domain name\n", domain);
		return (1);
	}
	if (!dns_name_valid(selector)) {
		fprintf(stderr, "smtpctl: %s: not a selector (letters, digits, "
		    "hyphens and dots)\n", selector);
		return (1);
	}
	if (keygen_dir(dir) == -1)
		return (1);
	if (realpath(dir, absdir) == NULL) {
		fprintf(stderr, "smtpctl: %s: %s\n", dir, strerror(errno));
		return (1);
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.%s.key", absdir,
	    domain, selector) >= sizeof(path)) {
		fprintf(stderr, "smtpctl: %s: name too long\n", absdir);
		return (1);
	}
	if (!force && lstat(path, &sb) == 0) {
		fprintf(stderr, "smtpctl: %s exists (-F replaces it)\n", path);
		return (1);
	}
	if ((pkey = keygen_make(ed25519, bits)) == NULL)
		return (1);
	if (dkim_key_txt(pkey, txt, sizeof(txt)) == -1) {
		fprintf(stderr, "smtpctl: cannot make the TXT record\n");
		EVP_PKEY_free(pkey);
		return (1);
	}
	if (keygen_write(pkey, absdir, path, force) == -1) {
		EVP_PKEY_free(pkey);
		return (1);
	}
	EVP_PKEY_free(pkey);
	(void)snprintf(owner, sizeof(owner), "%s._domainkey.%s", selector,
	    domain);
	printf("; %s key written to %s (mode 0600)\n",
	    ed25519 ? "Ed25519" : "RSA", path);
	printf("; publish this record in the DNS zone of %s:\n", domain);
	dns_zone_txt(stdout, owner, txt);
	printf("; and add this line to smtpd.conf:\n");
	printf("dkim %s selector %s key \"%s\"\n", domain, selector, path);
	return (fflush(stdout) == 0 ? 0 : 1);
}
