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
 * dns.c -- DNS answers in wire format (see dns.h).
 *
 * SECURITY: this reads what the network sent.  Each read is preceded by
 * a check that the bytes are inside the packet (dns_need()); sizes of
 * output buffers are checked before every write; compression pointers
 * must go backwards (before the segment being read), so that following
 * them always ends; a name longer than DNS_NAME_MAX octets is an error.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dns.h"

/* a record's fixed part after its owner: type, class, ttl, rdlength */
#define DNS_RR_FIXED		10
#define DNS_PTR_MASK		0xc0
/* pointers one name may follow: each label takes >= 2 octets */
#define DNS_PTR_HOPS_MAX	(DNS_NAME_MAX / 2 + 1)

static int	dns_need(size_t, size_t, size_t);
static uint16_t	dns_u16(const uint8_t *);
static uint32_t	dns_u32(const uint8_t *);
static int	dns_label_text(const uint8_t *, size_t, char *, size_t,
		    size_t *);
static int	dns_rdata_name(const struct dns_msg *, size_t, size_t,
		    char *, size_t);
static int	dns_rdata(const struct dns_msg *, struct dns_rr *, size_t);
static int	dns_rdata_txt(struct dns_rr *);

/* 1 if n bytes at off are inside a buffer of len bytes. */
static int
dns_need(size_t len, size_t off, size_t n)
{
	return (off <= len && n <= len - off);
}

static uint16_t
dns_u16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static uint32_t
dns_u32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

/* Append one label, escaped, at out[*o]: 0, or -1 if it does not fit. */
static int
dns_label_text(const uint8_t *lab, size_t n, char *out, size_t outsize,
    size_t *o)
{
	size_t	 i;
	int	 w;

	for (i = 0; i < n; i++) {
		if (lab[i] == '.' || lab[i] == '\\') {
			if (outsize - *o < 3)
				return (-1);
			out[(*o)++] = '\\';
			out[(*o)++] = (char)lab[i];
		} else if (lab[i] > ' ' && lab[i] <= '~') {
			if (outsize - *o < 2)
				return (-1);
			out[(*o)++] = (char)lab[i];
		} else {
			if (outsize - *o < 5)
				return (-1);
			w = snprintf(out + *o, outsize - *o, "\\%03u",
			    (unsigned)lab[i]);
			if (w != 4)
				return (-1);
			*o += 4;
		}
	}
	out[*o] = '\0';
	return (0);
}

int
dns_name_read(const uint8_t *buf, size_t len, size_t *off, char *out,
    size_t outsize)
{
	size_t	 pos = *off, seg, end = 0, o = 0, wire = 0, ptr;
	int	 hops = 0, jumped = 0;
	uint8_t	 c;

	seg = pos;		/* the segment a pointer must point before */
	if (outsize < 2)
		return (-1);
	out[0] = '\0';
	for (;;) {
		if (!dns_need(len, pos, 1))
			return (-1);
		c = buf[pos];
		if ((c & DNS_PTR_MASK) == DNS_PTR_MASK) {
			if (!dns_need(len, pos, 2))
				return (-1);
			ptr = (size_t)(c & ~DNS_PTR_MASK) << 8 | buf[pos + 1];
			/* backwards, before this segment, past the header */
			if (ptr >= seg || ptr < DNS_HEADER_LEN ||
			    ++hops > DNS_PTR_HOPS_MAX)
				return (-1);
			if (!jumped)
				end = pos + 2;
			jumped = 1;
			pos = seg = ptr;
			continue;
		}
		if ((c & DNS_PTR_MASK) != 0)
			return (-1);	/* 0x40, 0x80: no such label types */
		wire += (size_t)c + 1;
		if (wire > DNS_NAME_MAX || !dns_need(len, pos + 1, c))
			return (-1);
		if (c == 0)
			break;
		if (o > 0) {
			if (outsize - o < 2)
				return (-1);
			out[o++] = '.';
		}
		if (dns_label_text(buf + pos + 1, c, out, outsize, &o) == -1)
			return (-1);
		pos += (size_t)c + 1;
	}
	if (o == 0) {
		out[0] = '.';
		out[1] = '\0';
	}
	*off = jumped ? end : pos + 1;
	return (0);
}

int
dns_name_equal(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);

	/* a final unescaped dot is not part of the name ("." is root) */
	if (la > 1 && a[la - 1] == '.' && a[la - 2] != '\\')
		la--;
	if (lb > 1 && b[lb - 1] == '.' && b[lb - 2] != '\\')
		lb--;
	return (la == lb && strncasecmp(a, b, la) == 0);
}

int
dns_msg_init(struct dns_msg *msg, const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	size_t		 pos;
	uint16_t	 i;
	char		 name[DNS_NAMETEXT_MAX];

	memset(msg, 0, sizeof(*msg));
	if (buf == NULL || !dns_need(len, 0, DNS_HEADER_LEN))
		return (-1);
	msg->buf = p;
	msg->len = len;
	msg->id = dns_u16(p);
	msg->qr = (p[2] & 0x80) != 0;
	msg->opcode = (p[2] >> 3) & 0x0f;
	msg->aa = (p[2] & 0x04) != 0;
	msg->tc = (p[2] & 0x02) != 0;
	msg->rd = (p[2] & 0x01) != 0;
	msg->ra = (p[3] & 0x80) != 0;
	msg->ad = (p[3] & 0x20) != 0;
	msg->rcode = p[3] & 0x0f;
	msg->qdcount = dns_u16(p + 4);
	msg->ancount = dns_u16(p + 6);
	msg->nscount = dns_u16(p + 8);
	msg->arcount = dns_u16(p + 10);
	pos = DNS_HEADER_LEN;
	for (i = 0; i < msg->qdcount; i++) {
		if (dns_name_read(p, len, &pos, name, sizeof(name)) == -1 ||
		    !dns_need(len, pos, 4))
			return (-1);
		if (i == 0) {
			memcpy(msg->qname, name, sizeof(msg->qname));
			msg->qtype = dns_u16(p + pos);
			msg->qclass = dns_u16(p + pos + 2);
		}
		pos += 4;
	}
	msg->pos = pos;
	msg->left = msg->ancount;
	return (0);
}

/* A name filling rdata [off, end) exactly: 0 or -1. */
static int
dns_rdata_name(const struct dns_msg *msg, size_t off, size_t end, char *out,
    size_t outsize)
{
	if (dns_name_read(msg->buf, msg->len, &off, out, outsize) == -1)
		return (-1);
	return (off == end ? 0 : -1);
}

/* One or more <character-string>s filling the rdata exactly. */
static int
dns_rdata_txt(struct dns_rr *rr)
{
	size_t	 i = 0, n;

	rr->u.txt.nstrings = 0;
	rr->u.txt.len = 0;
	if (rr->rdlen == 0)
		return (-1);
	while (i < rr->rdlen) {
		n = rr->rdata[i];
		if (!dns_need(rr->rdlen, i + 1, n))
			return (-1);
		rr->u.txt.nstrings++;
		rr->u.txt.len += n;
		i += n + 1;
	}
	return (0);
}

/* Decode the rdata of rr, which starts at off in the message. */
static int
dns_rdata(const struct dns_msg *msg, struct dns_rr *rr, size_t off)
{
	size_t	 end = off + rr->rdlen;

	switch (rr->type) {
	case DNS_T_A:
		if (rr->rdlen != sizeof(rr->u.a))
			return (-1);
		memcpy(&rr->u.a, rr->rdata, sizeof(rr->u.a));
		return (0);
	case DNS_T_AAAA:
		if (rr->rdlen != sizeof(rr->u.aaaa))
			return (-1);
		memcpy(&rr->u.aaaa, rr->rdata, sizeof(rr->u.aaaa));
		return (0);
	case DNS_T_CNAME:
	case DNS_T_NS:
	case DNS_T_PTR:
		return (dns_rdata_name(msg, off, end, rr->u.target,
		    sizeof(rr->u.target)));
	case DNS_T_MX:
		if (rr->rdlen < 3)
			return (-1);
		rr->u.mx.pref = dns_u16(rr->rdata);
		return (dns_rdata_name(msg, off + 2, end, rr->u.mx.exchange,
		    sizeof(rr->u.mx.exchange)));
	case DNS_T_TXT:
		return (dns_rdata_txt(rr));
	case DNS_T_TLSA:
		if (rr->rdlen < 3)
			return (-1);
		rr->u.tlsa.usage = rr->rdata[0];
		rr->u.tlsa.selector = rr->rdata[1];
		rr->u.tlsa.mtype = rr->rdata[2];
		rr->u.tlsa.data = rr->rdata + 3;
		rr->u.tlsa.len = (size_t)rr->rdlen - 3;
		return (0);
	default:
		return (0);	/* the raw rdata only */
	}
}

int
dns_msg_next(struct dns_msg *msg, struct dns_rr *rr)
{
	size_t	 pos = msg->pos;

	if (msg->left == 0)
		return (0);
	memset(rr, 0, sizeof(*rr));
	if (dns_name_read(msg->buf, msg->len, &pos, rr->name,
	    sizeof(rr->name)) == -1 ||
	    !dns_need(msg->len, pos, DNS_RR_FIXED))
		goto bad;
	rr->type = dns_u16(msg->buf + pos);
	rr->class = dns_u16(msg->buf + pos + 2);
	rr->ttl = dns_u32(msg->buf + pos + 4);
	rr->rdlen = dns_u16(msg->buf + pos + 8);
	pos += DNS_RR_FIXED;
	if (!dns_need(msg->len, pos, rr->rdlen))
		goto bad;
	rr->rdata = msg->buf + pos;
	if (dns_rdata(msg, rr, pos) == -1)
		goto bad;
	msg->pos = pos + rr->rdlen;
	msg->left--;
	return (1);
 bad:
	msg->left = 0;		/* nothing more is read from this packet */
	return (-1);
}

ssize_t
dns_txt_join(const struct dns_rr *rr, char *buf, size_t size)
{
	size_t	 i = 0, o = 0, n;

	if (rr->type != DNS_T_TXT || size == 0 || rr->u.txt.len >= size)
		return (-1);
	while (i < rr->rdlen) {
		n = rr->rdata[i];
		if (!dns_need(rr->rdlen, i + 1, n) || n > size - 1 - o)
			return (-1);
		memcpy(buf + o, rr->rdata + i + 1, n);
		o += n;
		i += n + 1;
	}
	buf[o] = '\0';
	return ((ssize_t)o);
}
