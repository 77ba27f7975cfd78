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
 * spf_check_fuzz.c -- libFuzzer target: the whole SPF evaluation of
 * common/spf.c (check_host()) on hostile records.  The input is the TXT
 * record every name has, served by a fake resolver_query_fn from the
 * event loop as real DNS answer packets; every name also has two A
 * records, an AAAA, MX records (their number from the input's first
 * octet, up to 12, so that the MX limit is crossed) and a PTR record.
 * Includes and redirects therefore all lead back to the same record:
 * the lookup limit must end every evaluation.  Each input is checked
 * for an IPv4 and an IPv6 client, the MAIL FROM and HELO identities,
 * and once more cancelled after a few lookups.  done() must come exactly
 * once (never after a cancel), no lookup may stay pending, the lookups
 * counted must not exceed 10, and no more than a bounded number of
 * queries may be asked.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "resolver.h"
#include "spf.h"

/* 10 terms of 1 + 10 queries, the %{p} and exp lookups, the first TXT */
#define QUERIES_MAX	(SPF_LOOKUP_MAX * (1 + SPF_MXPTR_MAX) + 30)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fq {
	struct event	 ev;
	resolver_cb	 cb;
	void		*arg;
	size_t		 len;
	uint8_t		 pkt[8192];
};

static const uint8_t	*rec;
static size_t		 reclen;
static unsigned int	 nmx;
static int		 pending, queries, ndone;

static int
put(struct fq *q, const void *d, size_t n)
{
	if (q->len + n > sizeof(q->pkt))
		return (-1);
	memcpy(q->pkt + q->len, d, n);
	q->len += n;
	return (0);
}

static int
put16(struct fq *q, unsigned v)
{
	uint8_t	b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return (put(q, b, 2));
}

static int
putname(struct fq *q, const char *name)
{
	const char	*dot;
	size_t		 n;
	uint8_t		 l;

	while (*name != '\0') {
		dot = strchr(name, '.');
		n = dot != NULL ? (size_t)(dot - name) : strlen(name);
		if (n == 0 || n > 63)
			return (-1);
		l = (uint8_t)n;
		if (put(q, &l, 1) == -1 || put(q, name, n) == -1)
			return (-1);
		name += n;
		if (*name == '.')
			name++;
	}
	return (put(q, "", 1));
}

/* Owner "x.example" (compression-free), rdata given. */
static int
putrr(struct fq *q, uint16_t type, const void *rdata, size_t rdlen)
{
	if (putname(q, "x.example") == -1 || put16(q, type) == -1 ||
	    put16(q, DNS_C_IN) == -1 || put16(q, 0) == -1 ||
	    put16(q, 60) == -1 || put16(q, (unsigned)rdlen) == -1)
		return (-1);
	return (put(q, rdata, rdlen));
}

static void
fire(int fd, short ev, void *arg)
{
	struct fq	*q = arg;

	pending--;
	q->cb(q->arg, RESOLVER_OK, q->pkt, q->len, 0);
	free(q);
}

static void
fake_query(const char *name, uint16_t type, resolver_cb cb, void *arg)
{
	struct fq	*q;
	struct timeval	 tv = { 0, 0 };
	uint8_t		 rd[300], a[16];
	size_t		 off, n, an = 0;
	unsigned int	 i;
	int		 bad = 0;

	queries++;
	if (queries > QUERIES_MAX || strlen(name) > 253)
		abort();
	if ((q = calloc(1, sizeof(*q))) == NULL)
		abort();
	q->cb = cb;
	q->arg = arg;
	/* header: NOERROR, 1 question, the answer count patched below */
	bad |= put16(q, 0x1234) | put16(q, 0x8180) | put16(q, 1) |
	    put16(q, 0) | put16(q, 0) | put16(q, 0);
	bad |= putname(q, "x.example") | put16(q, type) | put16(q, DNS_C_IN);
	switch (type) {
	case DNS_T_TXT:
		for (off = 0; off < reclen && !bad; off += n) {
			n = reclen - off > 255 ? 255 : reclen - off;
			rd[0] = (uint8_t)n;
			memcpy(rd + 1, rec + off, n);
			bad |= putrr(q, DNS_T_TXT, rd, n + 1);
			an++;
		}
		break;
	case DNS_T_A:
		(void)inet_pton(AF_INET, "192.0.2.1", a);
		bad |= putrr(q, DNS_T_A, a, 4);
		(void)inet_pton(AF_INET, "127.0.0.2", a);
		bad |= putrr(q, DNS_T_A, a, 4);
		an += 2;
		break;
	case DNS_T_AAAA:
		(void)inet_pton(AF_INET6, "2001:db8::1", a);
		bad |= putrr(q, DNS_T_AAAA, a, 16);
		an++;
		break;
	case DNS_T_MX:
		for (i = 0; i < nmx && !bad; i++) {
			/* pref, then mx<i>.x.example */
			rd[0] = 0;
			rd[1] = (uint8_t)i;
			memcpy(rd + 2, "\003mx0\001x\007example\000", 15);
			rd[5] = (uint8_t)('a' + i);
			bad |= putrr(q, DNS_T_MX, rd, 17);
			an++;
		}
		break;
	case DNS_T_PTR:
		bad |= putrr(q, DNS_T_PTR, "\004mail\001x\007example\000",
		    17);
		an++;
		break;
	default:
		abort();
	}
	if (bad)
		abort();
	q->pkt[6] = (uint8_t)(an >> 8);
	q->pkt[7] = (uint8_t)an;
	evtimer_set(&q->ev, fire, q);
	evtimer_add(&q->ev, &tv);
	pending++;
}

static void
checked(void *arg, const struct spf_outcome *o)
{
	ndone++;
	if (o->lookups > SPF_LOOKUP_MAX ||
	    memchr(o->mechanism, '\0', sizeof(o->mechanism)) == NULL ||
	    memchr(o->explanation, '\0', sizeof(o->explanation)) == NULL ||
	    memchr(o->reason, '\0', sizeof(o->reason)) == NULL ||
	    spf_result_name(o->result) == NULL)
		abort();
}

static void
one(const char *ip, const char *sender, int identity, int cancel_after)
{
	struct spf	*spf;
	int		 n, cancelled = 0;

	ndone = 0;
	queries = 0;
	spf = spf_check(fake_query, ip, "helo.x.example", sender, identity,
	    "receiver.example", checked, NULL);
	if (spf == NULL)
		return;
	if (ndone != 0)
		abort();		/* done() from inside spf_check() */
	for (n = 0; n < 100000 && ndone == 0; n++) {
		if (cancel_after >= 0 && queries >= cancel_after) {
			spf_cancel(spf);
			cancelled = 1;
			break;
		}
		(void)event_loop(EVLOOP_ONCE);
	}
	/* let the dropped lookups come back */
	for (n = 0; n < 100000 && pending > 0; n++)
		(void)event_loop(EVLOOP_ONCE);
	/* done once, or never once cancelled (it may finish first) */
	if (pending != 0 || ndone != (cancelled ? 0 : 1))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 inited;

	if (!inited) {
		(void)event_init();
		inited = 1;
	}
	if (size < 1 || size > SPF_RECORD_MAX + 64)
		return (0);
	nmx = data[0] % 13;
	rec = data + 1;
	reclen = size - 1;
	one("192.0.2.1", "user@x.example", SPF_ID_MAILFROM, -1);
	one("2001:db8::1", "", SPF_ID_MAILFROM, -1);
	one("::ffff:127.0.0.2", "", SPF_ID_HELO, -1);
	one("192.0.2.9", "a.b@x.example", SPF_ID_MAILFROM, 1 + data[0] % 4);
	return (0);
}
