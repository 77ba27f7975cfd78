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
 * dns.h -- a reader of DNS answers in wire format (RFC 1035 4.1), as a
 * resolver library hands them over: the header, the question, and the
 * records of the answer section one at a time, with the rdata of the
 * types mail needs decoded (A, AAAA, CNAME, NS, PTR, MX, TXT, TLSA).
 * No I/O, no allocation.
 *
 * SECURITY: the packet comes from the network through the resolver.
 * Every length and count in it is checked against the buffer before it
 * is used; a name is at most DNS_NAME_MAX octets on the wire, and a
 * compression pointer must point before the start of the part of the
 * name that holds it (so a chain of pointers strictly goes backwards:
 * no loop, no pointer forwards, into the header or out of the packet).
 * A malformed packet is an error (-1), never a crash, a read outside the
 * buffer or a partial result taken as whole.
 *
 * Names are returned in presentation form without the final dot: the
 * root is ".", "mx.example.org" otherwise; a '.' or '\' inside a label
 * is escaped with '\', other bytes outside '!'..'~' as "\DDD".
 */

#ifndef CARTERO_DNS_H
#define CARTERO_DNS_H

#include <sys/types.h>
#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>

#define DNS_HEADER_LEN		12
#define DNS_NAME_MAX		255	/* octets of a name on the wire */
#define DNS_LABEL_MAX		63
/* presentation form: every octet "\DDD" at worst, and the NUL */
#define DNS_NAMETEXT_MAX	(DNS_NAME_MAX * 4 + 1)

/* types and class (host byte order) */
#define DNS_T_A			1
#define DNS_T_NS		2
#define DNS_T_CNAME		5
#define DNS_T_SOA		6
#define DNS_T_PTR		12
#define DNS_T_MX		15
#define DNS_T_TXT		16
#define DNS_T_AAAA		28
#define DNS_T_TLSA		52
#define DNS_C_IN		1

/* rcodes */
#define DNS_R_NOERROR		0
#define DNS_R_FORMERR		1
#define DNS_R_SERVFAIL		2
#define DNS_R_NXDOMAIN		3
#define DNS_R_NOTIMP		4
#define DNS_R_REFUSED		5

struct dns_msg {
	const uint8_t	*buf;
	size_t		 len;
	uint16_t	 id;
	int		 qr;		/* a response */
	int		 opcode;
	int		 aa;
	int		 tc;		/* truncated */
	int		 rd;
	int		 ra;
	int		 ad;		/* authentic data (from the upstream) */
	int		 rcode;
	uint16_t	 qdcount;
	uint16_t	 ancount;
	uint16_t	 nscount;
	uint16_t	 arcount;
	/* the first question; qname "" when there is none */
	char		 qname[DNS_NAMETEXT_MAX];
	uint16_t	 qtype;
	uint16_t	 qclass;
	/* iteration of the answer section */
	size_t		 pos;		/* offset of the next record */
	uint16_t	 left;		/* answer records not read yet */
};

struct dns_rr {
	char		 name[DNS_NAMETEXT_MAX];	/* owner */
	uint16_t	 type;
	uint16_t	 class;
	uint32_t	 ttl;
	const uint8_t	*rdata;		/* inside the message */
	uint16_t	 rdlen;
	union {
		struct in_addr	 a;
		struct in6_addr	 aaaa;
		/* CNAME, NS, PTR: the target */
		char		 target[DNS_NAMETEXT_MAX];
		struct {
			uint16_t pref;
			char	 exchange[DNS_NAMETEXT_MAX];
		} mx;
		struct {
			size_t	 nstrings;	/* character-strings, >= 1 */
			size_t	 len;		/* their octets, joined */
		} txt;
		struct {
			uint8_t	 usage;
			uint8_t	 selector;
			uint8_t	 mtype;
			const uint8_t *data;	/* inside the message */
			size_t	 len;
		} tlsa;
	} u;
};

/*
 * Read the header and skip the question section of len bytes at buf
 * (which must outlive msg).  0, or -1 if the packet is malformed.
 */
int	dns_msg_init(struct dns_msg *, const void *, size_t);

/*
 * The next record of the answer section: 1 and *rr, 0 at the end of the
 * section, -1 if the packet is malformed there (stop reading it).
 * Records of other types come with their raw rdata only.
 */
int	dns_msg_next(struct dns_msg *, struct dns_rr *);

/*
 * The character-strings of a TXT record joined into buf, NUL-terminated
 * (a TXT string may itself hold a NUL: the length says where it ends).
 * Returns the length, or -1 if buf is too small.
 */
ssize_t	dns_txt_join(const struct dns_rr *, char *, size_t);

/*
 * The name at *off in buf[0, len) into out (presentation form), *off
 * moved past it in place (a pointer counts its two octets).  0, or -1
 * if the name is malformed or does not fit in outsize.
 */
int	dns_name_read(const uint8_t *, size_t, size_t *, char *, size_t);

/* Two names in presentation form equal, ignoring case and a final dot. */
int	dns_name_equal(const char *, const char *);

#endif /* CARTERO_DNS_H */
