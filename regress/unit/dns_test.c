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
 * dns_test.c -- unit tests for common/dns.c: hand-built answers of each
 * type (A, AAAA, CNAME, MX, TXT, TLSA, an unknown one), compression, the
 * header fields; then malformed packets: every valid packet truncated
 * at every byte (each copy in a buffer of its exact size, so that ASan
 * sees a read past it), pointer loops, pointers forwards, out of the
 * packet and into the header, names over 255 octets (directly and
 * through pointers), reserved label types, rdata lengths that lie.
 * Each must give -1, never a crash or a record read past the end.
 */

#include <sys/types.h>
#include <arpa/inet.h>

#include <atf-c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

struct pkt {
	uint8_t	 b[4096];
	size_t	 n;
};

static void	 put(struct pkt *, const void *, size_t);
static void	 put8(struct pkt *, unsigned);
static void	 put16(struct pkt *, unsigned);
static void	 putname(struct pkt *, const char *);
static void	 header(struct pkt *, unsigned, unsigned, unsigned);
static void	 question(struct pkt *, const char *, unsigned);
static size_t	 rr_start(struct pkt *, const char *, unsigned);
static void	 rr_end(struct pkt *, size_t);
static int	 read_all(const uint8_t *, size_t, int *);
static void	 all_prefixes_fail(const struct pkt *);

static void
put(struct pkt *p, const void *d, size_t n)
{
	ATF_REQUIRE(p->n + n <= sizeof(p->b));
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void
put8(struct pkt *p, unsigned v)
{
	uint8_t	 c = (uint8_t)v;

	put(p, &c, 1);
}

static void
put16(struct pkt *p, unsigned v)
{
	put8(p, v >> 8);
	put8(p, v & 0xff);
}

/* "a.b" -> 1a1b0; "" -> root; "@N" appends a pointer to offset N. */
static void
putname(struct pkt *p, const char *name)
{
	const char	*dot;
	size_t		 n;

	while (*name != '\0') {
		if (*name == '@') {
			n = strtoul(name + 1, NULL, 10);
			put16(p, 0xc000 | (unsigned)n);
			return;
		}
		dot = strchr(name, '.');
		n = dot != NULL ? (size_t)(dot - name) : strlen(name);
		put8(p, (unsigned)n);
		put(p, name, n);
		name += n;
		if (*name == '.')
			name++;
	}
	put8(p, 0);
}

/* id 0x1234, QR RD RA, rcode, 1 question, an answers */
static void
header(struct pkt *p, unsigned flags, unsigned rcode, unsigned an)
{
	p->n = 0;
	put16(p, 0x1234);
	put16(p, 0x8180 | flags | rcode);
	put16(p, 1);
	put16(p, an);
	put16(p, 0);
	put16(p, 0);
}

static void
question(struct pkt *p, const char *name, unsigned type)
{
	putname(p, name);
	put16(p, type);
	put16(p, DNS_C_IN);
}

/* Owner, type, class IN, ttl 300, rdlength to fill: its offset. */
static size_t
rr_start(struct pkt *p, const char *name, unsigned type)
{
	size_t	 at;

	putname(p, name);
	put16(p, type);
	put16(p, DNS_C_IN);
	put16(p, 0);
	put16(p, 300);
	at = p->n;
	put16(p, 0);
	return (at);
}

static void
rr_end(struct pkt *p, size_t at)
{
	size_t	 len = p->n - at - 2;

	p->b[at] = (uint8_t)(len >> 8);
	p->b[at + 1] = (uint8_t)len;
}

/* Records read (*err: the last call returned -1), or -1 if init fails. */
static int
read_all(const uint8_t *buf, size_t len, int *err)
{
	struct dns_msg	 msg;
	struct dns_rr	*rr;
	int		 n = 0, r;

	*err = 0;
	if (dns_msg_init(&msg, buf, len) == -1)
		return (-1);
	ATF_REQUIRE((rr = malloc(sizeof(*rr))) != NULL);
	while ((r = dns_msg_next(&msg, rr)) == 1) {
		ATF_REQUIRE(rr->rdata >= buf &&
		    rr->rdata + rr->rdlen <= buf + len);
		ATF_REQUIRE(strlen(rr->name) < sizeof(rr->name));
		n++;
	}
	free(rr);
	*err = r == -1;
	return (n);
}

/* Every strict prefix of p, in a buffer of its size: an error. */
static void
all_prefixes_fail(const struct pkt *p)
{
	uint8_t	*buf;
	size_t	 len;
	int	 n, err;

	for (len = 0; len < p->n; len++) {
		ATF_REQUIRE((buf = malloc(len > 0 ? len : 1)) != NULL);
		memcpy(buf, p->b, len);
		n = read_all(buf, len, &err);
		ATF_CHECK_MSG(n == -1 || err,
		    "prefix of %zu/%zu bytes read without error", len, p->n);
		free(buf);
	}
	ATF_REQUIRE(read_all(p->b, p->n, &err) >= 0 && !err);
}

ATF_TC_WITHOUT_HEAD(header_fields);
ATF_TC_BODY(header_fields, tc)
{
	struct pkt	p;
	struct dns_msg	msg;
	struct dns_rr	rr;

	header(&p, 0x0200 | 0x0020, DNS_R_NXDOMAIN, 0);
	question(&p, "nx.example.org", DNS_T_MX);
	ATF_REQUIRE(dns_msg_init(&msg, p.b, p.n) == 0);
	ATF_CHECK_EQ(msg.id, 0x1234);
	ATF_CHECK(msg.qr && msg.rd && msg.ra && msg.tc && msg.ad);
	ATF_CHECK(!msg.aa);
	ATF_CHECK_EQ(msg.rcode, DNS_R_NXDOMAIN);
	ATF_CHECK_EQ(msg.qdcount, 1);
	ATF_CHECK_EQ(msg.ancount, 0);
	ATF_CHECK_STREQ(msg.qname, "nx.example.org");
	ATF_CHECK_EQ(msg.qtype, DNS_T_MX);
	ATF_CHECK_EQ(msg.qclass, DNS_C_IN);
	ATF_CHECK_EQ(dns_msg_next(&msg, &rr), 0);
	all_prefixes_fail(&p);

	/* a root question, no question at all */
	header(&p, 0, 0, 0);
	question(&p, "", DNS_T_MX);
	ATF_REQUIRE(dns_msg_init(&msg, p.b, p.n) == 0);
	ATF_CHECK_STREQ(msg.qname, ".");
	p.n = 0;
	put16(&p, 1);
	put16(&p, 0x8183);
	put16(&p, 0);
	put16(&p, 0);
	put16(&p, 0);
	put16(&p, 0);
	ATF_REQUIRE(dns_msg_init(&msg, p.b, p.n) == 0);
	ATF_CHECK_STREQ(msg.qname, "");
	ATF_CHECK_EQ(msg.rcode, DNS_R_NXDOMAIN);
	ATF_CHECK(dns_msg_init(&msg, p.b, 11) == -1);
	ATF_CHECK(dns_msg_init(&msg, NULL, 0) == -1);
}

ATF_TC_WITHOUT_HEAD(mx_compressed);
ATF_TC_BODY(mx_compressed, tc)
{
	struct pkt	p;
	struct dns_msg	msg;
	struct dns_rr	rr;
	size_t		at;

	header(&p, 0, 0, 3);
	question(&p, "Example.ORG", DNS_T_MX);
	/* owner: pointer to the question; exchange: "mx1" + pointer */
	at = rr_start(&p, "@12", DNS_T_MX);
	put16(&p, 10);
	putname(&p, "mx1.@12");
	rr_end(&p, at);
	/* exchange uncompressed */
	at = rr_start(&p, "@12", DNS_T_MX);
	put16(&p, 20);
	putname(&p, "mx2.example.org");
	rr_end(&p, at);
	/* null MX */
	at = rr_start(&p, "@12", DNS_T_MX);
	put16(&p, 0);
	putname(&p, "");
	rr_end(&p, at);

	ATF_REQUIRE(dns_msg_init(&msg, p.b, p.n) == 0);
	ATF_REQUIRE_EQ(dns_msg_next(&msg, &rr), 1);
	ATF_CHECK_STREQ(rr.name, "Example.ORG");
	ATF_CHECK_EQ(rr.type, DNS_T_MX);
	ATF_CHECK_EQ(rr.class, DNS_C_IN);
	ATF_CHECK_EQ(rr.ttl, 300);
	ATF_CHECK_EQ(rr.u.mx.pref, 10);
	ATF_CHECK_STREQ(rr.u.mx.exchange, "mx1.Example.ORG");
	ATF_REQUIRE_EQ(dns_msg_next(&msg, &rr), 1);
	ATF_CHECK_EQ(rr.u.mx.pref, 20);
	ATF_CHECK_STREQ(rr.u.mx.exchange, "mx2.example.org");
	ATF_REQUIRE_EQ(dns_msg_next(&msg, &rr), 1);
	ATF_CHECK_EQ(rr.u.mx.pref, 0);
	ATF_CHECK_STREQ(rr.u.mx.exchange, ".");
	ATF_CHECK_EQ(dns_msg_next(&msg, &rr), 0);
	ATF_CHECK_EQ(dns_msg_next(&msg, &rr), 0);
	all_prefixes_fail(&p);

	ATF_CHECK(dns_name_equal("mx1.example.org", "MX1.Example.Org."));
	ATF_CHECK(dns_name_equal(".", "."));
	ATF_CHECK(!dns_name_equal("mx1.example.org", "mx1.example.or"));
	ATF_CHECK(!dns_name_equal("a\\.", "a"));
}

ATF_TC_WITHOUT_HEAD(addresses_and_cname);
ATF_TC_BODY(addresses_and_cname, tc)
{
	struct pkt	p;
	struct dns_msg	msg;
	struct dns_rr	rr;
	struct in_addr	a4;
	struct in6_addr	a6;
	size_t		at, target;
	char		text[INET6_ADDRSTRLEN], owner[16];

	header(&p, 0, 0, 3);
	question(&p, "www.example.org", DNS_T_A);
	at = rr_start(&p, "@12", DNS_T_CNAME);
	target = p.n;
	putname(&p, "host.@16");	/* "example.org" of the question */
	rr_end(&p, at);
	(void)snprintf(owner, sizeof(owner), "@%zu", target);
	at = rr_start(&p, owner, DNS_T_A);	/* owner: the CNAME's target */
	ATF_REQUIRE(inet_pton(AF_INET, "192.0.2.1", &a4) == 1);
	put(&p, &a4, sizeof(a4));
	rr_end(&p, at);
	at = rr_start(&p, "host.@16", DNS_T_AAAA);
	ATF_REQUIRE(inet_pton(AF_INET6, "2001:db8::25", &a6) == 1);
	put(&p, &a6, sizeof(a6));
	rr_end(&p, at);

	ATF_REQUIRE(dns_msg_init(&msg, p.b, p.n) == 0);
	ATF_REQUIRE_EQ(dns_msg_next(&msg, &rr), 1);
	ATF_CHECK_EQ(rr.type, DNS_T_CNAME);
	ATF_CHECK_STREQ(rr.name, "www.example.org");
	ATF_CHECK_STREQ(rr.u.target, "host.example.org");
	ATF_REQUIRE_EQ(dns_msg_next(&msg, &rr), 1);
	ATF_CHECK_EQ(rr.type, DNS_T_A);
	ATF_CHECK_STREQ(rr.name, "host.example.org");
	ATF_CHECK_EQ(rr.ttl, 300);
	ATF_CHECK(inet_ntop(AF_INET, &rr.u.a, text, sizeof(text)) != NULL);
	ATF_CHECK_STREQ(text, "192.0.2.1");
	ATF_REQUIRE_EQ(dns_msg_next(&msg, &rr), 1);
	ATF_CHECK_EQ(rr.type, DNS_T_AAAA);
	ATF_CHECK(inet_ntop(AF_INET6, &rr.u.aaaa, text, sizeof(text)) !=
	    NULL);
	ATF_CHECK_STREQ(text, "2001:db8::25");
	ATF_CHECK_EQ(dns_msg_next(&msg, &rr), 0);
	all_prefixes_fail(&p);
}

ATF_TC_WITHOUT_HEAD(txt_tlsa_other);
ATF_TC_BODY(txt_tlsa_other, tc)
{
	struct pkt	p;
	struct dns_msg	msg;
	struct dns_rr	rr;
	size_t		at;
	char		buf[64], small[8];
	uint8_t		digest[32];

	header(&p, 0, 0, 4);
	question(&p, "example.org", DNS_T_TXT);
	at = rr_start(&p, "@12", DNS_T_TXT);
	put8(&p, 6);
	put(&p, "v=spf1", 6);
	put8(&p, 0);			/* an empty string */
	put8(&p, 5);
	put(&p, " -all", 5);
	rr_end(&p, at);
	at = rr_start(&p, "_25._tcp.mx.@12", DNS_T_TLSA);
	put8(&p, 3);
	put8(&p, 1);
	put8(&p, 1);
	memset(digest, 0xab, sizeof(digest));
	put(&p, digest, sizeof(digest));
	rr_end(&p, at);
	at = rr_start(&p, "@12", 99);	/* SPF: raw rdata only */
	put8(&p, 3);
	put(&p, "abc", 3);
	rr_end(&p, at);
	/* escapes in a label: a dot, a backslash, a control byte */
	at = rr_start(&p, "@12", DNS_T_CNAME);
	put8(&p, 5);
	put(&p, "a.b\\\001", 5);
	put8(&p, 0);
	rr_end(&p, at);

	ATF_REQUIRE(dns_msg_init(&msg, p.b, p.n) == 0);
	ATF_REQUIRE_EQ(dns_msg_next(&msg, &rr), 1);
	ATF_CHECK_EQ(rr.type, DNS_T_TXT);
	ATF_CHECK_EQ(rr.u.txt.nstrings, 3);
	ATF_CHECK_EQ(rr.u.txt.len, 11);
	ATF_CHECK_EQ(dns_txt_join(&rr, buf, sizeof(buf)), 11);
	ATF_CHECK_STREQ(buf, "v=spf1 -all");
	ATF_CHECK_EQ(dns_txt_join(&rr, small, sizeof(small)), -1);
	ATF_CHECK_EQ(dns_txt_join(&rr, buf, 11), -1);
	ATF_CHECK_EQ(dns_txt_join(&rr, buf, 12), 11);
	ATF_REQUIRE_EQ(dns_msg_next(&msg, &rr), 1);
	ATF_CHECK_EQ(rr.type, DNS_T_TLSA);
	ATF_CHECK_STREQ(rr.name, "_25._tcp.mx.example.org");
	ATF_CHECK_EQ(rr.u.tlsa.usage, 3);
	ATF_CHECK_EQ(rr.u.tlsa.selector, 1);
	ATF_CHECK_EQ(rr.u.tlsa.mtype, 1);
	ATF_CHECK_EQ(rr.u.tlsa.len, 32);
	ATF_CHECK(memcmp(rr.u.tlsa.data, digest, 32) == 0);
	ATF_CHECK_EQ(dns_txt_join(&rr, buf, sizeof(buf)), -1);
	ATF_REQUIRE_EQ(dns_msg_next(&msg, &rr), 1);
	ATF_CHECK_EQ(rr.type, 99);
	ATF_CHECK_EQ(rr.rdlen, 4);
	ATF_CHECK(memcmp(rr.rdata, "\003abc", 4) == 0);
	ATF_REQUIRE_EQ(dns_msg_next(&msg, &rr), 1);
	ATF_CHECK_STREQ(rr.u.target, "a\\.b\\\\\\001");
	ATF_CHECK_EQ(dns_msg_next(&msg, &rr), 0);
	all_prefixes_fail(&p);
}

/* A packet with one MX whose exchange is built by the caller. */
static size_t
mx_packet(struct pkt *p)
{
	header(p, 0, 0, 1);
	question(p, "example.org", DNS_T_MX);	/* 12..29 */
	return (rr_start(p, "@12", DNS_T_MX));
}

static int
next_fails(const struct pkt *p)
{
	struct dns_msg	msg;
	struct dns_rr	rr;

	if (dns_msg_init(&msg, p->b, p->n) == -1)
		return (1);
	return (dns_msg_next(&msg, &rr) == -1 &&
	    dns_msg_next(&msg, &rr) == 0);
}

ATF_TC_WITHOUT_HEAD(pointers_bad);
ATF_TC_BODY(pointers_bad, tc)
{
	struct pkt	p;
	struct dns_msg	msg;
	size_t		at, self;

	/* a pointer to itself */
	at = mx_packet(&p);
	put16(&p, 10);
	self = p.n;
	put16(&p, 0xc000 | (unsigned)self);
	rr_end(&p, at);
	ATF_CHECK(next_fails(&p));

	/* a label, then a pointer back to that label: a loop */
	at = mx_packet(&p);
	put16(&p, 10);
	self = p.n;
	put8(&p, 1);
	put8(&p, 'a');
	put16(&p, 0xc000 | (unsigned)self);
	rr_end(&p, at);
	ATF_CHECK(next_fails(&p));

	/* a second question of two pointers at each other */
	header(&p, 0, 0, 0);
	question(&p, "a.b", DNS_T_MX);
	self = p.n;
	put16(&p, 0xc000 | (unsigned)(self + 2));
	put16(&p, 0xc000 | (unsigned)self);
	p.b[5] = 2;		/* qdcount 2: the second question starts there */
	put16(&p, DNS_T_MX);
	put16(&p, DNS_C_IN);
	ATF_CHECK(dns_msg_init(&msg, p.b, p.n) == -1);

	/* forwards */
	at = mx_packet(&p);
	put16(&p, 10);
	put16(&p, 0xc000 | (unsigned)(p.n + 2));
	put8(&p, 0);
	rr_end(&p, at);
	ATF_CHECK(next_fails(&p));

	/* outside the packet */
	at = mx_packet(&p);
	put16(&p, 10);
	put16(&p, 0xc000 | 0x3fff);
	rr_end(&p, at);
	ATF_CHECK(next_fails(&p));

	/* into the header */
	at = mx_packet(&p);
	put16(&p, 10);
	put16(&p, 0xc000 | 4);
	rr_end(&p, at);
	ATF_CHECK(next_fails(&p));

	/* a pointer in the question name (nothing before it) */
	header(&p, 0, 0, 0);
	put16(&p, 0xc000 | 12);
	put16(&p, DNS_T_MX);
	put16(&p, DNS_C_IN);
	ATF_CHECK(dns_msg_init(&msg, p.b, p.n) == -1);

	/* reserved label types 0x40 and 0x80 */
	at = mx_packet(&p);
	put16(&p, 10);
	put8(&p, 0x41);
	put8(&p, 'a');
	put8(&p, 0);
	rr_end(&p, at);
	ATF_CHECK(next_fails(&p));
	at = mx_packet(&p);
	put16(&p, 10);
	put8(&p, 0x81);
	put8(&p, 'a');
	put8(&p, 0);
	rr_end(&p, at);
	ATF_CHECK(next_fails(&p));
}

ATF_TC_WITHOUT_HEAD(names_too_long);
ATF_TC_BODY(names_too_long, tc)
{
	struct pkt	p;
	struct dns_msg	msg;
	struct dns_rr	rr;
	size_t		at, i, mid;
	char		out[16];

	/* 127 labels "a" and the root: 255 octets, the limit */
	at = mx_packet(&p);
	put16(&p, 10);
	for (i = 0; i < 127; i++) {
		put8(&p, 1);
		put8(&p, 'a');
	}
	put8(&p, 0);
	rr_end(&p, at);
	ATF_REQUIRE(dns_msg_init(&msg, p.b, p.n) == 0);
	ATF_REQUIRE_EQ(dns_msg_next(&msg, &rr), 1);
	ATF_CHECK_EQ(strlen(rr.u.mx.exchange), 253);

	/* one more octet: 256 */
	at = mx_packet(&p);
	put16(&p, 10);
	put8(&p, 2);
	put(&p, "bb", 2);
	for (i = 0; i < 126; i++) {
		put8(&p, 1);
		put8(&p, 'a');
	}
	put8(&p, 0);
	rr_end(&p, at);
	ATF_CHECK(next_fails(&p));

	/* over 255 through pointers: 100 + the 100 it points to + more */
	header(&p, 0, 0, 1);
	question(&p, "example.org", DNS_T_MX);
	at = rr_start(&p, "@12", DNS_T_MX);
	put16(&p, 10);
	mid = p.n;
	for (i = 0; i < 100; i++) {
		put8(&p, 1);
		put8(&p, 'a');
	}
	put8(&p, 0);
	rr_end(&p, at);
	p.b[7] = 2;
	at = rr_start(&p, "@12", DNS_T_MX);
	put16(&p, 20);
	for (i = 0; i < 30; i++) {
		put8(&p, 1);
		put8(&p, 'b');
	}
	put16(&p, 0xc000 | (unsigned)mid);
	rr_end(&p, at);
	ATF_REQUIRE(dns_msg_init(&msg, p.b, p.n) == 0);
	ATF_REQUIRE_EQ(dns_msg_next(&msg, &rr), 1);	/* 201 octets */
	ATF_CHECK_EQ(dns_msg_next(&msg, &rr), -1);	/* 261 octets */

	/* a 64-octet label is not a label (0x40 is reserved) */
	at = mx_packet(&p);
	put16(&p, 10);
	put8(&p, 64);
	for (i = 0; i < 64; i++)
		put8(&p, 'c');
	put8(&p, 0);
	rr_end(&p, at);
	ATF_CHECK(next_fails(&p));

	/* an output buffer too small is an error, not a truncation */
	header(&p, 0, 0, 0);
	question(&p, "long-label.example.org", DNS_T_MX);
	at = DNS_HEADER_LEN;
	ATF_CHECK(dns_name_read(p.b, p.n, &at, out, sizeof(out)) == -1);
	at = DNS_HEADER_LEN;
	ATF_CHECK(dns_name_read(p.b, p.n, &at, out, 1) == -1);
}

ATF_TC_WITHOUT_HEAD(rdata_lengths_lie);
ATF_TC_BODY(rdata_lengths_lie, tc)
{
	struct pkt	p;
	size_t		at;

	/* A with 5 octets, AAAA with 4 */
	header(&p, 0, 0, 1);
	question(&p, "example.org", DNS_T_A);
	at = rr_start(&p, "@12", DNS_T_A);
	put(&p, "\300\000\002\001\001", 5);
	rr_end(&p, at);
	ATF_CHECK(next_fails(&p));
	header(&p, 0, 0, 1);
	question(&p, "example.org", DNS_T_AAAA);
	at = rr_start(&p, "@12", DNS_T_AAAA);
	put(&p, "\300\000\002\001", 4);
	rr_end(&p, at);
	ATF_CHECK(next_fails(&p));

	/* an MX whose name goes on past its rdata, or stops before */
	at = mx_packet(&p);
	put16(&p, 10);
	putname(&p, "mx.example.org");
	rr_end(&p, at);
	p.b[at + 1] -= 2;
	ATF_CHECK(next_fails(&p));
	at = mx_packet(&p);
	put16(&p, 10);
	putname(&p, "mx.example.org");
	put8(&p, 0);
	rr_end(&p, at);
	ATF_CHECK(next_fails(&p));
	at = mx_packet(&p);
	put16(&p, 10);
	rr_end(&p, at);
	ATF_CHECK(next_fails(&p));

	/* a TXT string past its rdata; an empty TXT rdata */
	header(&p, 0, 0, 1);
	question(&p, "example.org", DNS_T_TXT);
	at = rr_start(&p, "@12", DNS_T_TXT);
	put8(&p, 10);
	put(&p, "short", 5);
	rr_end(&p, at);
	put(&p, "trailing", 8);
	ATF_CHECK(next_fails(&p));
	header(&p, 0, 0, 1);
	question(&p, "example.org", DNS_T_TXT);
	at = rr_start(&p, "@12", DNS_T_TXT);
	rr_end(&p, at);
	ATF_CHECK(next_fails(&p));

	/* TLSA without its three fields */
	header(&p, 0, 0, 1);
	question(&p, "example.org", DNS_T_TLSA);
	at = rr_start(&p, "@12", DNS_T_TLSA);
	put8(&p, 3);
	put8(&p, 1);
	rr_end(&p, at);
	ATF_CHECK(next_fails(&p));

	/* rdlength past the end of the packet */
	header(&p, 0, 0, 1);
	question(&p, "example.org", 99);
	at = rr_start(&p, "@12", 99);
	put8(&p, 1);
	rr_end(&p, at);
	p.b[at + 1] = 200;
	ATF_CHECK(next_fails(&p));

	/* more answers announced than present */
	header(&p, 0, 0, 2);
	question(&p, "example.org", DNS_T_A);
	at = rr_start(&p, "@12", DNS_T_A);
	put(&p, "\300\000\002\001", 4);
	rr_end(&p, at);
	{
		int	 err;

		ATF_CHECK_EQ(read_all(p.b, p.n, &err), 1);
		ATF_CHECK(err);
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, header_fields);
	ATF_TP_ADD_TC(tp, mx_compressed);
	ATF_TP_ADD_TC(tp, addresses_and_cname);
	ATF_TP_ADD_TC(tp, txt_tlsa_other);
	ATF_TP_ADD_TC(tp, pointers_bad);
	ATF_TP_ADD_TC(tp, names_too_long);
	ATF_TP_ADD_TC(tp, rdata_lengths_lie);
	return (atf_no_error());
}
