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
 * spf.c -- SPF check_host() (RFC 7208 sections 4 and 5), asynchronous on
 * a resolver_query_fn: record selection, the mechanisms and modifiers
 * of the records parsed by spf_record.c, macros by spf_macro.c, the
 * limits of 4.6.4 and the explanation of 6.2.
 *
 * One lookup at a time: every step that needs the DNS starts one query
 * and returns; the answer comes from the event loop (spf_dns_cb) and the
 * evaluation goes on from there.  An include pushes a frame (the
 * included record), a redirect replaces the current one.  The first step
 * runs from a zero-timeout timer, so done() is never called from inside
 * spf_check().
 *
 * SECURITY: records, names and macros are hostile.  Every term that
 * queries the DNS counts against SPF_LOOKUP_MAX before it starts, and
 * so does every include and redirect: at most SPF_LOOKUP_MAX + 1 frames
 * (checked again where a frame is pushed), and the number of queries of
 * one check is bounded (10 terms, each at most 1 + SPF_MXPTR_MAX
 * queries, plus the %{p} and exp lookups).  Names are bounded
 * (SPF_NAME_MAX), a TXT record is joined into a buffer of the largest
 * size a TXT record can have, a record longer than SPF_RECORD_MAX is a
 * permerror.  spf_cancel() with a lookup in flight only marks the check:
 * it is freed when that lookup's callback comes back.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dns.h"
#include "spf.h"
#include "spf_int.h"

#define TXT_MAX		65536		/* a TXT record's rdata at most */
#define FRAMES_MAX	(SPF_LOOKUP_MAX + 2)

struct spf_frame {
	char		 domain[SPF_NAME_MAX + 1];
	char		*text;
	struct spf_record rec;
	size_t		 next;		/* the term being evaluated */
	int		 include;	/* entered through include: */
	int		 redirected;	/* entered through redirect= */
};

typedef void	(*spf_handler)(struct spf *, int, const uint8_t *, size_t);
typedef void	(*spf_cont)(struct spf *);

struct spf {
	resolver_query_fn query;
	spf_cb		 done;
	void		*arg;
	struct event	 ev;
	int		 evset;
	int		 inflight;
	int		 cancelled;
	int		 indone;
	int		 finished;
	spf_handler	 handler;

	int		 identity;
	int		 af;
	uint8_t		 addr[16];
	char		 helo[SPF_DOMAIN_MAX];
	char		 local[65];
	char		 sdomain[SPF_DOMAIN_MAX];
	char		 receiver[SPF_DOMAIN_MAX];

	struct spf_frame frames[FRAMES_MAX];
	int		 depth;

	/* the term being evaluated */
	char		 target[SPF_XBUF_MAX];
	char		 names[SPF_MXPTR_MAX][SPF_NAME_MAX + 1];
	size_t		 nnames;
	size_t		 iname;

	/* the validated names of the client (%{p} and ptr) */
	int		 p_done;
	int		 p_void;
	spf_cont	 p_cont;
	char		 ptrnames[SPF_MXPTR_MAX][SPF_NAME_MAX + 1];
	int		 ptrvalid[SPF_MXPTR_MAX];
	size_t		 nptr;
	size_t		 iptr;
	char		 pvalue[SPF_NAME_MAX + 1];

	/* explanation text, kept across a %{p} lookup */
	size_t		 explen;
	char		*txt;			/* TXT_MAX + 1 */

	struct spf_outcome out;
};

static void	spf_free(struct spf *);
static void	spf_finish(struct spf *, enum spf_result, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
static void	spf_query(struct spf *, const char *, uint16_t,
		    spf_handler);
static void	spf_dns_cb(void *, int, const uint8_t *, size_t, int);
static void	spf_start(int, short, void *);
static int	name_ok(const char *, int);
static void	name_copy(char *, const char *);
static int	name_under(const char *, const char *);
static void	env_fill(struct spf *, struct spf_macro_env *,
		    const char *);
static int	expand_target(struct spf *, const char *, size_t);
static int	push_frame(struct spf *, const char *, int);
static void	pop_frame(struct spf *);
static void	fetch(struct spf *);
static void	fetch_cb(struct spf *, int, const uint8_t *, size_t);
static void	run(struct spf *);
static void	next_term(struct spf *);
static void	match(struct spf *, const struct spf_term *);
static void	frame_result(struct spf *, enum spf_result);
static int	void_lookup(struct spf *);
static int	addr_match(const struct spf *, const uint8_t *, int, int);
static int	term_cidr(const struct spf *, const struct spf_term *);
static void	a_cb(struct spf *, int, const uint8_t *, size_t);
static void	mx_cb(struct spf *, int, const uint8_t *, size_t);
static void	mx_next(struct spf *);
static void	mx_addr_cb(struct spf *, int, const uint8_t *, size_t);
static void	exists_cb(struct spf *, int, const uint8_t *, size_t);
static void	p_start(struct spf *, spf_cont);
static void	p_ptr_cb(struct spf *, int, const uint8_t *, size_t);
static void	p_next(struct spf *);
static void	p_addr_cb(struct spf *, int, const uint8_t *, size_t);
static void	p_choose(struct spf *, const char *);
static void	ptr_eval(struct spf *);
static void	exp_start(struct spf *);
static void	exp_cb(struct spf *, int, const uint8_t *, size_t);
static void	exp_text(struct spf *);
static struct spf_term *cur_term(struct spf *);

const char *
spf_result_name(enum spf_result r)
{
	switch (r) {
	case SPF_NONE:
		return ("none");
	case SPF_NEUTRAL:
		return ("neutral");
	case SPF_PASS:
		return ("pass");
	case SPF_FAIL:
		return ("fail");
	case SPF_SOFTFAIL:
		return ("softfail");
	case SPF_TEMPERROR:
		return ("temperror");
	case SPF_PERMERROR:
		return ("permerror");
	}
	return ("unknown");
}

struct spf *
spf_check(resolver_query_fn query, const char *ip, const char *helo,
    const char *sender, int identity, const char *receiver, spf_cb done,
    void *arg)
{
	struct spf	*spf;
	struct timeval	 tv = { 0, 0 };

	if ((spf = calloc(1, sizeof(*spf))) == NULL)
		return (NULL);
	if ((spf->txt = malloc(TXT_MAX + 1)) == NULL) {
		free(spf);
		return (NULL);
	}
	spf->query = query;
	spf->done = done;
	spf->arg = arg;
	spf->identity = identity;
	spf->out.identity = identity;
	spf->out.result = SPF_NONE;
	(void)strlcpy(spf->helo, helo != NULL ? helo : "", sizeof(spf->helo));
	(void)strlcpy(spf->receiver, receiver != NULL ? receiver : "",
	    sizeof(spf->receiver));
	if (ip != NULL && inet_pton(AF_INET, ip, spf->addr) == 1)
		spf->af = AF_INET;
	else if (ip != NULL && inet_pton(AF_INET6, ip, spf->addr) == 1) {
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
		    0, 0, 0xff, 0xff };

		spf->af = AF_INET6;
		/* 5: an IPv4-mapped address is IPv4 */
		if (memcmp(spf->addr, mapped, sizeof(mapped)) == 0) {
			memmove(spf->addr, spf->addr + 12, 4);
			memset(spf->addr + 4, 0, 12);
			spf->af = AF_INET;
		}
	} else
		spf->af = 0;

	/* the identity: 4.3 and 2.4 (postmaster@helo for <>) */
	if (identity == SPF_ID_HELO || sender == NULL || sender[0] == '\0') {
		(void)strlcpy(spf->local, "postmaster", sizeof(spf->local));
		(void)strlcpy(spf->sdomain, spf->helo, sizeof(spf->sdomain));
	} else {
		const char	*at = strrchr(sender, '@');

		if (at == NULL) {
			(void)strlcpy(spf->local, "postmaster",
			    sizeof(spf->local));
			(void)strlcpy(spf->sdomain, sender,
			    sizeof(spf->sdomain));
		} else {
			size_t	n = (size_t)(at - sender);

			if (n == 0)
				(void)strlcpy(spf->local, "postmaster",
				    sizeof(spf->local));
			else if (n < sizeof(spf->local)) {
				memcpy(spf->local, sender, n);
				spf->local[n] = '\0';
			} else {
				/* longer than a local-part may be */
				(void)strlcpy(spf->local, sender,
				    sizeof(spf->local));
			}
			(void)strlcpy(spf->sdomain, at + 1,
			    sizeof(spf->sdomain));
		}
	}
	(void)snprintf(spf->out.sender, sizeof(spf->out.sender), "%s@%s",
	    spf->local, spf->sdomain);
	(void)strlcpy(spf->out.domain, spf->sdomain, sizeof(spf->out.domain));

	evtimer_set(&spf->ev, spf_start, spf);
	spf->evset = 1;
	evtimer_add(&spf->ev, &tv);
	return (spf);
}

void
spf_cancel(struct spf *spf)
{
	if (spf == NULL)
		return;
	spf->cancelled = 1;
	if (spf->indone || spf->inflight)
		return;		/* freed by spf_finish / spf_dns_cb */
	spf_free(spf);
}

static void
spf_free(struct spf *spf)
{
	while (spf->depth > 0)
		pop_frame(spf);
	if (spf->evset)
		evtimer_del(&spf->ev);
	free(spf->txt);
	free(spf);
}

static void
spf_finish(struct spf *spf, enum spf_result result, const char *fmt, ...)
{
	va_list		 ap;
	struct spf_term	*t;

	if (spf->finished)
		return;
	spf->finished = 1;
	spf->out.result = result;
	if (fmt != NULL) {
		va_start(ap, fmt);
		(void)vsnprintf(spf->out.reason, sizeof(spf->out.reason), fmt,
		    ap);
		va_end(ap);
	}
	if ((result == SPF_TEMPERROR || result == SPF_PERMERROR) &&
	    (t = cur_term(spf)) != NULL)
		(void)snprintf(spf->out.mechanism, sizeof(spf->out.mechanism),
		    "%.*s", (int)(t->textlen < SPF_EXPAND_MAX ? t->textlen :
		    SPF_EXPAND_MAX - 1), t->text);
	if (!spf->cancelled) {
		spf->indone = 1;
		spf->done(spf->arg, &spf->out);
		spf->indone = 0;
	}
	spf_free(spf);
}

static struct spf_term *
cur_term(struct spf *spf)
{
	struct spf_frame	*f;

	if (spf->depth == 0)
		return (NULL);
	f = &spf->frames[spf->depth - 1];
	if (f->text == NULL || f->next >= f->rec.nterms)
		return (NULL);
	return (&f->rec.terms[f->next]);
}

static void
spf_query(struct spf *spf, const char *name, uint16_t type,
    spf_handler handler)
{
	spf->handler = handler;
	spf->inflight = 1;
	spf->query(name, type, spf_dns_cb, spf);
}

static void
spf_dns_cb(void *arg, int status, const uint8_t *pkt, size_t len, int secure)
{
	struct spf	*spf = arg;

	spf->inflight = 0;
	if (spf->cancelled) {
		spf_free(spf);
		return;
	}
	spf->handler(spf, status, pkt, len);
}

static void
spf_start(int fd, short ev, void *arg)
{
	struct spf	*spf = arg;

	spf->evset = 0;
	if (spf->af == 0) {
		spf_finish(spf, SPF_NONE, "not an IP address");
		return;
	}
	/* 4.3: a malformed or single-label domain gives none */
	if (!name_ok(spf->sdomain, 1)) {
		spf_finish(spf, SPF_NONE, "malformed domain \"%.64s\"",
		    spf->sdomain);
		return;
	}
	if (push_frame(spf, spf->sdomain, 0) == -1)
		return;
	fetch(spf);
}

/*
 * A name fit for a query: at most 253 octets without the final dot,
 * labels of 1 to 63 visible octets (no "\").  With initial (4.3, the
 * domain of the identity): two labels or more, letters, digits, "-" and
 * "_" only, and a top label that is not all digits (an address).
 */
static int
name_ok(const char *name, int initial)
{
	size_t	 len = strlen(name), i, label = 0, labels = 0;
	int	 alpha = 0;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > SPF_NAME_MAX)
		return (0);
	for (i = 0; i <= len; i++) {
		if (i == len || name[i] == '.') {
			if (label == 0 || label > 63)
				return (0);
			labels++;
			label = 0;
			if (i < len)
				alpha = 0;
			continue;
		}
		if ((unsigned char)name[i] < 0x21 ||
		    (unsigned char)name[i] > 0x7e || name[i] == '\\')
			return (0);
		if (initial && !isalnum((unsigned char)name[i]) &&
		    name[i] != '-' && name[i] != '_')
			return (0);
		if (!isdigit((unsigned char)name[i]))
			alpha = 1;
		label++;
	}
	return (!initial || (labels >= 2 && alpha));
}

/* Copy a name checked by name_ok() without its final dot. */
static void
name_copy(char *dst, const char *src)
{
	size_t	n = strlen(src);

	if (n > 0 && src[n - 1] == '.')
		n--;
	if (n > SPF_NAME_MAX)
		n = SPF_NAME_MAX;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* name is domain or below it. */
static int
name_under(const char *name, const char *domain)
{
	size_t	nl = strlen(name), dl = strlen(domain);

	if (nl > 0 && name[nl - 1] == '.')
		nl--;
	if (dl > 0 && domain[dl - 1] == '.')
		dl--;
	if (dl == 0 || nl < dl)
		return (0);
	if (strncasecmp(name + nl - dl, domain, dl) != 0)
		return (0);
	return (nl == dl || name[nl - dl - 1] == '.');
}

static void
env_fill(struct spf *spf, struct spf_macro_env *env, const char *domain)
{
	memset(env, 0, sizeof(*env));
	env->sender = spf->out.sender;
	env->local = spf->local;
	env->sdomain = spf->sdomain;
	env->domain = domain;
	env->helo = spf->helo;
	env->receiver = spf->receiver[0] != '\0' ? spf->receiver : "unknown";
	p_choose(spf, domain);
	env->ptr = spf->pvalue;
	env->af = spf->af;
	memcpy(env->addr, spf->addr, sizeof(env->addr));
	env->now = time(NULL);
}

/* Expand a domain-spec into spf->target: 0, or -1 (finished). */
static int
expand_target(struct spf *spf, const char *spec, size_t len)
{
	struct spf_macro_env	 env;
	char			 err[128];

	env_fill(spf, &env, spf->frames[spf->depth - 1].domain);
	if (spf_macro_expand(spec, len, &env, SPF_MACRO_DOMAIN, spf->target,
	    sizeof(spf->target), err, sizeof(err)) == -1) {
		spf_finish(spf, SPF_PERMERROR, "%s", err);
		return (-1);
	}
	if (!name_ok(spf->target, 0)) {
		spf_finish(spf, SPF_PERMERROR, "invalid domain name \"%.64s\"",
		    spf->target);
		return (-1);
	}
	name_copy(spf->target, spf->target);
	return (0);
}

static int
push_frame(struct spf *spf, const char *domain, int include)
{
	struct spf_frame	*f;

	if (spf->depth >= FRAMES_MAX) {
		spf_finish(spf, SPF_PERMERROR, "includes nested too deep");
		return (-1);
	}
	f = &spf->frames[spf->depth++];
	memset(f, 0, sizeof(*f));
	name_copy(f->domain, domain);
	f->include = include;
	return (0);
}

static void
pop_frame(struct spf *spf)
{
	struct spf_frame	*f = &spf->frames[--spf->depth];

	spf_record_free(&f->rec);
	free(f->text);
	f->text = NULL;
}

static void
fetch(struct spf *spf)
{
	spf_query(spf, spf->frames[spf->depth - 1].domain, DNS_T_TXT,
	    fetch_cb);
}

/* 4.4 and 4.5: the one SPF record among the domain's TXT records. */
static void
fetch_cb(struct spf *spf, int status, const uint8_t *pkt, size_t len)
{
	struct spf_frame	*f = &spf->frames[spf->depth - 1];
	struct dns_msg		 msg;
	struct dns_rr		 rr;
	ssize_t			 n;
	size_t			 count = 0, found = 0;
	char			 err[128];
	int			 r;

	if (status == RESOLVER_TEMPFAIL) {
		spf_finish(spf, SPF_TEMPERROR, "DNS failure looking up TXT "
		    "%s", f->domain);
		return;
	}
	if (status == RESOLVER_NXDOMAIN) {
		frame_result(spf, SPF_NONE);
		return;
	}
	if (dns_msg_init(&msg, pkt, len) == -1) {
		spf_finish(spf, SPF_TEMPERROR, "malformed DNS answer for %s",
		    f->domain);
		return;
	}
	while ((r = dns_msg_next(&msg, &rr)) == 1) {
		if (rr.type != DNS_T_TXT || rr.class != DNS_C_IN)
			continue;
		if ((n = dns_txt_join(&rr, spf->txt, TXT_MAX + 1)) < 0)
			continue;
		if (!spf_record_is_spf(spf->txt, (size_t)n))
			continue;
		if (++count > 1)
			break;
		free(f->text);
		if ((f->text = malloc((size_t)n + 1)) == NULL) {
			spf_finish(spf, SPF_TEMPERROR, "out of memory");
			return;
		}
		memcpy(f->text, spf->txt, (size_t)n + 1);
		found = (size_t)n;
	}
	if (r == -1) {
		spf_finish(spf, SPF_TEMPERROR, "malformed DNS answer for %s",
		    f->domain);
		return;
	}
	if (count > 1) {
		spf_finish(spf, SPF_PERMERROR, "more than one SPF record for "
		    "%s", f->domain);
		return;
	}
	if (count == 0) {
		frame_result(spf, SPF_NONE);
		return;
	}
	if (spf_record_parse(f->text, found, &f->rec, err, sizeof(err))
	    == -1) {
		free(f->text);
		f->text = NULL;
		spf_finish(spf, SPF_PERMERROR, "%s: %s", f->domain, err);
		return;
	}
	f->next = 0;
	run(spf);
}

static void
next_term(struct spf *spf)
{
	spf->frames[spf->depth - 1].next++;
	run(spf);
}

/* The result of the current frame's record. */
static void
frame_result(struct spf *spf, enum spf_result result)
{
	struct spf_frame	*f = &spf->frames[spf->depth - 1];
	struct spf_frame	*p;

	if (result == SPF_NONE && f->redirected) {
		spf_finish(spf, SPF_PERMERROR, "redirect to %s: no SPF record",
		    f->domain);
		return;
	}
	if (!f->include) {
		if (result == SPF_FAIL && f->rec.exp != NULL) {
			exp_start(spf);
			return;
		}
		spf_finish(spf, result, NULL);
		return;
	}
	/* 5.2: what an include's result means to the including record */
	switch (result) {
	case SPF_PASS:
		pop_frame(spf);
		p = &spf->frames[spf->depth - 1];
		match(spf, &p->rec.terms[p->next]);
		return;
	case SPF_FAIL:
	case SPF_SOFTFAIL:
	case SPF_NEUTRAL:
		pop_frame(spf);
		next_term(spf);
		return;
	case SPF_NONE:
		spf_finish(spf, SPF_PERMERROR, "include of %s: no SPF record",
		    f->domain);
		return;
	default:
		spf_finish(spf, result, NULL);
		return;
	}
}

static void
match(struct spf *spf, const struct spf_term *t)
{
	enum spf_result	 r;

	switch (t->qual) {
	case '-':
		r = SPF_FAIL;
		break;
	case '~':
		r = SPF_SOFTFAIL;
		break;
	case '?':
		r = SPF_NEUTRAL;
		break;
	default:
		r = SPF_PASS;
		break;
	}
	(void)snprintf(spf->out.mechanism, sizeof(spf->out.mechanism),
	    "%.*s", (int)(t->textlen < SPF_EXPAND_MAX ? t->textlen :
	    SPF_EXPAND_MAX - 1), t->text);
	frame_result(spf, r);
}

/* 4.6.4: one more void lookup; -1 (finished) over the limit. */
static int
void_lookup(struct spf *spf)
{
	if (++spf->out.voids > SPF_VOID_MAX) {
		spf_finish(spf, SPF_PERMERROR, "more than %d void lookups",
		    SPF_VOID_MAX);
		return (-1);
	}
	return (0);
}

/* The first bits of a (af) equal the client's. */
static int
addr_match(const struct spf *spf, const uint8_t *a, int af, int bits)
{
	int	bytes = bits / 8, rest = bits % 8;
	uint8_t	mask;

	if (af != spf->af)
		return (0);
	if (memcmp(a, spf->addr, (size_t)bytes) != 0)
		return (0);
	if (rest == 0)
		return (1);
	mask = (uint8_t)(0xff << (8 - rest));
	return ((a[bytes] & mask) == (spf->addr[bytes] & mask));
}

static int
term_cidr(const struct spf *spf, const struct spf_term *t)
{
	if (spf->af == AF_INET)
		return (t->cidr4 >= 0 ? t->cidr4 : 32);
	return (t->cidr6 >= 0 ? t->cidr6 : 128);
}

/* Evaluate terms from the current one until one needs the DNS. */
static void
run(struct spf *spf)
{
	struct spf_frame	*f;
	struct spf_term		*t;
	uint16_t		 atype;

	atype = spf->af == AF_INET ? DNS_T_A : DNS_T_AAAA;
	for (;;) {
		f = &spf->frames[spf->depth - 1];
		if (f->next >= f->rec.nterms) {
			/* 6.1: redirect when nothing matched */
			if (f->rec.redirect == NULL) {
				spf->out.mechanism[0] = '\0';
				frame_result(spf, SPF_NEUTRAL);
				return;
			}
			if (spf_macro_uses_ptr(f->rec.redirect,
			    f->rec.redirectlen) && !spf->p_done) {
				p_start(spf, run);
				return;
			}
			if (spf->out.lookups >= SPF_LOOKUP_MAX) {
				spf_finish(spf, SPF_PERMERROR, "more than %d "
				    "DNS lookups", SPF_LOOKUP_MAX);
				return;
			}
			spf->out.lookups++;
			if (expand_target(spf, f->rec.redirect,
			    f->rec.redirectlen) == -1)
				return;
			spf_record_free(&f->rec);
			free(f->text);
			f->text = NULL;
			name_copy(f->domain, spf->target);
			f->redirected = 1;
			f->next = 0;
			fetch(spf);
			return;
		}
		t = &f->rec.terms[f->next];
		switch (t->type) {
		case SPF_M_ALL:
			match(spf, t);
			return;
		case SPF_M_IP4:
			if (addr_match(spf, t->addr, AF_INET,
			    t->cidr4 >= 0 ? t->cidr4 : 32)) {
				match(spf, t);
				return;
			}
			f->next++;
			continue;
		case SPF_M_IP6:
			if (addr_match(spf, t->addr, AF_INET6,
			    t->cidr6 >= 0 ? t->cidr6 : 128)) {
				match(spf, t);
				return;
			}
			f->next++;
			continue;
		default:
			break;
		}
		/* a term that queries the DNS */
		if (t->spec != NULL && !spf->p_done &&
		    spf_macro_uses_ptr(t->spec, t->speclen)) {
			p_start(spf, run);
			return;
		}
		if (spf->out.lookups >= SPF_LOOKUP_MAX) {
			spf_finish(spf, SPF_PERMERROR, "more than %d DNS "
			    "lookups", SPF_LOOKUP_MAX);
			return;
		}
		spf->out.lookups++;
		if (t->spec != NULL) {
			if (expand_target(spf, t->spec, t->speclen) == -1)
				return;
		} else
			name_copy(spf->target, f->domain);
		switch (t->type) {
		case SPF_M_INCLUDE:
			if (push_frame(spf, spf->target, 1) == -1)
				return;
			fetch(spf);
			return;
		case SPF_M_A:
			spf_query(spf, spf->target, atype, a_cb);
			return;
		case SPF_M_MX:
			spf_query(spf, spf->target, DNS_T_MX, mx_cb);
			return;
		case SPF_M_EXISTS:
			/* 5.7: always an A lookup */
			spf_query(spf, spf->target, DNS_T_A, exists_cb);
			return;
		case SPF_M_PTR:
			if (!spf->p_done) {
				p_start(spf, ptr_eval);
				return;
			}
			ptr_eval(spf);
			return;
		default:
			spf_finish(spf, SPF_PERMERROR, "unknown term");
			return;
		}
	}
}

/*
 * Read the addresses of an answer: 1 one matches the current term's
 * CIDR, 0 none does (*naddr of them), -1 malformed.
 */
static int
answer_match(struct spf *spf, const uint8_t *pkt, size_t len,
    size_t *naddr)
{
	struct spf_term	*t = cur_term(spf);
	struct dns_msg	 msg;
	struct dns_rr	 rr;
	int		 r, bits = term_cidr(spf, t);
	uint16_t	 want = spf->af == AF_INET ? DNS_T_A : DNS_T_AAAA;

	*naddr = 0;
	if (dns_msg_init(&msg, pkt, len) == -1)
		return (-1);
	while ((r = dns_msg_next(&msg, &rr)) == 1) {
		if (rr.type != want || rr.class != DNS_C_IN)
			continue;
		(*naddr)++;
		if (addr_match(spf, want == DNS_T_A ?
		    (const uint8_t *)&rr.u.a : (const uint8_t *)&rr.u.aaaa,
		    spf->af, bits))
			return (1);
	}
	return (r == -1 ? -1 : 0);
}

static void
a_cb(struct spf *spf, int status, const uint8_t *pkt, size_t len)
{
	size_t	n;
	int	r;

	if (status == RESOLVER_TEMPFAIL) {
		spf_finish(spf, SPF_TEMPERROR, "DNS failure looking up %s",
		    spf->target);
		return;
	}
	if (status == RESOLVER_NXDOMAIN) {
		if (void_lookup(spf) == -1)
			return;
		next_term(spf);
		return;
	}
	if ((r = answer_match(spf, pkt, len, &n)) == -1) {
		spf_finish(spf, SPF_TEMPERROR, "malformed DNS answer for %s",
		    spf->target);
		return;
	}
	if (r == 1) {
		match(spf, cur_term(spf));
		return;
	}
	if (n == 0 && void_lookup(spf) == -1)
		return;
	next_term(spf);
}

static void
mx_cb(struct spf *spf, int status, const uint8_t *pkt, size_t len)
{
	struct dns_msg	 msg;
	struct dns_rr	 rr;
	size_t		 n = 0;
	int		 r;

	if (status == RESOLVER_TEMPFAIL) {
		spf_finish(spf, SPF_TEMPERROR, "DNS failure looking up MX %s",
		    spf->target);
		return;
	}
	spf->nnames = 0;
	spf->iname = 0;
	if (status == RESOLVER_NXDOMAIN) {
		if (void_lookup(spf) == -1)
			return;
		next_term(spf);
		return;
	}
	if (dns_msg_init(&msg, pkt, len) == -1) {
		spf_finish(spf, SPF_TEMPERROR, "malformed DNS answer for %s",
		    spf->target);
		return;
	}
	while ((r = dns_msg_next(&msg, &rr)) == 1) {
		if (rr.type != DNS_T_MX || rr.class != DNS_C_IN)
			continue;
		/* 4.6.4: at most 10 MX names */
		if (++n > SPF_MXPTR_MAX) {
			spf_finish(spf, SPF_PERMERROR, "more than %d MX "
			    "records for %s", SPF_MXPTR_MAX, spf->target);
			return;
		}
		/* a null MX or a name we cannot query: no address */
		if (!name_ok(rr.u.mx.exchange, 0))
			continue;
		name_copy(spf->names[spf->nnames++], rr.u.mx.exchange);
	}
	if (r == -1) {
		spf_finish(spf, SPF_TEMPERROR, "malformed DNS answer for %s",
		    spf->target);
		return;
	}
	if (n == 0 && void_lookup(spf) == -1)
		return;
	mx_next(spf);
}

static void
mx_next(struct spf *spf)
{
	if (spf->iname >= spf->nnames) {
		next_term(spf);
		return;
	}
	spf_query(spf, spf->names[spf->iname],
	    spf->af == AF_INET ? DNS_T_A : DNS_T_AAAA, mx_addr_cb);
}

static void
mx_addr_cb(struct spf *spf, int status, const uint8_t *pkt, size_t len)
{
	size_t	n;
	int	r;

	if (status == RESOLVER_TEMPFAIL) {
		spf_finish(spf, SPF_TEMPERROR, "DNS failure looking up %s",
		    spf->names[spf->iname]);
		return;
	}
	if (status == RESOLVER_OK) {
		if ((r = answer_match(spf, pkt, len, &n)) == -1) {
			spf_finish(spf, SPF_TEMPERROR, "malformed DNS answer "
			    "for %s", spf->names[spf->iname]);
			return;
		}
		if (r == 1) {
			match(spf, cur_term(spf));
			return;
		}
	}
	spf->iname++;
	mx_next(spf);
}

static void
exists_cb(struct spf *spf, int status, const uint8_t *pkt, size_t len)
{
	struct dns_msg	 msg;
	struct dns_rr	 rr;
	int		 r, found = 0;

	if (status == RESOLVER_TEMPFAIL) {
		spf_finish(spf, SPF_TEMPERROR, "DNS failure looking up %s",
		    spf->target);
		return;
	}
	if (status == RESOLVER_OK) {
		if (dns_msg_init(&msg, pkt, len) == -1) {
			spf_finish(spf, SPF_TEMPERROR, "malformed DNS answer "
			    "for %s", spf->target);
			return;
		}
		while ((r = dns_msg_next(&msg, &rr)) == 1)
			if (rr.type == DNS_T_A && rr.class == DNS_C_IN)
				found = 1;
		if (r == -1) {
			spf_finish(spf, SPF_TEMPERROR, "malformed DNS answer "
			    "for %s", spf->target);
			return;
		}
	}
	if (found) {
		match(spf, cur_term(spf));
		return;
	}
	if (void_lookup(spf) == -1)
		return;
	next_term(spf);
}

/*
 * The client's validated names (5.5 and 7.3): the PTR names of its
 * address (the first SPF_MXPTR_MAX), each validated by an address
 * lookup that gives the client's address back.  Then cont().
 */
static void
p_start(struct spf *spf, spf_cont cont)
{
	char	 name[80];
	size_t	 i, n = 0;
	const uint8_t *a = spf->addr;

	spf->p_cont = cont;
	spf->nptr = 0;
	spf->iptr = 0;
	if (spf->af == AF_INET)
		(void)snprintf(name, sizeof(name), "%u.%u.%u.%u.in-addr.arpa",
		    a[3], a[2], a[1], a[0]);
	else {
		for (i = 16; i > 0; i--) {
			name[n++] = "0123456789abcdef"[a[i - 1] & 0xf];
			name[n++] = '.';
			name[n++] = "0123456789abcdef"[a[i - 1] >> 4];
			name[n++] = '.';
		}
		(void)strlcpy(name + n, "ip6.arpa", sizeof(name) - n);
	}
	spf_query(spf, name, DNS_T_PTR, p_ptr_cb);
}

static void
p_ptr_cb(struct spf *spf, int status, const uint8_t *pkt, size_t len)
{
	struct dns_msg	 msg;
	struct dns_rr	 rr;

	/* 5.5: an error in the PTR lookup is no match, not temperror */
	if (status == RESOLVER_NXDOMAIN)
		spf->p_void = 1;
	if (status == RESOLVER_OK && dns_msg_init(&msg, pkt, len) == 0) {
		/* a malformed rest: the names read so far */
		while (dns_msg_next(&msg, &rr) == 1) {
			if (rr.type != DNS_T_PTR || rr.class != DNS_C_IN)
				continue;
			/* the first 10 names; the others are ignored */
			if (spf->nptr >= SPF_MXPTR_MAX)
				break;
			if (!name_ok(rr.u.target, 0))
				continue;
			name_copy(spf->ptrnames[spf->nptr], rr.u.target);
			spf->ptrvalid[spf->nptr] = 0;
			spf->nptr++;
		}
		if (spf->nptr == 0)
			spf->p_void = 1;
	}
	p_next(spf);
}

static void
p_next(struct spf *spf)
{
	if (spf->iptr >= spf->nptr) {
		spf->p_done = 1;
		spf->p_cont(spf);
		return;
	}
	spf_query(spf, spf->ptrnames[spf->iptr],
	    spf->af == AF_INET ? DNS_T_A : DNS_T_AAAA, p_addr_cb);
}

static void
p_addr_cb(struct spf *spf, int status, const uint8_t *pkt, size_t len)
{
	struct dns_msg	 msg;
	struct dns_rr	 rr;
	uint16_t	 want = spf->af == AF_INET ? DNS_T_A : DNS_T_AAAA;
	int		 bits = spf->af == AF_INET ? 32 : 128;

	/* errors: this name is not validated */
	if (status == RESOLVER_OK && dns_msg_init(&msg, pkt, len) == 0) {
		while (dns_msg_next(&msg, &rr) == 1) {
			if (rr.type != want || rr.class != DNS_C_IN)
				continue;
			if (addr_match(spf, want == DNS_T_A ?
			    (const uint8_t *)&rr.u.a :
			    (const uint8_t *)&rr.u.aaaa, spf->af, bits)) {
				spf->ptrvalid[spf->iptr] = 1;
				break;
			}
		}
	}
	spf->iptr++;
	p_next(spf);
}

/* %{p} for domain: a validated name equal to it, below it, any. */
static void
p_choose(struct spf *spf, const char *domain)
{
	size_t	i;
	int	pass;

	(void)strlcpy(spf->pvalue, "unknown", sizeof(spf->pvalue));
	if (!spf->p_done)
		return;
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < spf->nptr; i++) {
			if (!spf->ptrvalid[i])
				continue;
			if ((pass == 0 && !dns_name_equal(spf->ptrnames[i],
			    domain)) || (pass == 1 &&
			    !name_under(spf->ptrnames[i], domain)))
				continue;
			(void)strlcpy(spf->pvalue, spf->ptrnames[i],
			    sizeof(spf->pvalue));
			return;
		}
	}
}

/* 5.5: a validated name that is the target or below it. */
static void
ptr_eval(struct spf *spf)
{
	size_t	i;

	if (spf->p_void && void_lookup(spf) == -1)
		return;
	for (i = 0; i < spf->nptr; i++) {
		if (spf->ptrvalid[i] &&
		    name_under(spf->ptrnames[i], spf->target)) {
			match(spf, cur_term(spf));
			return;
		}
	}
	next_term(spf);
}

/*
 * 6.2: the explanation of a fail.  Any failure to get it leaves the
 * explanation empty; the result stays fail.
 */
static void
exp_start(struct spf *spf)
{
	struct spf_frame	*f = &spf->frames[spf->depth - 1];
	struct spf_macro_env	 env;
	char			 err[128];

	if (!spf->p_done && spf_macro_uses_ptr(f->rec.exp, f->rec.explen)) {
		p_start(spf, exp_start);
		return;
	}
	env_fill(spf, &env, f->domain);
	if (spf_macro_expand(f->rec.exp, f->rec.explen, &env,
	    SPF_MACRO_DOMAIN, spf->target, sizeof(spf->target), err,
	    sizeof(err)) == -1 || !name_ok(spf->target, 0)) {
		spf_finish(spf, SPF_FAIL, NULL);
		return;
	}
	name_copy(spf->target, spf->target);
	spf_query(spf, spf->target, DNS_T_TXT, exp_cb);
}

static void
exp_cb(struct spf *spf, int status, const uint8_t *pkt, size_t len)
{
	struct dns_msg	 msg;
	struct dns_rr	 rr;
	ssize_t		 n;
	int		 count = 0, r;

	if (status != RESOLVER_OK || dns_msg_init(&msg, pkt, len) == -1) {
		spf_finish(spf, SPF_FAIL, NULL);
		return;
	}
	while ((r = dns_msg_next(&msg, &rr)) == 1) {
		if (rr.type != DNS_T_TXT || rr.class != DNS_C_IN)
			continue;
		if (++count > 1)
			break;
		if ((n = dns_txt_join(&rr, spf->txt, TXT_MAX + 1)) < 0) {
			spf_finish(spf, SPF_FAIL, NULL);
			return;
		}
		spf->explen = (size_t)n;
	}
	if (r == -1 || count != 1 ||
	    spf_macro_check(spf->txt, spf->explen, SPF_MACRO_EXP, NULL, 0)
	    == -1) {
		spf_finish(spf, SPF_FAIL, NULL);
		return;
	}
	if (!spf->p_done && spf_macro_uses_ptr(spf->txt, spf->explen)) {
		p_start(spf, exp_text);
		return;
	}
	exp_text(spf);
}

static void
exp_text(struct spf *spf)
{
	struct spf_frame	*f = &spf->frames[spf->depth - 1];
	struct spf_macro_env	 env;
	char			 err[128];

	env_fill(spf, &env, f->domain);
	if (spf_macro_expand(spf->txt, spf->explen, &env, SPF_MACRO_EXP,
	    spf->out.explanation, sizeof(spf->out.explanation), err,
	    sizeof(err)) == -1)
		spf->out.explanation[0] = '\0';
	spf_finish(spf, SPF_FAIL, NULL);
}
