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
 * domain), the values of a field we write (authres_format(): only CRLF
 * line ends, each followed by white space, nothing past the buffer),
 * and the TXT records (the input cut in character-strings, twice) of a
 * fake answer to dmarc_check()'s lookup, run on the event loop: done()
 * once, a result and a disposition that agree.
 */

#include <sys/types.h>
#include <sys/time.h>

#include <event.h>
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
static void	fuzz_check(const uint8_t *, size_t);
static void	fake_query(const char *, uint16_t, resolver_cb, void *);
static void	fake_answer(int, short, void *);
static void	check_done(void *, const struct dmarc_outcome *);
static unsigned int fixed_draw(void);

/* The answer fake_query() gives, from a zero-timeout timer. */
static struct {
	struct event	 ev;
	resolver_cb	 cb;
	void		*arg;
	uint8_t		 pkt[4096];
	size_t		 len;
	int		 pending;
	int		 ncalls;
	int		 nqueries;
} fz;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* without the list, the default rule "*" is still fuzzed */
	(void)psl_load(DMARC_PSL_PATH);
	(void)event_init();
	dmarc_set_draw(fixed_draw);
	return (0);
}

static unsigned int
fixed_draw(void)
{
	return (50);
}

static void
fake_query(const char *name, uint16_t type, resolver_cb cb, void *arg)
{
	struct timeval	 tv = { 0, 0 };

	if (fz.pending || ++fz.nqueries > 2)
		abort();	/* one lookup at a time, two at most */
	fz.cb = cb;
	fz.arg = arg;
	fz.pending = 1;
	evtimer_set(&fz.ev, fake_answer, NULL);
	evtimer_add(&fz.ev, &tv);
}

static void
fake_answer(int fd, short ev, void *arg)
{
	fz.pending = 0;
	fz.cb(fz.arg, RESOLVER_OK, fz.pkt, fz.len, 0);
}

static void
check_done(void *arg, const struct dmarc_outcome *o)
{
	if (fz.pending || fz.ncalls++ > 0)
		abort();
	if (o->result == DMARC_PASS && o->disposition != DMARC_P_NONE)
		abort();
	if (o->result != DMARC_FAIL && o->result != DMARC_PASS &&
	    (o->policy != DMARC_P_UNSET || o->disposition != DMARC_P_NONE))
		abort();
	if (o->result == DMARC_FAIL && o->disposition > o->policy)
		abort();
}

/* One or two TXT records, the input in strings of up to 255 octets. */
static void
fuzz_check(const uint8_t *data, size_t size)
{
	static const uint8_t	 hdr[] = { 0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2,
	    0, 0, 0, 0, 6, '_', 'd', 'm', 'a', 'r', 'c', 3, 's', 'u', 'b',
	    7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	    0, 16, 0, 1 };
	struct dmarc_input	 in;
	struct dmarc		*d;
	size_t			 i, off, rd, l, k;

	if (size > 1500)
		return;
	memcpy(fz.pkt, hdr, sizeof(hdr));
	fz.len = sizeof(hdr);
	for (k = 0; k < 2; k++) {
		rd = fz.len + 10;
		memcpy(fz.pkt + fz.len, "\xc0\x0c\x00\x10\x00\x01\x00\x00"
		    "\x01\x2c\x00\x00", 12);
		fz.len += 12;
		for (off = 0; off == 0 || off < size; off += l) {
			l = size - off > 255 ? 255 : size - off;
			fz.pkt[fz.len++] = (uint8_t)l;
			memcpy(fz.pkt + fz.len, data + off, l);
			fz.len += l;
			if (size == 0)
				break;
		}
		fz.pkt[rd] = (uint8_t)((fz.len - rd - 2) >> 8);
		fz.pkt[rd + 1] = (uint8_t)(fz.len - rd - 2);
		if (k == 0 && (size & 1) == 0) {
			fz.pkt[7] = 1;	/* one record */
			break;
		}
	}
	memset(&in, 0, sizeof(in));
	(void)strlcpy(in.from_domain, "sub.example.com",
	    sizeof(in.from_domain));
	in.spf = SPF_PASS;
	(void)strlcpy(in.spf_domain, "example.com", sizeof(in.spf_domain));
	in.ndkim = 2;
	in.dkim[0].result = DKIM_PASS;
	(void)strlcpy(in.dkim[0].d, "other.org", sizeof(in.dkim[0].d));
	in.dkim[1].result = DKIM_FAIL;
	(void)strlcpy(in.dkim[1].d, "sub.example.com", sizeof(in.dkim[1].d));
	fz.ncalls = fz.nqueries = 0;
	if ((d = dmarc_check(fake_query, &in, check_done, NULL)) == NULL)
		return;
	for (i = 0; i < 8 && fz.ncalls == 0; i++)
		(void)event_loop(EVLOOP_ONCE);
	if (fz.ncalls != 1)
		abort();
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
	fuzz_check(data, size);
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
