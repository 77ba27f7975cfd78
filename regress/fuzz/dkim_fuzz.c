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
 * dkim_fuzz.c -- libFuzzer target: the DKIM code that sees the network
 * (common/dkim_*.c).  The input is used three ways:
 *	- as a DKIM-Signature field value (dkim_sig_parse) and as a key
 *	  record (dkim_key_parse); a key that parses is then used to check
 *	  the RFC 8463 Ed25519 and RSA signatures (hostile DER into
 *	  libcrypto, k= against a=, sizes)
 *	- as a whole message fed to dkim_msg (verify and sign) in pieces
 *	  whose size the first byte chooses: every signature's check is
 *	  run against a fixed key, the From domain read, a signature field
 *	  made and finished
 * Invariants: strings NUL-terminated inside their fields, lengths within
 * their bounds, a parsed signature has d= and s=, a field we write is
 * as long as it says and ends with CRLF.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_sigcheck(const struct dkim_sigcheck *);
static void	fuzz_verdict(const struct dkim_verdict *);
static void	fuzz_msg(const uint8_t *, size_t);
static void	fuzz_key(const uint8_t *, size_t);

static const char ed_txt[] =
    "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

/* RFC 8463 A.3's two signature values */
static const char ed_sig[] =
    "v=1; a=ed25519-sha256; c=relaxed/relaxed; d=football.example.com; "
    "i=@football.example.com; q=dns/txt; s=brisbane; t=1528637909; "
    "h=from : to : subject : date : message-id : from : subject : date; "
    "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; "
    "b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus"
    "Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==";
static const char rsa_sig[] =
    "v=1; a=rsa-sha256; c=relaxed/relaxed; d=football.example.com; "
    "i=@football.example.com; q=dns/txt; s=test; t=1528637909; "
    "h=from : to : subject : date : message-id : from : subject : date; "
    "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; "
    "b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3"
    "DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz"
    "dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=";

static void
fuzz_sigcheck(const struct dkim_sigcheck *sc)
{
	if (memchr(sc->perror, '\0', sizeof(sc->perror)) == NULL ||
	    memchr(sc->d, '\0', sizeof(sc->d)) == NULL ||
	    memchr(sc->s, '\0', sizeof(sc->s)) == NULL ||
	    memchr(sc->i, '\0', sizeof(sc->i)) == NULL ||
	    memchr(sc->b8, '\0', sizeof(sc->b8)) == NULL ||
	    sc->blen > DKIM_B_MAX)
		abort();
	if (sc->parsed && (sc->d[0] == '\0' || sc->s[0] == '\0' ||
	    sc->blen == 0 || sc->i[0] == '\0'))
		abort();
	if (!sc->parsed && sc->perror[0] == '\0')
		abort();
}

static void
fuzz_verdict(const struct dkim_verdict *vd)
{
	if (memchr(vd->reason, '\0', sizeof(vd->reason)) == NULL ||
	    memchr(vd->d, '\0', sizeof(vd->d)) == NULL ||
	    (vd->result == DKIM_PASS) != (vd->reason[0] == '\0'))
		abort();
}

static void
fuzz_msg(const uint8_t *data, size_t size)
{
	struct dkim_msg		*m;
	struct dkim_sign	 ds;
	struct dkim_verdict	 vd;
	const struct dkim_sigcheck *sc;
	const char		*from;
	uint8_t			 sig[64];
	size_t			 chunk, i, k, n;

	chunk = size > 0 ? (size_t)data[0] % 64 + 1 : 1;
	if ((m = dkim_msg_new(DKIM_MSG_VERIFY | DKIM_MSG_SIGN)) == NULL)
		return;
	for (i = 0; i < size; i += k) {
		k = size - i < chunk ? size - i : chunk;
		if (dkim_msg_feed(m, (const char *)data + i, k) == -1)
			goto done;
	}
	if (dkim_msg_end(m) == -1)
		goto done;
	n = dkim_msg_nsig(m);
	if (n > DKIM_SIG_MAX || dkim_msg_sigcheck(m, n) != NULL)
		abort();
	for (i = 0; i < n; i++) {
		if ((sc = dkim_msg_sigcheck(m, i)) == NULL)
			abort();
		fuzz_sigcheck(sc);
		dkim_sigcheck_key(sc, 0, ed_txt, sizeof(ed_txt) - 1,
		    1528637909, &vd);
		fuzz_verdict(&vd);
	}
	if ((from = dkim_msg_from_domain(m)) != NULL &&
	    (from[0] == '\0' || strlen(from) >= DKIM_DOMAIN_MAX))
		abort();
	if (dkim_msg_sign(m, "example.com", "sel", DKIM_ALG_ED25519_SHA256,
	    1528637909, &ds) == 0) {
		if (ds.len != strlen(ds.field) || ds.len >= DKIM_FIELD_MAX)
			abort();
		memset(sig, 0x5a, sizeof(sig));
		if (dkim_sign_finish(&ds, sig, sizeof(sig)) == 0 &&
		    (ds.len != strlen(ds.field) || ds.len < 2 ||
		    memcmp(ds.field + ds.len - 2, "\r\n", 2) != 0))
			abort();
	}
 done:
	dkim_msg_free(m);
}

static void
fuzz_key(const uint8_t *data, size_t size)
{
	struct dkim_key		 key;
	struct dkim_sigcheck	 sc;
	struct dkim_verdict	 vd;
	const char		*err = NULL;

	if (dkim_key_parse(&key, (const char *)data, size, &err) == -1) {
		if (err == NULL)
			abort();
		return;
	}
	if (key.plen > sizeof(key.p))
		abort();
	if (dkim_sig_parse(&sc, ed_sig, sizeof(ed_sig) - 1) == -1)
		abort();
	sc.bh_ok = 1;
	dkim_sigcheck_key(&sc, 0, (const char *)data, size, 1528637909, &vd);
	fuzz_verdict(&vd);
	if (dkim_sig_parse(&sc, rsa_sig, sizeof(rsa_sig) - 1) == -1)
		abort();
	sc.bh_ok = 1;
	dkim_sigcheck_key(&sc, 0, (const char *)data, size, 1528637909, &vd);
	fuzz_verdict(&vd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dkim_sigcheck	 sc;

	(void)dkim_sig_parse(&sc, (const char *)data, size);
	fuzz_sigcheck(&sc);
	fuzz_key(data, size);
	fuzz_msg(data, size);
	return (0);
}
