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
 * dmarc_fuzz.c -- libFuzzer target: what DMARC reads from the network.
 * Each input is, in turn: a DMARC record (dmarc_record_parse(): on
 * success every field in its range and rua a string that fits), an
 * Authentication-Results field (authres_is_ours()), a domain
 * (psl_org_domain() with Debian's list: the answer is a suffix of the
 * lower-cased name on a label boundary, and its own organisational
 * domain), and the values of a field we write (authres_format(): only
 * CRLF line ends, each followed by white space, nothing past the
 * buffer).
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authres.h"
#include "dmarc.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_record(const uint8_t *, size_t);
static void	fuzz_org(const char *, size_t);
static void	fuzz_format(const char *);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* without the list, the default rule "*" is still fuzzed */
	(void)psl_load(DMARC_PSL_PATH);
	return (0);
}

static void
fuzz_record(const uint8_t *data, size_t size)
{
	struct dmarc_record	 r;
	const char		*err = NULL;

	if (dmarc_record_parse(&r, (const char *)data, size, &err) == -1) {
		if (err == NULL)
			abort();
		return;
	}
	if (r.p < DMARC_P_NONE || r.p > DMARC_P_REJECT ||
	    r.sp < DMARC_P_UNSET || r.sp > DMARC_P_REJECT ||
	    r.pct < 0 || r.pct > 100 ||
	    memchr(r.rua, '\0', sizeof(r.rua)) == NULL)
		abort();
}

static void
fuzz_org(const char *name, size_t len)
{
	char	 org[DMARC_DOMAIN_MAX], again[DMARC_DOMAIN_MAX];
	char	 low[DMARC_DOMAIN_MAX];
	size_t	 olen, i;

	if (psl_org_domain(name, org, sizeof(org)) == -1)
		return;
	olen = strlen(org);
	if (olen == 0 || olen > len || olen >= sizeof(low))
		abort();
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len >= sizeof(low))
		abort();
	for (i = 0; i < len; i++)
		low[i] = (name[i] >= 'A' && name[i] <= 'Z') ?
		    name[i] - 'A' + 'a' : name[i];
	if (olen > len || memcmp(low + len - olen, org, olen) != 0 ||
	    (olen < len && low[len - olen - 1] != '.'))
		abort();
	if (psl_org_domain(org, again, sizeof(again)) == -1 ||
	    strcmp(org, again) != 0)
		abort();
}

static void
fuzz_format(const char *s)
{
	struct spf_outcome	 spf;
	struct dkim_verdict	 dv;
	struct dmarc_outcome	 dm;
	struct authres		 ar;
	char			 buf[AUTHRES_FIELD_MAX];
	int			 len, i;

	memset(&spf, 0, sizeof(spf));
	memset(&dv, 0, sizeof(dv));
	memset(&dm, 0, sizeof(dm));
	spf.result = SPF_FAIL;
	(void)strlcpy(spf.sender, s, sizeof(spf.sender));
	(void)strlcpy(spf.explanation, s, sizeof(spf.explanation));
	dv.result = DKIM_FAIL;
	dv.alg = DKIM_ALG_RSA_SHA256;
	(void)strlcpy(dv.d, s, sizeof(dv.d));
	(void)strlcpy(dv.s, s, sizeof(dv.s));
	(void)strlcpy(dv.i, s, sizeof(dv.i));
	(void)strlcpy(dv.b8, s, sizeof(dv.b8));
	(void)strlcpy(dv.reason, s, sizeof(dv.reason));
	dm.result = DMARC_TEMPERROR;
	(void)strlcpy(dm.reason, s, sizeof(dm.reason));
	(void)strlcpy(dm.domain, s, sizeof(dm.domain));
	memset(&ar, 0, sizeof(ar));
	ar.authserv_id = s;
	ar.spf = &spf;
	ar.spf_helo = &spf;
	ar.dkim = &dv;
	ar.ndkim = 1;
	ar.dmarc = &dm;
	if ((len = authres_format(&ar, buf, sizeof(buf))) == -1)
		return;
	if ((size_t)len != strlen(buf) || len < 2 || buf[len - 2] != '\r' ||
	    buf[len - 1] != '\n')
		abort();
	for (i = 0; i < len - 2; i++) {
		if (buf[i] == '\n' && (i == 0 || buf[i - 1] != '\r'))
			abort();
		if (buf[i] == '\r' && (buf[i + 1] != '\n' ||
		    (buf[i + 2] != ' ' && buf[i + 2] != '\t')))
			abort();
	}
	/* what we write is ours, when the id is one value */
	(void)authres_is_ours(buf, (size_t)len, s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;

	fuzz_record(data, size);
	(void)authres_is_ours((const char *)data, size, "mx.example.org");
	if ((s = malloc(size + 1)) == NULL)
		return (0);
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_org(s, strlen(s));
	fuzz_format(s);
	free(s);
	return (0);
}
