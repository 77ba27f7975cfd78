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
 * dkimbench -- DKIM signing and verifying throughput of common/dkim*.c
 * (make bench, part "dkim"), one core, no DNS, no daemon.
 *
 *   dkimbench [-n count] [-t seconds] [-w dir]
 *
 * For RSA-2048 and Ed25519 keys made at start-up, and for two messages
 * (4 KB with 16 header fields, as a mail client writes them, and 100 KB:
 * the same header section and a longer body), each run measures:
 *
 *	sign	dkim_msg_new(DKIM_MSG_SIGN), the message fed line by line
 *		(as smtp stores it), dkim_msg_end, dkim_msg_sign,
 *		dkim_key_sign (the signer's part), dkim_sign_finish
 *	verify	dkim_msg_new(DKIM_MSG_VERIFY) fed the signed message line
 *		by line, dkim_msg_end, dkim_sigcheck_key with the key's
 *		TXT record given directly (lka's part after the lookup);
 *		every verdict must be "pass"
 *	hash	sign without the key operation: what smtp does per message
 *
 * Each run repeats the operation until count messages (-n, default
 * 5000) or seconds (-t, default 2) have passed, whichever is first, and
 * prints messages per second of wall-clock time, messages per second of
 * CPU time (what one core does when it has nothing else to do: the
 * figure to trust on a loaded machine, whose load average the first
 * line gives) and CPU microseconds (user + system, getrusage) per
 * message.  Before measuring, a tampered
 * copy of each signed message (one body byte changed) must not pass.
 *
 * -w dir writes the inputs of bench/dkimref.py (the same messages and
 * keys for python3-dkim's reference figures): msg-4k.eml, msg-100k.eml,
 * rsa.pem, rsa.txt, ed25519.seed (base64 of the raw private key, the
 * form dkimpy wants), ed25519.txt.  The keys are made anew each run and
 * are of no use afterwards.
 *
 * SECURITY: a benchmark; it reads nothing from the network.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "dkim.h"

#define DOMAIN		"bench.example"
#define SELECTOR	"s1"
#define SIZE_SMALL	4096
#define SIZE_LARGE	(100 * 1024)

struct msg {
	const char	*name;
	char		*buf;
	size_t		 len;
};

struct run {
	size_t		 n;
	double		 wall;		/* seconds */
	double		 cpu;		/* seconds, user + system */
};

static size_t	 maxcount = 5000;
static double	 maxsecs = 2.0;

static double
now_wall(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		err(1, "clock_gettime");
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static double
now_cpu(void)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		err(1, "getrusage");
	return ((double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
}

/* Append s to a buffer of capacity cap; exits when it does not fit. */
static void
put(char *buf, size_t cap, size_t *len, const char *s)
{
	size_t	l = strlen(s);

	if (l > cap - *len)
		errx(1, "message buffer too small");
	memcpy(buf + *len, s, l);
	*len += l;
}

/*
 * A message of about size bytes: 16 header fields, then text lines
 * (some with trailing or doubled spaces, so that relaxed body
 * canonicalisation has work), CRLF line ends.
 */
static void
msg_make(struct msg *m, const char *name, size_t size)
{
	static const char *hdr[] = {
		"Received: from client.bench.example (client.bench.example "
		    "[192.0.2.10])\r\n\tby mx.bench.example with ESMTPSA id "
		    "4f1a2b3c4d\r\n\tfor <bob@dest.example>; "
		    "Sun, 6 Dec 2026 21:00:00 +0000\r\n",
		"Received: from [10.0.0.5] by client.bench.example with "
		    "ESMTP; Sun, 6 Dec 2026 20:59:59 +0000\r\n",
		"From: Alice Example <alice@bench.example>\r\n",
		"To: Bob Receiver <bob@dest.example>, carol@dest.example\r\n",
		"Cc: Dave <dave@other.example>\r\n",
		"Reply-To: Alice Example <alice@bench.example>\r\n",
		"Subject: Minutes of the meeting about the mail server "
		    "migration,\r\n and the DKIM keys we will publish\r\n",
		"Date: Sun, 6 Dec 2026 20:59:58 +0000\r\n",
		"Message-ID: <20261206205958.4f1a2b3c@client.bench."
		    "example>\r\n",
		"In-Reply-To: <20261205101010.1234@dest.example>\r\n",
		"References: <20261204090909.abcd@dest.example>\r\n"
		    " <20261205101010.1234@dest.example>\r\n",
		"MIME-Version: 1.0\r\n",
		"Content-Type: text/plain; charset=utf-8; format=flowed\r\n",
		"Content-Transfer-Encoding: 8bit\r\n",
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:115.0) "
		    "Thunderbird/115.5.0\r\n",
		"Content-Language: en-GB\r\n",
	};
	static const char *words[] = {
		"the", "server", "signs", "every", "message", "relayed",
		"for", "authenticated", "senders,", "and", "checks", "what",
		"arrives:", "SPF,", "DKIM", "and", "DMARC.", "Keys", "live",
		"in", "the", "signer", "process", "only.", "Mail",
		"to", "Gmail", "needs", "all", "three", "since", "2024.",
	};
	size_t	 cap = size + 1024, len = 0, w = 0, line = 0, i;
	char	 l[128];

	if ((m->buf = malloc(cap)) == NULL)
		err(1, NULL);
	m->name = name;
	for (i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++)
		put(m->buf, cap, &len, hdr[i]);
	put(m->buf, cap, &len, "\r\n");
	while (len < size) {
		size_t	ll = 0;

		/* a line of up to ~72 characters */
		while (ll < 64) {
			const char *wd = words[w++ %
			    (sizeof(words) / sizeof(words[0]))];
			size_t	    wl = strlen(wd);

			if (ll + wl + 2 >= sizeof(l))
				break;
			if (ll > 0)
				l[ll++] = ' ';
			/* a doubled space now and then */
			if (ll > 0 && w % 11 == 0)
				l[ll++] = ' ';
			memcpy(l + ll, wd, wl);
			ll += wl;
		}
		/* trailing white space on some lines, a blank line */
		if (line % 7 == 3)
			l[ll++] = ' ';
		l[ll] = '\0';
		line++;
		if (len + ll + 2 > size && len > 0)
			break;
		put(m->buf, cap, &len, l);
		put(m->buf, cap, &len, "\r\n");
		if (line % 9 == 0)
			put(m->buf, cap, &len, "\r\n");
	}
	m->len = len;
}

/* Feed buf line by line, as smtp does while it writes the queue file. */
static void
feed_lines(struct dkim_msg *dm, const char *buf, size_t len)
{
	const char	*p = buf, *end = buf + len, *nl;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl == NULL ? end : nl + 1;
		if (dkim_msg_feed(dm, p, (size_t)(nl - p)) == -1)
			errx(1, "dkim_msg_feed failed");
		p = nl;
	}
}

/*
 * Sign one message: ds gets the finished field.  With pkey NULL, the
 * hashing alone (no key operation, no field finished).
 */
static void
sign_one(const struct msg *m, EVP_PKEY *pkey, enum dkim_alg alg,
    struct dkim_sign *ds)
{
	struct dkim_msg	*dm;
	uint8_t		 sig[DKIM_B_MAX];
	size_t		 siglen = sizeof(sig);

	if ((dm = dkim_msg_new(DKIM_MSG_SIGN)) == NULL)
		errx(1, "dkim_msg_new failed");
	feed_lines(dm, m->buf, m->len);
	if (dkim_msg_end(dm) == -1)
		errx(1, "dkim_msg_end failed");
	if (dkim_msg_sign(dm, DOMAIN, SELECTOR, alg, time(NULL), ds) == -1)
		errx(1, "dkim_msg_sign failed (%s)", dkim_alg_name(alg));
	dkim_msg_free(dm);
	if (pkey == NULL)
		return;
	if (dkim_key_sign(pkey, alg, ds->hhash, sig, &siglen) == -1)
		errx(1, "dkim_key_sign failed (%s)", dkim_alg_name(alg));
	if (dkim_sign_finish(ds, sig, siglen) == -1)
		errx(1, "dkim_sign_finish failed");
}

/* Verify one signed message against txt: the first signature's result. */
static enum dkim_result
verify_one(const char *buf, size_t len, const char *txt)
{
	struct dkim_msg			*dm;
	const struct dkim_sigcheck	*sc;
	struct dkim_verdict		 v;

	if ((dm = dkim_msg_new(DKIM_MSG_VERIFY)) == NULL)
		errx(1, "dkim_msg_new failed");
	feed_lines(dm, buf, len);
	if (dkim_msg_end(dm) == -1)
		errx(1, "dkim_msg_end failed");
	if (dkim_msg_nsig(dm) != 1 || (sc = dkim_msg_sigcheck(dm, 0)) == NULL)
		errx(1, "the signed message has %zu signatures",
		    dkim_msg_nsig(dm));
	memset(&v, 0, sizeof(v));
	dkim_sigcheck_key(sc, RESOLVER_OK, txt, strlen(txt), time(NULL), &v);
	dkim_msg_free(dm);
	if (v.result != DKIM_PASS && getenv("DKIMBENCH_DEBUG") != NULL)
		fprintf(stderr, "dkimbench: %s: %s\n",
		    dkim_result_name(v.result), v.reason);
	return (v.result);
}

/* The signed message: our field, then the message. */
static char *
signed_copy(const struct dkim_sign *ds, const struct msg *m, size_t *len)
{
	char	*s;

	if (ds->len > SIZE_MAX - m->len)
		errx(1, "too long");
	*len = ds->len + m->len;
	if ((s = malloc(*len)) == NULL)
		err(1, NULL);
	memcpy(s, ds->field, ds->len);
	memcpy(s + ds->len, m->buf, m->len);
	return (s);
}

enum op { OP_SIGN, OP_VERIFY, OP_HASH };

static void
measure(enum op op, const struct msg *m, EVP_PKEY *pkey, enum dkim_alg alg,
    const char *signedmsg, size_t signedlen, const char *txt,
    struct run *r)
{
	struct dkim_sign	ds;
	double			w0, c0;
	size_t			n = 0;

	w0 = now_wall();
	c0 = now_cpu();
	/* bounded: maxcount messages or maxsecs seconds */
	while (n < maxcount && (n % 16 != 0 || now_wall() - w0 < maxsecs)) {
		switch (op) {
		case OP_SIGN:
			sign_one(m, pkey, alg, &ds);
			break;
		case OP_HASH:
			sign_one(m, NULL, alg, &ds);
			break;
		case OP_VERIFY:
			if (verify_one(signedmsg, signedlen, txt) != DKIM_PASS)
				errx(1, "verify: %s %s: not pass",
				    dkim_alg_name(alg), m->name);
			break;
		}
		n++;
	}
	r->n = n;
	r->wall = now_wall() - w0;
	r->cpu = now_cpu() - c0;
}

static void
report(const char *op, const char *alg, const struct msg *m,
    const struct run *r)
{
	printf("%-7s %-15s %-6s %7zu %10.1f %12.1f %12.1f\n", op, alg,
	    m->name, r->n,
	    r->wall > 0 ? (double)r->n / r->wall : 0.0,
	    r->cpu > 0 ? (double)r->n / r->cpu : 0.0,
	    r->n > 0 ? r->cpu * 1e6 / (double)r->n : 0.0);
	fflush(stdout);
}

static EVP_PKEY *
keygen(int type)
{
	EVP_PKEY_CTX	*ctx;
	EVP_PKEY	*pkey = NULL;

	if ((ctx = EVP_PKEY_CTX_new_id(type, NULL)) == NULL ||
	    EVP_PKEY_keygen_init(ctx) <= 0)
		errx(1, "EVP_PKEY_keygen_init failed");
	if (type == EVP_PKEY_RSA &&
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, DKIM_RSA_SIGN_BITS) <= 0)
		errx(1, "EVP_PKEY_CTX_set_rsa_keygen_bits failed");
	if (EVP_PKEY_keygen(ctx, &pkey) <= 0)
		errx(1, "EVP_PKEY_keygen failed");
	EVP_PKEY_CTX_free(ctx);
	return (pkey);
}

static FILE *
wopen(const char *dir, const char *name)
{
	char	 path[1024];
	FILE	*fp;
	int	 r;

	r = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (r < 0 || (size_t)r >= sizeof(path))
		errx(1, "%s/%s: path too long", dir, name);
	if ((fp = fopen(path, "w")) == NULL)
		err(1, "%s", path);
	return (fp);
}

static void
wclose(FILE *fp, const char *name)
{
	if (ferror(fp) || fclose(fp) == EOF)
		errx(1, "%s: write error", name);
}

/* The inputs of bench/dkimref.py (see the top of this file). */
static void
write_ref(const char *dir, const struct msg *msgs, size_t nmsgs,
    EVP_PKEY *rsa, const char *rsatxt, EVP_PKEY *ed, const char *edtxt)
{
	FILE		*fp;
	uint8_t		 raw[32];
	size_t		 rawlen = sizeof(raw);
	unsigned char	 b64[64];
	char		 name[64];
	size_t		 i;

	(void)umask(077);
	for (i = 0; i < nmsgs; i++) {
		(void)snprintf(name, sizeof(name), "msg-%s.eml",
		    msgs[i].name);
		fp = wopen(dir, name);
		if (fwrite(msgs[i].buf, 1, msgs[i].len, fp) != msgs[i].len)
			errx(1, "%s: write error", name);
		wclose(fp, name);
	}
	fp = wopen(dir, "rsa.pem");
	if (PEM_write_PrivateKey(fp, rsa, NULL, NULL, 0, NULL, NULL) != 1)
		errx(1, "PEM_write_PrivateKey failed");
	wclose(fp, "rsa.pem");
	fp = wopen(dir, "rsa.txt");
	fprintf(fp, "%s\n", rsatxt);
	wclose(fp, "rsa.txt");
	if (EVP_PKEY_get_raw_private_key(ed, raw, &rawlen) != 1 ||
	    rawlen != sizeof(raw))
		errx(1, "EVP_PKEY_get_raw_private_key failed");
	if (EVP_EncodeBlock(b64, raw, (int)rawlen) <= 0)
		errx(1, "EVP_EncodeBlock failed");
	explicit_bzero(raw, sizeof(raw));
	fp = wopen(dir, "ed25519.seed");
	fprintf(fp, "%s\n", b64);
	explicit_bzero(b64, sizeof(b64));
	wclose(fp, "ed25519.seed");
	fp = wopen(dir, "ed25519.txt");
	fprintf(fp, "%s\n", edtxt);
	wclose(fp, "ed25519.txt");
}

static void
usage(void)
{
	fprintf(stderr, "usage: dkimbench [-n count] [-t seconds] "
	    "[-w dir]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct msg		 msgs[2];
	struct {
		EVP_PKEY	*pkey;
		enum dkim_alg	 alg;
		char		 txt[2048];
	}			 keys[2];
	struct dkim_sign	 ds;
	struct run		 r;
	double			 load[1];
	const char		*errstr, *refdir = NULL;
	char			*sm;
	size_t			 smlen, k, i;
	int			 ch;

	while ((ch = getopt(argc, argv, "n:t:w:")) != -1) {
		switch (ch) {
		case 'n':
			maxcount = (size_t)strtonum(optarg, 1, 10000000,
			    &errstr);
			if (errstr != NULL)
				errx(2, "-n %s: %s", optarg, errstr);
			break;
		case 't':
			maxsecs = (double)strtonum(optarg, 1, 3600, &errstr);
			if (errstr != NULL)
				errx(2, "-t %s: %s", optarg, errstr);
			break;
		case 'w':
			refdir = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	msg_make(&msgs[0], "4KB", SIZE_SMALL);
	msg_make(&msgs[1], "100KB", SIZE_LARGE);
	keys[0].pkey = keygen(EVP_PKEY_RSA);
	keys[1].pkey = keygen(EVP_PKEY_ED25519);
	for (k = 0; k < 2; k++) {
		keys[k].alg = dkim_key_alg(keys[k].pkey);
		if (keys[k].alg == DKIM_ALG_NONE)
			errx(1, "dkim_key_alg: no algorithm for key %zu", k);
		if (dkim_key_txt(keys[k].pkey, keys[k].txt,
		    sizeof(keys[k].txt)) == -1)
			errx(1, "dkim_key_txt failed");
	}
	if (keys[0].alg != DKIM_ALG_RSA_SHA256 ||
	    keys[1].alg != DKIM_ALG_ED25519_SHA256)
		errx(1, "dkim_key_alg: unexpected algorithms");
	if (refdir != NULL)
		write_ref(refdir, msgs, 2, keys[0].pkey, keys[0].txt,
		    keys[1].pkey, keys[1].txt);

	if (getloadavg(load, 1) != 1)
		load[0] = -1;
	printf("dkim: one core, at most %zu messages or %.0f s per run; "
	    "%d-bit RSA and Ed25519 keys; load average %.2f\n", maxcount,
	    maxsecs, DKIM_RSA_SIGN_BITS, load[0]);
	printf("%-7s %-15s %-6s %7s %10s %12s %12s\n", "op", "algorithm",
	    "size", "msgs", "msgs/s", "msgs/CPU-s", "CPU us/msg");
	for (k = 0; k < 2; k++) {
		for (i = 0; i < 2; i++) {
			/* one signed copy, checked, then its tampered twin */
			sign_one(&msgs[i], keys[k].pkey, keys[k].alg, &ds);
			sm = signed_copy(&ds, &msgs[i], &smlen);
			if (verify_one(sm, smlen, keys[k].txt) != DKIM_PASS)
				errx(1, "%s %s: our own signature does not "
				    "verify", dkim_alg_name(keys[k].alg),
				    msgs[i].name);
			sm[smlen - 10] ^= 0x01;
			if (verify_one(sm, smlen, keys[k].txt) == DKIM_PASS)
				errx(1, "%s %s: a tampered body verifies",
				    dkim_alg_name(keys[k].alg), msgs[i].name);
			sm[smlen - 10] ^= 0x01;

			measure(OP_SIGN, &msgs[i], keys[k].pkey, keys[k].alg,
			    NULL, 0, NULL, &r);
			report("sign", dkim_alg_name(keys[k].alg), &msgs[i],
			    &r);
			measure(OP_VERIFY, &msgs[i], NULL, keys[k].alg, sm,
			    smlen, keys[k].txt, &r);
			report("verify", dkim_alg_name(keys[k].alg),
			    &msgs[i], &r);
			free(sm);
		}
	}
	/* the hashing alone, the same for both algorithms */
	for (i = 0; i < 2; i++) {
		measure(OP_HASH, &msgs[i], NULL, DKIM_ALG_RSA_SHA256, NULL, 0,
		    NULL, &r);
		report("hash", "(no key op)", &msgs[i], &r);
	}
	for (k = 0; k < 2; k++)
		EVP_PKEY_free(keys[k].pkey);
	for (i = 0; i < 2; i++)
		free(msgs[i].buf);
	return (0);
}
