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
 * dmarc.c -- DMARC, RFC 7489: the policy record's parser (6.3, 6.4), the
 * policy discovery (6.6.3: _dmarc.<From domain>, then _dmarc.<its
 * organisational domain>), identifier alignment (3.1) and the
 * disposition (p, sp, pct: 6.6.4, 6.3).
 *
 * Discovery, as 6.6.3 says: the TXT records not starting with
 * "v=DMARC1" are discarded; none left at the From domain: the
 * organisational domain is asked; more than one left: no policy
 * (result none); one that does not parse: no policy either (result
 * permerror, disposition none); a lookup that fails for now: temperror.
 * A record without a valid p= (or with an invalid sp=) that names a
 * valid rua= is taken as p=none (6.6.3 step 6).  A record that is no
 * tag-list (RFC 6376 3.2: a tag without '=', a bad tag name, a control
 * character, a duplicate tag) or whose first tag is not v=DMARC1 does
 * not parse; a bad value of the other tags (pct, adkim, aspf, rua...)
 * is ignored, its default kept, as 6.3 says.
 *
 * SECURITY: records and the From domain come from the network.  The
 * parser reads exactly len octets (a NUL inside is an error), checks
 * the syntax of the values it uses, bounds rua (kept whole URIs that
 * fit) and refuses duplicate tags (RFC 6376 3.2's tag-list).  A
 * check cancelled while its lookup is in flight is freed only when the
 * answer comes back; done() is never called from inside dmarc_check().
 */

#include <sys/types.h>
#include <sys/time.h>

#include <event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dmarc.h"
#include "dns.h"

#define DMARC_TXT_MAX	4096		/* a DMARC record we read */

struct dmarc {
	resolver_query_fn	 query;
	struct dmarc_input	 in;
	dmarc_cb		 done;
	void			*arg;
	struct event		 ev;		/* done() from the loop */
	int			 inflight;	/* a lookup not back yet */
	int			 cancelled;
	int			 at_org;	/* asking the org domain */
	char			 org[DMARC_DOMAIN_MAX];
	struct dmarc_outcome	 out;
	char			 txt[DMARC_TXT_MAX];
};

static unsigned int	(*dmarc_draw)(void);

static unsigned int	 default_draw(void);
static int		 is_wsp(int);
static int		 ci_eq(const char *, size_t, const char *);
static int		 parse_policy(const char *, size_t,
			    enum dmarc_policy *);
static int		 parse_uint(const char *, size_t, unsigned long,
			    unsigned long *);
static int		 check_uris(const char *, size_t);
static void		 keep_rua(struct dmarc_record *, const char *, size_t);
static int		 starts_dmarc1(const char *, size_t);
static int		 aligned(const char *, const char *, int);
static void		 judge(struct dmarc *, const struct dmarc_record *);
static void		 finish_later(struct dmarc *);
static void		 finish_cb(int, short, void *);
static void		 lookup(struct dmarc *, const char *);
static void		 answer_cb(void *, int, const uint8_t *, size_t, int);
static int		 read_answer(struct dmarc *, const uint8_t *, size_t,
			    struct dmarc_record *, int *);

static unsigned int
default_draw(void)
{
	return (arc4random_uniform(100));
}

void
dmarc_set_draw(unsigned int (*fn)(void))
{
	dmarc_draw = fn;
}

const char *
dmarc_result_name(enum dmarc_result r)
{
	switch (r) {
	case DMARC_NONE:
		return ("none");
	case DMARC_PASS:
		return ("pass");
	case DMARC_FAIL:
		return ("fail");
	case DMARC_TEMPERROR:
		return ("temperror");
	case DMARC_PERMERROR:
		return ("permerror");
	}
	return ("none");
}

const char *
dmarc_policy_name(enum dmarc_policy p)
{
	switch (p) {
	case DMARC_P_UNSET:
		return ("unset");
	case DMARC_P_NONE:
		return ("none");
	case DMARC_P_QUARANTINE:
		return ("quarantine");
	case DMARC_P_REJECT:
		return ("reject");
	}
	return ("unset");
}

/* --- the record ---------------------------------------------------------- */

static int
is_wsp(int c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

static int
ci_eq(const char *s, size_t len, const char *lit)
{
	size_t	 i;
	int	 a, b;

	if (strlen(lit) != len)
		return (0);
	for (i = 0; i < len; i++) {
		a = (unsigned char)s[i];
		b = (unsigned char)lit[i];
		if (a >= 'A' && a <= 'Z')
			a += 'a' - 'A';
		if (a != b)
			return (0);
	}
	return (1);
}

static int
parse_policy(const char *v, size_t len, enum dmarc_policy *p)
{
	if (ci_eq(v, len, "none"))
		*p = DMARC_P_NONE;
	else if (ci_eq(v, len, "quarantine"))
		*p = DMARC_P_QUARANTINE;
	else if (ci_eq(v, len, "reject"))
		*p = DMARC_P_REJECT;
	else
		return (-1);
	return (0);
}

static int
parse_uint(const char *v, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long	 n = 0;
	size_t		 i;

	if (len == 0 || len > 10)
		return (-1);
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9' ||
		    n > (max - (unsigned long)(v[i] - '0')) / 10)
			return (-1);
		n = n * 10 + (unsigned long)(v[i] - '0');
	}
	if (n > max)
		return (-1);
	*out = n;
	return (0);
}

/*
 * rua: a comma-separated list of URIs, each "scheme:rest" with an
 * optional "!size[kmgt]"; no white space inside a URI.
 */
static int
check_uris(const char *v, size_t len)
{
	size_t	 i, s, e, j, bang;

	for (s = 0; s <= len; s = i + 1) {
		for (i = s; i < len && v[i] != ','; i++)
			;
		e = i;
		while (s < e && is_wsp(v[s]))
			s++;
		while (e > s && is_wsp(v[e - 1]))
			e--;
		if (e == s)
			return (-1);
		/* scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
		if (!((v[s] >= 'a' && v[s] <= 'z') ||
		    (v[s] >= 'A' && v[s] <= 'Z')))
			return (-1);
		for (j = s; j < e && v[j] != ':'; j++)
			if (!((v[j] >= 'a' && v[j] <= 'z') ||
			    (v[j] >= 'A' && v[j] <= 'Z') ||
			    (v[j] >= '0' && v[j] <= '9') ||
			    v[j] == '+' || v[j] == '-' || v[j] == '.'))
				return (-1);
		if (j == e || j + 1 == e)
			return (-1);
		bang = e;
		for (j = s; j < e; j++) {
			if (is_wsp(v[j]))
				return (-1);
			if (v[j] == '!' && bang == e)
				bang = j;
		}
		if (bang < e) {
			/* "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] */
			j = bang + 1;
			if (j == e || v[j] < '0' || v[j] > '9')
				return (-1);
			while (j < e && v[j] >= '0' && v[j] <= '9')
				j++;
			if (j < e && strchr("kmgtKMGT", v[j]) != NULL)
				j++;
			if (j != e)
				return (-1);
		}
	}
	return (0);
}

/* As given, cut after the last whole URI that fits. */
static void
keep_rua(struct dmarc_record *r, const char *v, size_t len)
{
	size_t	 n = len;

	while (n >= sizeof(r->rua)) {
		while (n > 0 && v[n - 1] != ',')
			n--;
		if (n > 0)
			n--;		/* the comma */
	}
	memcpy(r->rua, v, n);
	r->rua[n] = '\0';
}

int
dmarc_record_parse(struct dmarc_record *r, const char *buf, size_t len,
    const char **err)
{
	enum { T_V, T_P, T_SP, T_PCT, T_ADKIM, T_ASPF, T_RUA, T_RUF, T_FO,
	    T_RF, T_RI, T_N };
	static const char *const names[T_N] = { "v", "p", "sp", "pct",
	    "adkim", "aspf", "rua", "ruf", "fo", "rf", "ri" };
	int		 seen[T_N], t, p_ok = 0, sp_ok = 1, rua_ok = 0;
	size_t		 i = 0, ns, ne, vs, ve, ntag = 0;
	unsigned long	 n;
	const char	*e = NULL;

	memset(r, 0, sizeof(*r));
	memset(seen, 0, sizeof(seen));
	r->pct = 100;
	if (memchr(buf, '\0', len) != NULL) {
		*err = "NUL in record";
		return (-1);
	}
	while (i < len) {
		/* [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS] ";" */
		while (i < len && is_wsp(buf[i]))
			i++;
		if (i < len && buf[i] == ';') {
			i++;		/* an empty tag-spec: tolerated */
			continue;
		}
		if (i == len)
			break;
		ns = i;
		if (!((buf[i] >= 'a' && buf[i] <= 'z') ||
		    (buf[i] >= 'A' && buf[i] <= 'Z'))) {
			*err = "bad tag name";
			return (-1);
		}
		while (i < len && ((buf[i] >= 'a' && buf[i] <= 'z') ||
		    (buf[i] >= 'A' && buf[i] <= 'Z') ||
		    (buf[i] >= '0' && buf[i] <= '9') || buf[i] == '_'))
			i++;
		ne = i;
		while (i < len && is_wsp(buf[i]))
			i++;
		if (i == len || buf[i] != '=') {
			*err = "tag without '='";
			return (-1);
		}
		i++;
		while (i < len && is_wsp(buf[i]))
			i++;
		vs = i;
		while (i < len && buf[i] != ';') {
			if ((unsigned char)buf[i] < 0x21 && !is_wsp(buf[i])) {
				*err = "control character in value";
				return (-1);
			}
			if ((unsigned char)buf[i] > 0x7e) {
				*err = "non-ASCII value";
				return (-1);
			}
			i++;
		}
		ve = i;
		while (ve > vs && is_wsp(buf[ve - 1]))
			ve--;
		if (i < len)
			i++;		/* ';' */

		for (t = 0; t < T_N; t++)
			if (ci_eq(buf + ns, ne - ns, names[t]))
				break;
		if (ntag++ == 0 && t != T_V) {
			*err = "v=DMARC1 is not first";
			return (-1);
		}
		if (t == T_N)
			continue;	/* unknown: ignored (6.3) */
		if (seen[t]) {
			*err = "duplicate tag";
			return (-1);
		}
		seen[t] = 1;
		switch (t) {
		case T_V:
			if (ntag != 1 || ve - vs != 6 ||
			    memcmp(buf + vs, "DMARC1", 6) != 0)
				e = "v=DMARC1 is not first";
			break;
		case T_P:
			p_ok = parse_policy(buf + vs, ve - vs, &r->p) == 0;
			break;
		case T_SP:
			sp_ok = parse_policy(buf + vs, ve - vs, &r->sp) == 0;
			break;
		/*
		 * 6.3: "Syntax errors in the remainder of the record SHOULD
		 * be discarded in favor of default values (if any) or
		 * ignored outright": a bad value of the other tags is.
		 */
		case T_PCT:
			if (parse_uint(buf + vs, ve - vs, 100, &n) == 0)
				r->pct = (int)n;
			break;
		case T_ADKIM:
		case T_ASPF:
			if (ci_eq(buf + vs, ve - vs, "s"))
				n = 1;
			else if (ci_eq(buf + vs, ve - vs, "r"))
				n = 0;
			else
				break;
			if (t == T_ADKIM)
				r->adkim_strict = (int)n;
			else
				r->aspf_strict = (int)n;
			break;
		case T_RUA:
			if (check_uris(buf + vs, ve - vs) == 0) {
				rua_ok = 1;
				keep_rua(r, buf + vs, ve - vs);
			}
			break;
		default:
			/* v, p, sp above; ruf, fo, rf, ri: not used here */
			break;
		}
		if (e != NULL) {
			*err = e;
			return (-1);
		}
	}
	if (ntag == 0) {
		*err = "empty record";
		return (-1);
	}
	if (!p_ok || !sp_ok) {
		/* 6.6.3 step 6: with a valid rua, as if p=none */
		if (!rua_ok) {
			*err = p_ok ? "bad sp" : seen[T_P] ? "bad p" :
			    "no p";
			return (-1);
		}
		r->p = DMARC_P_NONE;
		r->sp = DMARC_P_UNSET;
	}
	return (0);
}

/* "v" [WSP] "=" [WSP] "DMARC1" then WSP, ';' or the end. */
static int
starts_dmarc1(const char *s, size_t len)
{
	size_t	 i = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == len || (s[i] != 'v' && s[i] != 'V'))
		return (0);
	i++;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == len || s[i] != '=')
		return (0);
	i++;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (len - i < 6 || memcmp(s + i, "DMARC1", 6) != 0)
		return (0);
	i += 6;
	return (i == len || s[i] == ';' || is_wsp(s[i]));
}

/* --- alignment and the verdict ------------------------------------------- */

static int
aligned(const char *from, const char *id, int strict)
{
	char	 a[DMARC_DOMAIN_MAX], b[DMARC_DOMAIN_MAX];
	size_t	 la, lb;

	if (*id == '\0')
		return (0);
	if (strict) {
		la = strlen(from);
		lb = strlen(id);
		if (la > 0 && from[la - 1] == '.')
			la--;
		if (lb > 0 && id[lb - 1] == '.')
			lb--;
		return (la == lb && la > 0 && strncasecmp(from, id, la) == 0);
	}
	if (psl_org_domain(from, a, sizeof(a)) == -1 ||
	    psl_org_domain(id, b, sizeof(b)) == -1)
		return (0);
	return (strcmp(a, b) == 0);
}

static void
judge(struct dmarc *d, const struct dmarc_record *r)
{
	struct dmarc_outcome	*o = &d->out;
	size_t			 i;
	unsigned int		 draw;

	o->spf_aligned = d->in.spf == SPF_PASS &&
	    aligned(d->in.from_domain, d->in.spf_domain, r->aspf_strict);
	for (i = 0; i < d->in.ndkim && i < DKIM_SIG_MAX; i++)
		if (d->in.dkim[i].result == DKIM_PASS &&
		    aligned(d->in.from_domain, d->in.dkim[i].d,
		    r->adkim_strict))
			o->dkim_aligned = 1;
	/*
	 * sp applies to subdomains: when the record is the organisational
	 * domain's and the From domain is not that domain.
	 */
	if (d->at_org && r->sp != DMARC_P_UNSET)
		o->policy = r->sp;
	else
		o->policy = r->p;
	if (o->spf_aligned || o->dkim_aligned) {
		o->result = DMARC_PASS;
		o->disposition = DMARC_P_NONE;
		return;
	}
	o->result = DMARC_FAIL;
	o->disposition = o->policy;
	if (o->policy == DMARC_P_NONE || r->pct >= 100)
		return;
	draw = (dmarc_draw ? dmarc_draw : default_draw)();
	if (draw < (unsigned int)r->pct)
		return;
	/* not sampled: the next less strict policy (6.3 pct, 6.6.4) */
	o->disposition = o->policy == DMARC_P_REJECT ? DMARC_P_QUARANTINE :
	    DMARC_P_NONE;
}

/* --- the lookups --------------------------------------------------------- */

struct dmarc *
dmarc_check(resolver_query_fn query, const struct dmarc_input *in,
    dmarc_cb done, void *arg)
{
	struct dmarc	*d;
	char		 name[DMARC_DOMAIN_MAX + 8];
	size_t		 len;
	int		 n;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return (NULL);
	d->query = query;
	d->in = *in;
	d->in.from_domain[sizeof(d->in.from_domain) - 1] = '\0';
	d->in.spf_domain[sizeof(d->in.spf_domain) - 1] = '\0';
	for (len = 0; len < DKIM_SIG_MAX; len++)
		d->in.dkim[len].d[sizeof(d->in.dkim[len].d) - 1] = '\0';
	d->done = done;
	d->arg = arg;
	d->out.result = DMARC_NONE;
	d->out.policy = DMARC_P_UNSET;
	d->out.disposition = DMARC_P_NONE;
	evtimer_set(&d->ev, finish_cb, d);

	/* header.from, lower-cased, without a final dot */
	len = strlen(d->in.from_domain);
	if (len > 0 && d->in.from_domain[len - 1] == '.')
		d->in.from_domain[--len] = '\0';
	for (n = 0; (size_t)n < len; n++)
		if (d->in.from_domain[n] >= 'A' && d->in.from_domain[n] <= 'Z')
			d->in.from_domain[n] += 'a' - 'A';
	memcpy(d->out.domain, d->in.from_domain, len + 1);

	if (len == 0 && d->in.from_unusable) {
		/* RFC 7489 6.6.1: no single author domain to judge */
		(void)strlcpy(d->out.reason, "no single From domain",
		    sizeof(d->out.reason));
		d->out.result = DMARC_PERMERROR;
		d->out.disposition = DMARC_P_REJECT;
		finish_later(d);
		return (d);
	}
	if (len == 0) {
		(void)strlcpy(d->out.reason, "no From domain",
		    sizeof(d->out.reason));
		finish_later(d);
		return (d);
	}
	if (psl_org_domain(d->in.from_domain, d->org, sizeof(d->org)) == -1) {
		(void)strlcpy(d->out.reason, "invalid From domain",
		    sizeof(d->out.reason));
		d->out.result = DMARC_PERMERROR;
		finish_later(d);
		return (d);
	}
	n = snprintf(name, sizeof(name), "_dmarc.%s", d->in.from_domain);
	if (n < 0 || (size_t)n >= sizeof(name) || n > 253) {
		(void)strlcpy(d->out.reason, "From domain too long",
		    sizeof(d->out.reason));
		d->out.result = DMARC_PERMERROR;
		finish_later(d);
		return (d);
	}
	lookup(d, name);
	return (d);
}

void
dmarc_cancel(struct dmarc *d)
{
	if (d == NULL)
		return;
	evtimer_del(&d->ev);
	if (d->inflight) {
		d->cancelled = 1;	/* freed when the answer comes */
		return;
	}
	free(d);
}

static void
finish_later(struct dmarc *d)
{
	struct timeval	 tv = { 0, 0 };

	evtimer_add(&d->ev, &tv);
}

static void
finish_cb(int fd, short ev, void *arg)
{
	struct dmarc	*d = arg;

	d->done(d->arg, &d->out);
	free(d);
}

static void
lookup(struct dmarc *d, const char *name)
{
	d->inflight = 1;
	d->query(name, DNS_T_TXT, answer_cb, d);
}

/*
 * The DMARC records of an answer: 0 none, 1 one (parsed into *r, *bad
 * set if it does not parse), 2 more than one; -1 malformed answer.
 */
static int
read_answer(struct dmarc *d, const uint8_t *pkt, size_t len,
    struct dmarc_record *r, int *bad)
{
	struct dns_msg	 msg;
	struct dns_rr	 rr;
	ssize_t		 n;
	int		 found = 0, rv;
	const char	*err = NULL;
	size_t		 l;

	*bad = 0;
	if (dns_msg_init(&msg, pkt, len) == -1)
		return (-1);
	while ((rv = dns_msg_next(&msg, &rr)) == 1) {
		if (rr.type != DNS_T_TXT || rr.class != DNS_C_IN)
			continue;
		n = dns_txt_join(&rr, d->txt, sizeof(d->txt));
		if (n == -1) {
			/* too long to keep: look at its first string */
			if (rr.rdlen < 1)
				continue;
			l = rr.rdata[0];
			if (l > (size_t)rr.rdlen - 1)
				l = (size_t)rr.rdlen - 1;
			if (!starts_dmarc1((const char *)rr.rdata + 1, l))
				continue;
			if (found++ == 0) {
				*bad = 1;
				(void)strlcpy(d->out.reason,
				    "DMARC record too long",
				    sizeof(d->out.reason));
			}
			continue;
		}
		if (!starts_dmarc1(d->txt, (size_t)n))
			continue;
		if (found++ > 0)
			continue;
		if (dmarc_record_parse(r, d->txt, (size_t)n, &err) == -1) {
			*bad = 1;
			(void)snprintf(d->out.reason, sizeof(d->out.reason),
			    "malformed DMARC record: %s", err);
		}
	}
	if (rv == -1)
		return (-1);
	return (found > 1 ? 2 : found);
}

static void
answer_cb(void *arg, int status, const uint8_t *pkt, size_t len, int secure)
{
	struct dmarc		*d = arg;
	struct dmarc_record	 r;
	char			 name[DMARC_DOMAIN_MAX + 8];
	int			 found = 0, bad = 0;

	d->inflight = 0;
	if (d->cancelled) {
		free(d);
		return;
	}
	if (status == RESOLVER_OK)
		found = read_answer(d, pkt, len, &r, &bad);
	else if (status != RESOLVER_NXDOMAIN)
		found = -1;

	if (found == -1) {
		d->out.result = DMARC_TEMPERROR;
		(void)snprintf(d->out.reason, sizeof(d->out.reason),
		    "DNS lookup of _dmarc.%.80s failed",
		    d->at_org ? d->org : d->in.from_domain);
	} else if (found == 0 && !d->at_org &&
	    strcmp(d->org, d->in.from_domain) != 0) {
		/* nothing at the From domain: its organisational domain */
		d->at_org = 1;
		(void)snprintf(name, sizeof(name), "_dmarc.%s", d->org);
		lookup(d, name);
		return;
	} else if (found == 0) {
		d->out.result = DMARC_NONE;
		d->out.reason[0] = '\0';
	} else if (found == 2) {
		d->out.result = DMARC_NONE;
		(void)strlcpy(d->out.reason, "multiple DMARC records",
		    sizeof(d->out.reason));
	} else if (bad) {
		d->out.result = DMARC_PERMERROR;
	} else {
		d->out.reason[0] = '\0';
		judge(d, &r);
	}
	/* answer_cb runs from the event loop: done() may be called here */
	d->done(d->arg, &d->out);
	free(d);
}
