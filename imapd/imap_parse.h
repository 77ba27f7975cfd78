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
 * imap_parse.h -- the IMAP command reader and parser (pure: no I/O, no
 * logging; allocation failure is fatal).  Used by the login process and
 * the session process, fed one byte at a time by the unit tests and by
 * the fuzzer (regress/fuzz/imapd_parse_fuzz.c).
 *
 * Two stages:
 *  1. struct imap_reader assembles one command from the byte stream: its
 *     lines and literals ({n}, {n+} LITERAL+, ~{n} literal8), literals
 *     inline in r->cmd exactly as the client sent them.  A synchronizing
 *     literal makes the reader stop with IMAP_RD_CONTINUE: the caller
 *     sends "+ OK" and feeds on.  Over-long lines and literals are
 *     skipped to the end of the command, without buffering them.
 *  2. imap_parse_cmd() splits a command into tag, name and a tree of
 *     arguments; typed parsers turn arguments into sequence sets, FETCH
 *     items, SEARCH programs, SORT criteria, flags and dates.
 *
 * Every parser returns 0, or -1 with *err set to a static English
 * message fit for a "BAD" reply.
 */

#ifndef IMAPD_IMAP_PARSE_H
#define IMAPD_IMAP_PARSE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "imap.h"

#define IMAP_TAG_MAX		64	/* bytes of a tag we keep */
#define IMAP_LINE_MAX		(64 * 1024)	/* one line, literals apart */
#define IMAP_LITERAL_MINUS_MAX	4096	/* LITERAL- non-sync limit */

enum imap_rd {
	IMAP_RD_MORE,		/* all input consumed, command incomplete */
	IMAP_RD_CONTINUE,	/* send "+ OK ..." now, then feed on */
	IMAP_RD_COMMAND,	/* r->cmd holds one whole command */
	IMAP_RD_TOOBIG,		/* line or literal over the limits: the
				 * command was dropped; r->tag holds its tag
				 * if one was seen (reply "tag BAD" or, for a
				 * literal, "tag NO [TOOBIG]") */
};

struct imap_reader {
	struct buf	 cmd;		/* the command, CRLFs and literals */
	size_t		 max_literal;	/* e.g. the APPEND size limit */
	size_t		 max_command;	/* all lines and literals */
	int		 literal_minus;	/* only LITERAL-: {n+} <= 4096 */
	char		 tag[IMAP_TAG_MAX + 1];	/* after IMAP_RD_TOOBIG */
	int		 toobig_literal;	/* 1 if a literal was too big */
	/* private */
	int		 state;
	uint64_t	 lit_left;
	size_t		 line_start;
	int		 skipping;
};

void		 imap_reader_init(struct imap_reader *, size_t max_literal,
		    size_t max_command);
void		 imap_reader_free(struct imap_reader *);
/* Forget the command returned (call after IMAP_RD_COMMAND/TOOBIG). */
void		 imap_reader_reset(struct imap_reader *);
/*
 * Consume at most len bytes of data; *used is how many were taken.  Call
 * again with the rest after acting on the result.
 */
enum imap_rd	 imap_reader_feed(struct imap_reader *, const char *, size_t,
		    size_t *used);

/* Arguments. */
enum imap_arg_type {
	IMAP_ARG_ATOM,		/* includes flags (\Seen), seq sets, BODY[..]<..> */
	IMAP_ARG_STRING,	/* quoted string, unescaped */
	IMAP_ARG_LITERAL,	/* {n} or ~{n} (literal8 set) */
	IMAP_ARG_NIL,		/* the atom NIL, any case */
	IMAP_ARG_LIST,		/* ( ... ) */
};

struct imap_arg {
	enum imap_arg_type	 type;
	const char		*s;	/* NUL-terminated copy (not LIST) */
	size_t			 len;	/* bytes, may hold NUL for literals */
	int			 literal8;
	struct imap_arg		*list;	/* LIST: its elements */
	size_t			 nlist;
};

#define IMAP_CMD_NAME_MAX	32

struct imap_cmd {
	char		 tag[IMAP_TAG_MAX + 1];
	char		 name[IMAP_CMD_NAME_MAX + 1];	/* upper case */
	int		 uid;		/* "UID FETCH": name "FETCH", uid 1 */
	struct imap_arg	*args;
	size_t		 nargs;
	void		*mem;		/* private: the arena */
};

/*
 * Parse one command (as the reader returned it, CRLF included).  On
 * error cmd->tag is set when a tag could be read ("*" otherwise), so the
 * caller can answer "tag BAD err".  imap_cmd_free() in both cases.
 */
int		 imap_parse_cmd(const char *, size_t, struct imap_cmd *,
		    const char **err);
void		 imap_cmd_free(struct imap_cmd *);
/* 1 if arg is an atom, string or literal (an astring), else 0 */
int		 imap_arg_astring(const struct imap_arg *);
/* astring or NIL */
int		 imap_arg_nstring(const struct imap_arg *);

/* Sequence sets: "1,3:5,7:*" or "$". */
int		 imap_seqset_parse(const char *, struct seqset *,
		    const char **err);
void		 seqset_free(struct seqset *);
/* is n in the set, '*' being star (the largest number in use)? */
int		 seqset_contains(const struct seqset *, uint32_t n,
		    uint32_t star);
/* smallest and largest number the set names once '*' is star */
void		 seqset_bounds(const struct seqset *, uint32_t star,
		    uint32_t *lo, uint32_t *hi);
/* the set as compact text ("1:3,7"), for COPYUID, ESEARCH, VANISHED */
void		 seqset_from_list(struct buf *, const uint32_t *, size_t);

/* FETCH items (RFC 9051 6.4.5, RFC 7162, RFC 3516). */
enum fetch_kind {
	FA_UID, FA_FLAGS, FA_INTERNALDATE, FA_RFC822_SIZE, FA_ENVELOPE,
	FA_BODY,		/* BODY alone: BODYSTRUCTURE without ext. */
	FA_BODYSTRUCTURE,
	FA_BODY_SECTION,	/* BODY[...] / BODY.PEEK[...] */
	FA_BINARY,		/* BINARY[...] / BINARY.PEEK[...] */
	FA_BINARY_SIZE,
	FA_RFC822,		/* = BODY[] (sets \Seen) */
	FA_RFC822_HEADER,	/* = BODY.PEEK[HEADER] */
	FA_RFC822_TEXT,		/* = BODY[TEXT] (sets \Seen) */
	FA_MODSEQ,
	FA_SAVEDATE, FA_EMAILID, FA_THREADID,
};

struct fetch_att {
	enum fetch_kind		 kind;
	int			 peek;
	struct imap_section	 section;
	int64_t			 partial_off;	/* -1: no <partial> */
	uint32_t		 partial_len;
	/* the item name to echo in the reply, e.g. "BODY[HEADER]<0>"
	 * (room for mutt's and Thunderbird's HEADER.FIELDS lists) */
	char			 label[1024];
};

struct fetch_spec {
	struct fetch_att	*atts;
	size_t			 n;
	int			 changedsince_set;
	uint64_t		 changedsince;
	int			 vanished;
};

/*
 * The FETCH arguments after the sequence set: one item, a macro (ALL,
 * FAST, FULL) or a list, then the optional modifier list (CHANGEDSINCE
 * n, VANISHED).  UID is added by the caller for UID FETCH.
 */
int		 imap_fetch_parse(const struct imap_arg *, size_t,
		    struct fetch_spec *, const char **err);
void		 fetch_spec_free(struct fetch_spec *);

/* SEARCH (RFC 9051 6.4.4, RFC 4731 ESEARCH, RFC 7162 MODSEQ, 5032). */
enum search_op {
	SK_ALL, SK_AND, SK_OR, SK_NOT,
	SK_SEQSET, SK_UIDSET,
	SK_FLAG,		/* flag set: has all of k->flags */
	SK_UNFLAG,		/* has none of k->flags */
	SK_NEW, SK_OLD,		/* recent and unseen; not recent */
	SK_KEYWORD, SK_UNKEYWORD,	/* k->str: the keyword name */
	SK_BEFORE, SK_ON, SK_SINCE,	/* INTERNALDATE, k->date (day) */
	SK_SENTBEFORE, SK_SENTON, SK_SENTSINCE,	/* Date: header */
	SK_LARGER, SK_SMALLER,		/* k->num */
	SK_HEADER,		/* k->field, k->str (FROM, TO, CC, BCC,
				 * SUBJECT become HEADER) */
	SK_BODY, SK_TEXT,	/* k->str */
	SK_MODSEQ,		/* k->num */
	SK_OLDER, SK_YOUNGER,	/* WITHIN (RFC 5032): k->num seconds */
};

struct search_key {
	enum search_op		 op;
	struct search_key	*kids;	/* AND: all; OR: two; NOT: one */
	size_t			 nkids;
	uint64_t		 flags;	/* SK_FLAG/UNFLAG: MF_* bits */
	char			*field;	/* header name */
	char			*str;	/* UTF-8 (converted from charset) */
	size_t			 strlen;
	time_t			 date;	/* 00:00 UTC of the day */
	uint64_t		 num;
	struct seqset		 set;
};

/* ESEARCH return options (RFC 4731, RFC 5182 SAVE). */
#define SR_MIN		0x01
#define SR_MAX		0x02
#define SR_ALL		0x04
#define SR_COUNT	0x08
#define SR_SAVE		0x10

struct search_prog {
	struct search_key	 root;	/* SK_AND of the top-level keys */
	int			 esearch;	/* RETURN (...) was given */
	unsigned int		 ret;		/* SR_*; 0 with esearch: ALL */
	int			 has_modseq;	/* a MODSEQ key was used */
};

/*
 * SEARCH arguments: [RETURN (opts)] [CHARSET name] keys.  Charsets:
 * US-ASCII and UTF-8 (strings in others are refused with err "[BADCHARSET
 * (US-ASCII UTF-8)] ..." so the caller can send it as is).
 */
int		 imap_search_parse(const struct imap_arg *, size_t,
		    struct search_prog *, const char **err);
void		 search_prog_free(struct search_prog *);

/*
 * "RETURN (MIN MAX ...)" options of ESEARCH/ESORT, the list after RETURN
 * (RFC 4731, 5267): SR_* into *ret; an empty list is SR_ALL.
 */
int		 imap_return_parse(const struct imap_arg *, unsigned int *ret,
		    const char **err);

/* SORT (RFC 5256, RFC 5957 DISPLAY). */
enum sort_key {
	SORT_ARRIVAL, SORT_CC, SORT_DATE, SORT_FROM, SORT_SIZE,
	SORT_SUBJECT, SORT_TO, SORT_DISPLAYFROM, SORT_DISPLAYTO,
};

struct sort_crit {
	enum sort_key	 key;
	int		 reverse;
};

#define SORT_CRIT_MAX	16

/* the parenthesised criteria list of SORT */
int		 imap_sort_parse(const struct imap_arg *, struct sort_crit *,
		    size_t *n, const char **err);

/* THREAD algorithms (RFC 5256) */
enum thread_alg {
	THREAD_ORDEREDSUBJECT, THREAD_REFERENCES,
};
int		 imap_thread_parse(const struct imap_arg *, enum thread_alg *,
		    const char **err);

/*
 * A flag list "(\Seen $Label1)" or a single flag: system flags into
 * *sys (MF_*; \Recent refused), keyword names (atoms, pointing into the
 * argument, valid until imap_cmd_free) into kw (at most *nkw, set to the
 * count).  STORE's "FLAGS", "+FLAGS.SILENT"... is parsed by the caller.
 */
int		 imap_flags_parse(const struct imap_arg *, uint64_t *sys,
		    const char **kw, size_t *nkw, const char **err);
const char	*imap_sysflag_name(uint64_t);	/* "\\Seen" ... */

/*
 * STORE's arguments after the sequence set: [(UNCHANGEDSINCE n)]
 * FLAGS|+FLAGS|-FLAGS[.SILENT] flags (RFC 9051 6.4.6, RFC 7162).
 * Keyword names point into the arguments.
 */
enum store_op {
	STORE_SET, STORE_ADD, STORE_REMOVE,
};

struct store_spec {
	enum store_op	 op;
	int		 silent;
	int		 unchangedsince_set;
	uint64_t	 unchangedsince;
	uint64_t	 sys;		/* MF_* system flags */
	const char	*kw[MF_KEYWORDS_MAX];
	size_t		 nkw;
};

int		 imap_store_parse(const struct imap_arg *, size_t,
		    struct store_spec *, const char **err);

/* Dates: "1-Feb-1994" (search), "01-Feb-1994 21:05:09 +0100" (APPEND). */
int		 imap_date_parse(const char *, time_t *);
int		 imap_datetime_parse(const char *, time_t *);
/* INTERNALDATE text into buf (at least 27 bytes), zone +0000 */
void		 imap_datetime_fmt(time_t, char *, size_t);

/* Mailbox names: IMAP4rev1's modified UTF-7 <-> UTF-8 (RFC 3501 5.1.3). */
int		 imap_mutf7_to_utf8(const char *, struct buf *);
void		 imap_utf8_to_mutf7(const char *, struct buf *);
/* 1 if s is valid UTF-8 */
int		 imap_utf8_valid(const char *, size_t);

#endif /* IMAPD_IMAP_PARSE_H */
