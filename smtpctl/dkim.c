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
 * dkim.c -- smtpctl dkim: the administrator's DKIM tools, on the same
 * code as the daemon (common/dkim_*.c, common/resolver.c):
 *
 *	smtpctl dkim verify [-f smtpd.conf] < message
 *		each DKIM-Signature's result, one line each, through the
 *		resolver smtpd.conf names; exit 0 if one passes, 1 if
 *		none does, 2 on a usage, configuration or I/O error
 *	smtpctl dkim sign -d domain -s selector -k keyfile
 *	    [-s selector -k keyfile ...] < message > signed
 *		the signature fields (one per key, RSA or Ed25519, in the
 *		order given), then the message unchanged
 *	smtpctl dkim keygen ...
 *		smtpctl/dkim_keygen.c
 *
 * SECURITY: smtpctl runs as its invoking user.  The message is hostile
 * and only goes through dkim_msg (bounded); what is printed of it (d=,
 * s=, the start of b=) passed the tag parser, so it is printable ASCII
 * without ';' or spaces.  sign reads private keys the user can read;
 * they are never printed, and freed once used.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "dkim.h"
#include "resolver.h"
#include "ctl_resolver.h"
#include "smtpctl.h"

#define DKIM_CTL_KEYS	8	/* -s/-k pairs of one sign */
#define DKIM_CTL_READ	65536

#pragma weak smtpctl_dkim_keygen	/* smtpctl/dkim_keygen.c, if built */

struct dkim_ctl_wait {
	int			 done;
	struct dkim_verdict	 vd[DKIM_SIG_MAX];
	size_t			 n;
};

static int	dkim_usage(void);
static int	dkim_read(int, struct dkim_msg *, struct enqbuf *);
static void	dkim_verified(void *, const struct dkim_verdict *, size_t);
static void	dkim_print(const struct dkim_verdict *);
static int	dkim_verify_cmd(int, char **);
static EVP_PKEY	*dkim_load(const char *);
static int	dkim_sign_one(const struct dkim_msg *, const char *,
		    const char *, const char *, int);
static int	dkim_sign_cmd(int, char **);

static int
dkim_usage(void)
{
	fprintf(stderr, "usage: smtpctl dkim verify [-f file] < message\n"
	    "       smtpctl dkim sign -d domain -s selector -k keyfile "
	    "[-s selector -k keyfile ...]\n"
	    "       smtpctl dkim keygen domain selector [rsa | ed25519]\n");
	return (2);
}

/* Standard input into m, and into keep unless NULL: 0, or -1 (said). */
static int
dkim_read(int fd, struct dkim_msg *m, struct enqbuf *keep)
{
	char	*buf;
	ssize_t	 n;
	int	 ret = -1;

	if ((buf = malloc(DKIM_CTL_READ)) == NULL) {
		fprintf(stderr, "smtpctl: dkim: out of memory\n");
		return (-1);
	}
	for (;;) {
		n = read(fd, buf, DKIM_CTL_READ);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			fprintf(stderr, "smtpctl: dkim: standard input: %s\n",
			    strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		if (dkim_msg_feed(m, buf, (size_t)n) == -1)
			goto nomem;
		if (keep != NULL)
			enqbuf_add(keep, buf, (size_t)n);
	}
	if (dkim_msg_end(m) == -1)
		goto nomem;
	ret = 0;
	goto done;
 nomem:
	fprintf(stderr, "smtpctl: dkim: out of memory\n");
 done:
	free(buf);
	return (ret);
}

static void
dkim_verified(void *arg, const struct dkim_verdict *vd, size_t n)
{
	struct dkim_ctl_wait	*w = arg;

	if (n > DKIM_SIG_MAX)
		n = DKIM_SIG_MAX;
	memcpy(w->vd, vd, n * sizeof(*vd));
	w->n = n;
	w->done = 1;
}

/* One line: dkim=RESULT [(reason)] header.d= header.s= header.a= header.b= */
static void
dkim_print(const struct dkim_verdict *vd)
{
	printf("dkim=%s", dkim_result_name(vd->result));
	if (vd->reason[0] != '\0')
		printf(" (%s)", vd->reason);
	if (vd->testing)
		printf(" (key in testing mode)");
	if (vd->d[0] != '\0')
		printf(" header.d=%s", vd->d);
	if (vd->s[0] != '\0')
		printf(" header.s=%s", vd->s);
	if (vd->alg != DKIM_ALG_NONE)
		printf(" header.a=%s", dkim_alg_name(vd->alg));
	if (vd->b8[0] != '\0')
		printf(" header.b=%s", vd->b8);
	printf("\n");
}

static int
dkim_verify_cmd(int argc, char **argv)
{
	struct dkim_ctl_wait	 w;
	struct dkim_sigcheck	*sc = NULL;
	struct dkim_msg		*m;
	struct dkim_verify	*v;
	const char		*conf = NULL;
	size_t			 i, n;
	int			 ch, ret = 2;

	optind = 1;
	while ((ch = getopt(argc, argv, "f:")) != -1) {
		switch (ch) {
		case 'f':
			conf = optarg;
			break;
		default:
			return (dkim_usage());
		}
	}
	if (optind != argc)
		return (dkim_usage());
	(void)ctl_resolver_setup(conf);
	if ((m = dkim_msg_new(DKIM_MSG_VERIFY)) == NULL) {
		fprintf(stderr, "smtpctl: dkim: out of memory\n");
		return (2);
	}
	if (dkim_read(STDIN_FILENO, m, NULL) == -1)
		goto done;
	ret = 1;
	if ((n = dkim_msg_nsig(m)) == 0) {
		printf("dkim=none\n");
		goto done;
	}
	if ((sc = calloc(n, sizeof(*sc))) == NULL) {
		fprintf(stderr, "smtpctl: dkim: out of memory\n");
		ret = 2;
		goto done;
	}
	for (i = 0; i < n; i++)
		sc[i] = *dkim_msg_sigcheck(m, i);
	memset(&w, 0, sizeof(w));
	if ((v = dkim_verify_start(sc, n, resolver_query, time(NULL),
	    dkim_verified, &w)) == NULL) {
		fprintf(stderr, "smtpctl: dkim: out of memory\n");
		ret = 2;
		goto done;
	}
	ctl_resolver_wait(&w.done);
	if (!w.done) {
		dkim_verify_cancel(v);
		fprintf(stderr, "smtpctl: dkim: the lookups did not end\n");
		ret = 2;
		goto done;
	}
	for (i = 0; i < w.n; i++) {
		dkim_print(&w.vd[i]);
		if (w.vd[i].result == DKIM_PASS)
			ret = 0;
	}
 done:
	free(sc);
	dkim_msg_free(m);
	if (fflush(stdout) != 0)
		ret = 2;
	return (ret);
}

static EVP_PKEY *
dkim_load(const char *path)
{
	EVP_PKEY	*key;
	FILE		*fp;

	if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "smtpctl: dkim: %s: %s\n", path,
		    strerror(errno));
		return (NULL);
	}
	key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	(void)fclose(fp);
	if (key == NULL)
		fprintf(stderr, "smtpctl: dkim: %s: not a PEM private key\n",
		    path);
	else if (dkim_key_alg(key) == DKIM_ALG_NONE) {
		fprintf(stderr, "smtpctl: dkim: %s: neither RSA nor "
		    "Ed25519\n", path);
		EVP_PKEY_free(key);
		key = NULL;
	}
	return (key);
}

/* One signature field on stdout (LF line ends if lf): 0, or -1. */
static int
dkim_sign_one(const struct dkim_msg *m, const char *domain,
    const char *selector, const char *keyfile, int lf)
{
	struct dkim_sign	 ds;
	EVP_PKEY		*key;
	uint8_t			 sig[DKIM_B_MAX];
	size_t			 siglen, i;
	int			 ret = -1;

	if ((key = dkim_load(keyfile)) == NULL)
		return (-1);
	if (dkim_msg_sign(m, domain, selector, dkim_key_alg(key), time(NULL),
	    &ds) == -1 || dkim_key_sign(key, ds.alg, ds.hhash, sig,
	    &siglen) == -1 || dkim_sign_finish(&ds, sig, siglen) == -1) {
		fprintf(stderr, "smtpctl: dkim: cannot sign with %s for "
		    "%s/%s (header too large, bad domain or selector?)\n",
		    keyfile, domain, selector);
		goto done;
	}
	for (i = 0; i < ds.len; i++)
		if (!(lf && ds.field[i] == '\r'))
			putchar(ds.field[i]);
	ret = 0;
 done:
	EVP_PKEY_free(key);
	return (ret);
}

static int
dkim_sign_cmd(int argc, char **argv)
{
	const char	*domain = NULL, *sel[DKIM_CTL_KEYS];
	const char	*key[DKIM_CTL_KEYS], *lf;
	struct enqbuf	 msg;
	struct dkim_msg	*m;
	size_t		 nsel = 0, nkey = 0, i;
	int		 ch, ret = 2;

	optind = 1;
	while ((ch = getopt(argc, argv, "d:k:s:")) != -1) {
		switch (ch) {
		case 'd':
			domain = optarg;
			break;
		case 's':
			if (nsel == DKIM_CTL_KEYS || nsel != nkey)
				return (dkim_usage());
			sel[nsel++] = optarg;
			break;
		case 'k':
			if (nkey == DKIM_CTL_KEYS || nkey + 1 != nsel)
				return (dkim_usage());
			key[nkey++] = optarg;
			break;
		default:
			return (dkim_usage());
		}
	}
	if (optind != argc || domain == NULL || nsel == 0 || nsel != nkey)
		return (dkim_usage());
	memset(&msg, 0, sizeof(msg));
	if ((m = dkim_msg_new(DKIM_MSG_SIGN)) == NULL) {
		fprintf(stderr, "smtpctl: dkim: out of memory\n");
		return (2);
	}
	if (dkim_read(STDIN_FILENO, m, &msg) == -1)
		goto done;
	/* a message stored with bare LF gets fields with LF too */
	lf = msg.len > 0 ? memchr(msg.buf, '\n', msg.len) : NULL;
	for (i = 0; i < nsel; i++)
		if (dkim_sign_one(m, domain, sel[i], key[i], lf != NULL &&
		    (lf == msg.buf || lf[-1] != '\r')) == -1)
			goto done;
	if (msg.len > 0 && fwrite(msg.buf, 1, msg.len, stdout) != msg.len)
		goto done;
	if (fflush(stdout) != 0) {
		fprintf(stderr, "smtpctl: dkim: standard output: %s\n",
		    strerror(errno));
		goto done;
	}
	ret = 0;
 done:
	enqbuf_free(&msg);
	dkim_msg_free(m);
	return (ret);
}

int
smtpctl_dkim(int argc, char **argv)
{
	if (argc < 2)
		return (dkim_usage());
	if (strcmp(argv[1], "verify") == 0)
		return (dkim_verify_cmd(argc - 1, argv + 1));
	if (strcmp(argv[1], "sign") == 0)
		return (dkim_sign_cmd(argc - 1, argv + 1));
	if (strcmp(argv[1], "keygen") == 0) {
		if (smtpctl_dkim_keygen == NULL) {
			fprintf(stderr, "smtpctl: dkim keygen is not built "
			    "in\n");
			return (2);
		}
		return (smtpctl_dkim_keygen(argc - 1, argv + 1));
	}
	return (dkim_usage());
}
