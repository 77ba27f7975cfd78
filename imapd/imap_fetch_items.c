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
 * imap_fetch_items.c -- FETCH's data items and modifiers (imap_parse.h):
 * the macros, the plain items, BODY[section]<partial>, BODY.PEEK, BINARY,
 * BINARY.PEEK, BINARY.SIZE, CHANGEDSINCE and VANISHED.  Each item gets
 * the label its reply carries ("BODY[1.HEADER]<0>").
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "imap_parse_priv.h"

#define SEC_BODY	0	/* BODY[...] sections: parts, HEADER... */
#define SEC_BINARY	1	/* BINARY[...]: part numbers only */

static const struct {
	const char	*name;
	enum fetch_kind	 kind;
} fetch_simple[] = {
	{ "UID",		FA_UID },
	{ "FLAGS",		FA_FLAGS },
	{ "INTERNALDATE",	FA_INTERNALDATE },
	{ "RFC822.SIZE",	FA_RFC822_SIZE },
	{ "ENVELOPE",		FA_ENVELOPE },
	{ "BODY",		FA_BODY },
	{ "BODYSTRUCTURE",	FA_BODYSTRUCTURE },
	{ "RFC822",		FA_RFC822 },
	{ "RFC822.HEADER",	FA_RFC822_HEADER },
	{ "RFC822.TEXT",	FA_RFC822_TEXT },
	{ "MODSEQ",		FA_MODSEQ },
	{ "SAVEDATE",		FA_SAVEDATE },
	{ "EMAILID",		FA_EMAILID },
	{ "THREADID",		FA_THREADID },
};

static const struct {
	const char	*prefix;	/* up to and with '[' */
	const char	*label;
	enum fetch_kind	 kind;
	int		 peek;
} fetch_sect[] = {
	{ "BODY[",		"BODY[",	FA_BODY_SECTION, 0 },
	{ "BODY.PEEK[",		"BODY[",	FA_BODY_SECTION, 1 },
	{ "BINARY[",		"BINARY[",	FA_BINARY, 0 },
	{ "BINARY.PEEK[",	"BINARY[",	FA_BINARY, 1 },
	{ "BINARY.SIZE[",	"BINARY.SIZE[",	FA_BINARY_SIZE, 1 },
};

struct label {
	char	*s;
	size_t	 len;
	size_t	 size;
	int	 over;
};

static void	label_add(struct label *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
static struct fetch_att *fetch_add(struct fetch_spec *, enum fetch_kind);
static int	fetch_simple_item(struct fetch_spec *, const char *);
static int	sect_parts(const char **, struct imap_section *);
static int	sect_fields(const char **, struct imap_section *,
		    struct label *);
static int	sect_spec(const char **, struct imap_section *, int,
		    struct label *);
static int	sect_partial(const char *, struct fetch_att *,
		    struct label *);
static int	fetch_item(struct fetch_spec *, const char *, const char **);
static int	fetch_mods(const struct imap_arg *, struct fetch_spec *,
		    const char **);

static void
label_add(struct label *l, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	if (l->over)
		return;
	va_start(ap, fmt);
	r = vsnprintf(l->s + l->len, l->size - l->len, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= l->size - l->len)
		l->over = 1;
	else
		l->len += (size_t)r;
}

static struct fetch_att *
fetch_add(struct fetch_spec *fs, enum fetch_kind kind)
{
	struct fetch_att	*att;

	fs->atts = xreallocarray(fs->atts, fs->n + 1, sizeof(*fs->atts));
	att = &fs->atts[fs->n++];
	memset(att, 0, sizeof(*att));
	att->kind = kind;
	att->partial_off = -1;
	return att;
}

static int
fetch_simple_item(struct fetch_spec *fs, const char *s)
{
	struct fetch_att	*att;
	size_t			 i;

	for (i = 0; i < sizeof(fetch_simple) / sizeof(fetch_simple[0]); i++)
		if (strcasecmp(s, fetch_simple[i].name) == 0)
			break;
	if (i == sizeof(fetch_simple) / sizeof(fetch_simple[0]))
		return -1;
	att = fetch_add(fs, fetch_simple[i].kind);
	(void)strlcpy(att->label, fetch_simple[i].name, sizeof(att->label));
	if (att->kind == FA_RFC822_HEADER) {
		att->peek = 1;
		att->section.spec = SEC_HEADER;
	} else if (att->kind == FA_RFC822_TEXT)
		att->section.spec = SEC_TEXT;
	return 0;
}

/* "1.2.3" then the '.' before a spec, if any */
static int
sect_parts(const char **sp, struct imap_section *sec)
{
	const char	*s = *sp;
	uint64_t	 v;

	while (*s >= '0' && *s <= '9') {
		v = 0;
		for (; *s >= '0' && *s <= '9'; s++) {
			v = v * 10 + (uint64_t)(*s - '0');
			if (v > UINT32_MAX)
				return -1;
		}
		if (v == 0 || sec->npart == IMAP_PART_DEPTH)
			return -1;
		sec->part[sec->npart++] = (uint32_t)v;
		if (*s != '.')
			break;
		s++;
		if (*s < '0' || *s > '9')
			break;	/* a spec follows */
	}
	if (sec->npart > 0 && s[-1] == '.' && (*s == ']' || *s == '\0'))
		return -1;
	*sp = s;
	return 0;
}

/* " (Name1 "Name 2")" of HEADER.FIELDS */
static int
sect_fields(const char **sp, struct imap_section *sec, struct label *l)
{
	const char	*s = *sp, *b;
	char		*name;
	size_t		 n;

	if (s[0] != ' ' || s[1] != '(')
		return -1;
	s += 2;
	label_add(l, " (");
	for (;;) {
		if (*s == '"') {
			for (b = ++s; *s != '"'; s++) {
				if (*s == '\0')
					return -1;
				if (*s == '\\' && *++s == '\0')
					return -1;
			}
			n = (size_t)(s - b);
			name = xmalloc(n + 1);
			for (n = 0; b < s; b++) {
				if (*b == '\\')
					b++;
				name[n++] = *b;
			}
			name[n] = '\0';
			s++;
		} else {
			for (b = s; *s > 0x20 && *s < 0x7f &&
			    strchr("()\"[]:", *s) == NULL; s++)
				;
			name = xmalloc((size_t)(s - b) + 1);
			memcpy(name, b, (size_t)(s - b));
			name[s - b] = '\0';
		}
		sec->fields = xreallocarray(sec->fields, sec->nfields + 1,
		    sizeof(*sec->fields));
		sec->fields[sec->nfields++] = name;
		if (name[0] == '\0' || !imap_keyword_valid(name) ||
		    strchr(name, ':') != NULL)
			return -1;
		label_add(l, "%s%s", sec->nfields > 1 ? " " : "", name);
		if (*s == ')')
			break;
		if (*s++ != ' ')
			return -1;
	}
	label_add(l, ")");
	*sp = s + 1;
	return 0;
}

/* the section's inside, s after '[', up to and with ']' */
static int
sect_spec(const char **sp, struct imap_section *sec, int binary,
    struct label *l)
{
	const char	*s = *sp;
	size_t		 i;

	if (sect_parts(&s, sec) == -1)
		return -1;
	for (i = 0; i < sec->npart; i++)
		label_add(l, "%s%u", i > 0 ? "." : "", sec->part[i]);
	if (*s != ']' && (binary || (sec->npart > 0 && s[-1] != '.')))
		return -1;
	if (*s == ']')
		sec->spec = SEC_NONE;
	else if (strncasecmp(s, "HEADER.FIELDS.NOT", 17) == 0) {
		sec->spec = SEC_HEADER_FIELDS_NOT;
		s += 17;
	} else if (strncasecmp(s, "HEADER.FIELDS", 13) == 0) {
		sec->spec = SEC_HEADER_FIELDS;
		s += 13;
	} else if (strncasecmp(s, "HEADER", 6) == 0) {
		sec->spec = SEC_HEADER;
		s += 6;
	} else if (strncasecmp(s, "TEXT", 4) == 0) {
		sec->spec = SEC_TEXT;
		s += 4;
	} else if (strncasecmp(s, "MIME", 4) == 0 && sec->npart > 0) {
		sec->spec = SEC_MIME;
		s += 4;
	} else
		return -1;
	if (sec->spec != SEC_NONE) {
		static const char *const names[] = { "", "HEADER",
		    "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT", "MIME" };

		label_add(l, "%s%s", sec->npart > 0 ? "." : "",
		    names[sec->spec]);
	}
	if ((sec->spec == SEC_HEADER_FIELDS ||
	    sec->spec == SEC_HEADER_FIELDS_NOT) &&
	    sect_fields(&s, sec, l) == -1)
		return -1;
	if (*s != ']')
		return -1;
	label_add(l, "]");
	*sp = s + 1;
	return 0;
}

/* "<off.len>" or nothing */
static int
sect_partial(const char *s, struct fetch_att *att, struct label *l)
{
	uint64_t	 off = 0, len = 0;
	size_t		 n;

	if (*s == '\0')
		return 0;
	if (*s++ != '<')
		return -1;
	for (n = 0; *s >= '0' && *s <= '9'; s++, n++)
		if ((off = off * 10 + (uint64_t)(*s - '0')) > UINT32_MAX)
			return -1;
	if (n == 0 || *s++ != '.')
		return -1;
	for (n = 0; *s >= '0' && *s <= '9'; s++, n++)
		if ((len = len * 10 + (uint64_t)(*s - '0')) > UINT32_MAX)
			return -1;
	if (n == 0 || len == 0 || strcmp(s, ">") != 0)
		return -1;
	att->partial_off = (int64_t)off;
	att->partial_len = (uint32_t)len;
	label_add(l, "<%llu>", (unsigned long long)off);
	return 0;
}

static int
fetch_item(struct fetch_spec *fs, const char *s, const char **err)
{
	struct fetch_att	*att;
	struct label		 l;
	size_t			 i, plen;

	*err = "invalid FETCH item";
	if (fetch_simple_item(fs, s) == 0)
		return 0;
	for (i = 0; i < sizeof(fetch_sect) / sizeof(fetch_sect[0]); i++) {
		plen = strlen(fetch_sect[i].prefix);
		if (strncasecmp(s, fetch_sect[i].prefix, plen) == 0)
			break;
	}
	if (i == sizeof(fetch_sect) / sizeof(fetch_sect[0]))
		return -1;
	att = fetch_add(fs, fetch_sect[i].kind);
	att->peek = fetch_sect[i].peek;
	memset(&l, 0, sizeof(l));
	l.s = att->label;
	l.size = sizeof(att->label);
	label_add(&l, "%s", fetch_sect[i].label);
	s += plen;
	if (sect_spec(&s, &att->section, att->kind != FA_BODY_SECTION,
	    &l) == -1)
		return -1;
	if (att->kind == FA_BINARY_SIZE ? *s != '\0' :
	    sect_partial(s, att, &l) == -1)
		return -1;
	if (l.over) {
		*err = "FETCH item too long";
		return -1;
	}
	return 0;
}

static int
fetch_mods(const struct imap_arg *a, struct fetch_spec *fs,
    const char **err)
{
	size_t	 i;

	*err = "invalid FETCH modifier";
	if (a->type != IMAP_ARG_LIST || a->nlist == 0)
		return -1;
	for (i = 0; i < a->nlist; i++) {
		if (imap_arg_is(&a->list[i], "VANISHED") && !fs->vanished)
			fs->vanished = 1;
		else if (imap_arg_is(&a->list[i], "CHANGEDSINCE") &&
		    !fs->changedsince_set && i + 1 < a->nlist &&
		    a->list[i + 1].type == IMAP_ARG_ATOM &&
		    imap_num_parse(a->list[i + 1].s, IMAP_MODSEQ_MAX,
		    &fs->changedsince) == 0) {
			fs->changedsince_set = 1;
			i++;
		} else
			return -1;
	}
	if (fs->vanished && !fs->changedsince_set) {
		*err = "VANISHED needs CHANGEDSINCE";
		return -1;
	}
	return 0;
}

int
imap_fetch_parse(const struct imap_arg *a, size_t n, struct fetch_spec *fs,
    const char **err)
{
	static const char *const macros[][5] = {
		{ "ALL", "FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE" },
		{ "FAST", "FLAGS", "INTERNALDATE", "RFC822.SIZE", NULL },
		{ "FULL", "FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE" },
	};
	size_t	 i, j;

	memset(fs, 0, sizeof(*fs));
	*err = "FETCH needs items";
	if (n == 0 || n > 2)
		goto fail;
	if (n == 2 && fetch_mods(&a[1], fs, err) == -1)
		goto fail;
	if (a[0].type == IMAP_ARG_LIST) {
		if (a[0].nlist == 0)
			goto fail;
		for (i = 0; i < a[0].nlist; i++)
			if (a[0].list[i].type != IMAP_ARG_ATOM ||
			    fetch_item(fs, a[0].list[i].s, err) == -1)
				goto fail;
		return 0;
	}
	if (a[0].type != IMAP_ARG_ATOM)
		goto fail;
	for (i = 0; i < sizeof(macros) / sizeof(macros[0]); i++) {
		if (strcasecmp(a[0].s, macros[i][0]) != 0)
			continue;
		for (j = 1; j < 5 && macros[i][j] != NULL; j++)
			(void)fetch_simple_item(fs, macros[i][j]);
		if (i == 2)
			(void)fetch_simple_item(fs, "BODY");
		return 0;
	}
	if (fetch_item(fs, a[0].s, err) == 0)
		return 0;
 fail:
	fetch_spec_free(fs);
	return -1;
}

void
fetch_spec_free(struct fetch_spec *fs)
{
	size_t	 i, j;

	for (i = 0; i < fs->n; i++) {
		for (j = 0; j < fs->atts[i].section.nfields; j++)
			free(fs->atts[i].section.fields[j]);
		free(fs->atts[i].section.fields);
	}
	free(fs->atts);
	memset(fs, 0, sizeof(*fs));
}
