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
 * store_folder.c -- folder names and the folder operations: the mapping
 * of an IMAP name ("a/b", UTF-8) to its Maildir++ directory (".a.b",
 * with '.' stored as "%2E" and '%' as "%25" so the mapping is one to
 * one), LIST, CREATE, DELETE, RENAME (RFC 3501 semantics, INBOX's too),
 * subscriptions and the SPECIAL-USE file.  Names with control
 * characters, invalid UTF-8, empty, "." or ".." components are refused:
 * every directory is a direct child of the root.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "store_int.h"

#define ERR_NONEXIST	"[NONEXISTENT] No such mailbox"
#define ERR_EXISTS	"[ALREADYEXISTS] Mailbox already exists"
#define ERR_BADNAME	"[CANNOT] Invalid mailbox name"
#define ERR_SERVER	"[SERVERBUG] Internal error"

struct lines {
	char	**v;
	size_t	  n;
};

static const struct {
	const char	*name;
	unsigned int	 su;
} sunames[] = {
	{ "\\Sent", SU_SENT },
	{ "\\Drafts", SU_DRAFTS },
	{ "\\Trash", SU_TRASH },
	{ "\\Junk", SU_JUNK },
	{ "\\Archive", SU_ARCHIVE },
	{ "\\All", SU_ALL },
};

static int	 utf8_valid(const char *);
static int	 folder_name_of_dir(const char *, char *, size_t);
static int	 folder_mkdirs(struct mstore *, const char *);
static int	 lines_read(struct mstore *, const char *, struct lines *);
static int	 lines_write(struct mstore *, const char *, struct lines *);
static void	 lines_free(struct lines *);
static int	 su_set(struct mstore *, const char *, const char *,
		    unsigned int);
static int	 folder_is_dir(struct mstore *, const char *, const char *);
static int	 folder_has_children(struct mstore *, const char *);
static int	 folder_wipe(struct mstore *, const char *, int keepdir);
static int	 name_cmp(const void *, const void *);

static int
utf8_valid(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0 && *p >= 0xc2)
			n = 1;
		else if ((*p & 0xf0) == 0xe0)
			n = 2;
		else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4)
			n = 3;
		else
			return (0);
		for (i = 1; i <= n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return (0);
		p += n + 1;
	}
	return (1);
}

/*
 * The directory (relative to the root) of folder name: "." for INBOX.
 * -1 if the name cannot be a folder.
 */
int
folder_dir(const char *name, char *out, size_t outlen)
{
	const char	*p, *comp;
	size_t		 o = 0, clen;

	if (strcasecmp(name, "INBOX") == 0)
		return (strlcpy(out, ".", outlen) < outlen ? 0 : -1);
	if (name[0] == '\0' || name[0] == '/' || !utf8_valid(name) ||
	    outlen < 2)
		return (-1);
	out[o++] = '.';
	for (comp = name; ; comp = p + 1) {
		p = strchr(comp, '/');
		clen = p ? (size_t)(p - comp) : strlen(comp);
		if (clen == 0 || (clen == 1 && comp[0] == '.') ||
		    (clen == 2 && comp[0] == '.' && comp[1] == '.'))
			return (-1);
		if (comp == name && clen == 5 &&
		    strncasecmp(comp, "INBOX", 5) == 0)
			comp = "INBOX";
		for (; clen > 0; clen--, comp++) {
			if ((unsigned char)*comp < 0x20 || *comp == 0x7f)
				return (-1);
			if (o + 4 >= outlen)
				return (-1);
			if (*comp == '.' || *comp == '%') {
				(void)snprintf(out + o, outlen - o, "%%%02X",
				    (unsigned char)*comp);
				o += 3;
			} else
				out[o++] = *comp;
		}
		if (p == NULL)
			break;
		if (o + 2 >= outlen)
			return (-1);
		out[o++] = '.';
		if (name + strlen(name) == p + 1)
			return (-1);	/* trailing '/' */
	}
	out[o] = '\0';
	return (o > NAME_MAX ? -1 : 0);
}

/* The folder name of a root entry, -1 if it is not one of ours. */
static int
folder_name_of_dir(const char *d, char *out, size_t outlen)
{
	char		 back[NAME_MAX + 1];
	const char	*orig = d;
	size_t		 o = 0;
	unsigned int	 c;

	if (d[0] != '.' || d[1] == '\0' || strcmp(d, "..") == 0)
		return (-1);
	for (d++; *d != '\0' && o + 1 < outlen; d++) {
		if (*d == '.')
			out[o++] = '/';
		else if (*d == '%' && sscanf(d + 1, "%2X", &c) == 1) {
			out[o++] = (char)c;
			d += 2;
		} else
			out[o++] = *d;
	}
	out[o] = '\0';
	if (*d != '\0' || folder_dir(out, back, sizeof(back)) == -1 ||
	    strcmp(back, orig) != 0)
		return (-1);
	return (0);
}

/* 1 if root/dir/sub is a directory (sub NULL: dir itself) */
static int
folder_is_dir(struct mstore *ms, const char *dir, const char *sub)
{
	char		 path[PATH_MAX];
	struct stat	 st;

	if (snprintf(path, sizeof(path), "%s%s%s", dir, sub ? "/" : "",
	    sub ? sub : "") >= (int)sizeof(path))
		return (0);
	return (fstatat(ms->rootfd, path, &st, 0) == 0 && S_ISDIR(st.st_mode));
}

int
folder_open_dir(struct mstore *ms, const char *name)
{
	char	 dir[NAME_MAX + 1];

	if (folder_dir(name, dir, sizeof(dir)) == -1) {
		errno = EINVAL;
		return (-1);
	}
	if (!folder_is_dir(ms, dir, "cur")) {
		errno = ENOENT;
		return (-1);
	}
	return (openat(ms->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

int
mstore_exists(struct mstore *ms, const char *name)
{
	char	 dir[NAME_MAX + 1];

	if (folder_dir(name, dir, sizeof(dir)) == -1)
		return (0);
	return (folder_is_dir(ms, dir, "cur"));
}

static void
lines_free(struct lines *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* The lines of root/file (none if it does not exist). */
static int
lines_read(struct mstore *ms, const char *file, struct lines *l)
{
	FILE	*fp;
	char	*line = NULL;
	size_t	 cap = 0;
	ssize_t	 n;
	int	 fd;

	memset(l, 0, sizeof(*l));
	if ((fd = openat(ms->rootfd, file, O_RDONLY | O_CLOEXEC |
	    O_NOFOLLOW)) == -1)
		return (errno == ENOENT ? 0 : -1);
	if ((fp = fdopen(fd, "r")) == NULL) {
		(void)close(fd);
		return (-1);
	}
	while ((n = getline(&line, &cap, fp)) != -1) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
		l->v[l->n++] = xstrdup(line);
	}
	free(line);
	(void)fclose(fp);
	return (0);
}

/* Replace root/file with the lines (tmp file renamed over). */
static int
lines_write(struct mstore *ms, const char *file, struct lines *l)
{
	struct buf	 b;
	char		 tmp[PATH_MAX];
	size_t		 i;
	int		 fd, r = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", file, (long)getpid()) >=
	    (int)sizeof(tmp))
		return (-1);
	buf_init(&b);
	for (i = 0; i < l->n; i++)
		buf_addf(&b, "%s\n", l->v[i]);
	fd = openat(ms->rootfd, tmp, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd != -1) {
		if (write_full(fd, b.s ? b.s : "", b.len) != -1 &&
		    fsync(fd) == 0 && renameat(ms->rootfd, tmp, ms->rootfd,
		    file) == 0)
			r = 0;
		(void)close(fd);
		if (r == -1)
			(void)unlinkat(ms->rootfd, tmp, 0);
	}
	buf_free(&b);
	return (r);
}

/* The SPECIAL-USE attributes of a folder (root/cartero.special-use). */
unsigned int
folder_special(struct mstore *ms, const char *name)
{
	struct lines	 l;
	unsigned int	 su = 0;
	size_t		 i, j, n = strlen(name);

	if (lines_read(ms, SU_FILE, &l) == -1)
		return (0);
	for (i = 0; i < l.n; i++) {
		if (strncmp(l.v[i], name, n) != 0 || l.v[i][n] != '\t')
			continue;
		for (j = 0; j < sizeof(sunames) / sizeof(sunames[0]); j++)
			if (strcasecmp(l.v[i] + n + 1, sunames[j].name) == 0)
				su |= sunames[j].su;
	}
	lines_free(&l);
	return (su);
}

/*
 * Give an existing folder the attributes su if it lacks them (a default
 * folder made before imapd first opened the store: the delivery agent
 * makes .Junk for quarantined mail).
 */
int
folder_special_add(struct mstore *ms, const char *name, unsigned int su)
{
	if ((folder_special(ms, name) & su) == su)
		return (0);
	return (su_set(ms, name, name, su & ~folder_special(ms, name)));
}

/*
 * Rewrite the SPECIAL-USE lines of folder from (and its children) to
 * name to (NULL: drop them), adding su for to.
 */
static int
su_set(struct mstore *ms, const char *from, const char *to, unsigned int su)
{
	struct lines	 l;
	char		*line;
	size_t		 i, j, n = strlen(from);
	int		 r;

	if (lines_read(ms, SU_FILE, &l) == -1)
		return (-1);
	for (i = 0; i < l.n; i++) {
		if (strncmp(l.v[i], from, n) != 0 || (l.v[i][n] != '\t' &&
		    l.v[i][n] != '/'))
			continue;
		if (to == NULL)
			l.v[i][0] = '\0';
		else {
			(void)xasprintf(&line, "%s%s", to, l.v[i] + n);
			free(l.v[i]);
			l.v[i] = line;
		}
	}
	for (i = j = 0; i < l.n; i++) {
		if (l.v[i][0] == '\0')
			free(l.v[i]);
		else
			l.v[j++] = l.v[i];
	}
	l.n = j;
	for (j = 0; to != NULL && j < sizeof(sunames) / sizeof(sunames[0]);
	    j++)
		if (su & sunames[j].su) {
			l.v = xreallocarray(l.v, l.n + 1, sizeof(*l.v));
			(void)xasprintf(&l.v[l.n++], "%s\t%s", to,
			    sunames[j].name);
		}
	r = lines_write(ms, SU_FILE, &l);
	lines_free(&l);
	return (r);
}

static int
name_cmp(const void *a, const void *b)
{
	const struct folder_info	*fa = a, *fb = b;

	if (strcmp(fa->name, "INBOX") == 0)
		return (strcmp(fb->name, "INBOX") == 0 ? 0 : -1);
	if (strcmp(fb->name, "INBOX") == 0)
		return (1);
	return (strcmp(fa->name, fb->name));
}

static struct folder_info *
list_find(struct folder_info *v, size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return (&v[i]);
	return (NULL);
}

static void
list_add(struct folder_info **v, size_t *n, const char *name,
    unsigned int attrs)
{
	struct folder_info	*f;

	if ((f = list_find(*v, *n, name)) != NULL) {
		f->attrs &= ~(FA_NOSELECT | FA_NONEXISTENT);
		f->attrs |= attrs;
		return;
	}
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	f = &(*v)[(*n)++];
	f->name = xstrdup(name);
	f->attrs = attrs;
	f->special = 0;
}

/* Folders with subdirectories; missing parents as \Noselect. */
static int
list_dirs(struct mstore *ms, struct folder_info **v, size_t *n)
{
	DIR		*d;
	struct dirent	*de;
	char		 name[NAME_MAX * 2 + 1], *slash;
	int		 fd;

	if ((fd = openat(ms->rootfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return (-1);
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		if (folder_name_of_dir(de->d_name, name, sizeof(name)) == -1 ||
		    !folder_is_dir(ms, de->d_name, NULL))
			continue;
		list_add(v, n, name, folder_is_dir(ms, de->d_name, "cur") ?
		    0 : FA_NOSELECT);
		while ((slash = strrchr(name, '/')) != NULL) {
			*slash = '\0';
			if (list_find(*v, *n, name) == NULL)
				list_add(v, n, name, FA_NOSELECT);
		}
	}
	(void)closedir(d);
	return (0);
}

int
mstore_list(struct mstore *ms, struct folder_info **vp, size_t *np)
{
	struct folder_info	*v = NULL, *f;
	struct lines		 subs;
	size_t			 n = 0, i, j, len;

	list_add(&v, &n, "INBOX", 0);
	if (list_dirs(ms, &v, &n) == -1 || lines_read(ms, SUBS_FILE,
	    &subs) == -1) {
		folder_list_free(v, n);
		return (-1);
	}
	for (i = 0; i < subs.n; i++) {
		if ((f = list_find(v, n, subs.v[i])) != NULL)
			f->attrs |= FA_SUBSCRIBED;
		else
			list_add(&v, &n, subs.v[i], FA_SUBSCRIBED |
			    FA_NONEXISTENT | FA_NOSELECT);
	}
	lines_free(&subs);
	for (i = 0; i < n; i++) {
		len = strlen(v[i].name);
		v[i].attrs |= FA_HASNOCHILDREN;
		for (j = 0; j < n; j++)
			if (!(v[j].attrs & FA_NONEXISTENT) &&
			    strncmp(v[j].name, v[i].name, len) == 0 &&
			    v[j].name[len] == '/') {
				v[i].attrs &= ~FA_HASNOCHILDREN;
				v[i].attrs |= FA_HASCHILDREN;
				break;
			}
		if (!(v[i].attrs & FA_NONEXISTENT))
			v[i].special = folder_special(ms, v[i].name);
	}
	qsort(v, n, sizeof(*v), name_cmp);
	*vp = v;
	*np = n;
	return (0);
}

void
folder_list_free(struct folder_info *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* root/dir with cur/ new/ tmp/ (each created if missing) */
static int
folder_mkdirs(struct mstore *ms, const char *dir)
{
	static const char *const sub[] = { "cur", "new", "tmp" };
	char		 path[PATH_MAX];
	size_t		 i;

	if (strcmp(dir, ".") != 0 && mkdirat(ms->rootfd, dir, 0700) == -1 &&
	    errno != EEXIST)
		return (-1);
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, sub[i]) >=
		    (int)sizeof(path))
			return (-1);
		if (mkdirat(ms->rootfd, path, 0700) == -1 && errno != EEXIST)
			return (-1);
	}
	return (0);
}

int
mstore_create(struct mstore *ms, const char *name, unsigned int su,
    const char **err)
{
	char		 dir[NAME_MAX + 1], *copy, *p;
	size_t		 len;
	int		 r = -1;

	copy = xstrdup(name);
	len = strlen(copy);
	if (len > 1 && copy[len - 1] == '/')	/* "a/": a future parent */
		copy[len - 1] = '\0';
	if (folder_dir(copy, dir, sizeof(dir)) == -1)
		*err = ERR_BADNAME;
	else if (mstore_exists(ms, copy))
		*err = ERR_EXISTS;
	else {
		/* the superior names first (RFC 3501 6.3.3) */
		for (p = strchr(copy, '/'); p != NULL; p = strchr(p + 1, '/')) {
			*p = '\0';
			if (!mstore_exists(ms, copy) &&
			    folder_dir(copy, dir, sizeof(dir)) == 0)
				(void)folder_mkdirs(ms, dir);
			*p = '/';
		}
		if (folder_dir(copy, dir, sizeof(dir)) == -1 ||
		    folder_mkdirs(ms, dir) == -1)
			*err = ERR_SERVER;
		else if (su != 0 && su_set(ms, copy, copy, su) == -1)
			*err = ERR_SERVER;
		else
			r = 0;
	}
	free(copy);
	return (r);
}

static int
folder_has_children(struct mstore *ms, const char *name)
{
	struct folder_info	*v;
	size_t			 n, i, len = strlen(name);
	int			 r = 0;

	if (mstore_list(ms, &v, &n) == -1)
		return (0);
	for (i = 0; i < n; i++)
		if (!(v[i].attrs & FA_NONEXISTENT) &&
		    strncmp(v[i].name, name, len) == 0 &&
		    v[i].name[len] == '/')
			r = 1;
	folder_list_free(v, n);
	return (r);
}

/* Remove a folder's files; keepdir: leave the directory (\Noselect). */
static int
folder_wipe(struct mstore *ms, const char *dir, int keepdir)
{
	static const char *const sub[] = { "cur", "new", "tmp" };
	DIR		*d;
	struct dirent	*de;
	size_t		 i;
	int		 fd, dfd, r = 0;

	if ((dfd = openat(ms->rootfd, dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		return (-1);
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		if ((fd = openat(dfd, sub[i], O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1 || (d = fdopendir(fd)) == NULL) {
			if (fd != -1)
				(void)close(fd);
			continue;
		}
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0 &&
			    unlinkat(dirfd(d), de->d_name, 0) == -1)
				r = -1;
		(void)closedir(d);
		if (unlinkat(dfd, sub[i], AT_REMOVEDIR) == -1)
			r = -1;
	}
	(void)unlinkat(dfd, IDX_FILE, 0);
	(void)unlinkat(dfd, CACHE_FILE, 0);
	(void)unlinkat(dfd, KW_FILE, 0);
	(void)close(dfd);
	if (!keepdir && unlinkat(ms->rootfd, dir, AT_REMOVEDIR) == -1)
		r = -1;
	return (r);
}

int
mstore_delete(struct mstore *ms, const char *name, const char **err)
{
	char	 dir[NAME_MAX + 1];
	int	 children;

	if (folder_dir(name, dir, sizeof(dir)) == -1) {
		*err = ERR_NONEXIST;
		return (-1);
	}
	if (strcmp(dir, ".") == 0) {
		*err = "[CANNOT] INBOX cannot be deleted";
		return (-1);
	}
	if (!folder_is_dir(ms, dir, NULL)) {
		*err = ERR_NONEXIST;
		return (-1);
	}
	children = folder_has_children(ms, name);
	if (children && !folder_is_dir(ms, dir, "cur")) {
		*err = "[INUSE] Mailbox has children and is not selectable";
		return (-1);
	}
	if (folder_wipe(ms, dir, children) == -1) {
		*err = ERR_SERVER;
		return (-1);
	}
	(void)su_set(ms, name, NULL, 0);
	return (0);
}

/* RENAME INBOX: its messages move to a new folder, INBOX stays. */
static int
rename_inbox(struct mstore *ms, const char *to, const char **err)
{
	static const char *const sub[] = { "cur", "new" };
	DIR		*d;
	struct dirent	*de;
	char		 dir[NAME_MAX + 1], dst[PATH_MAX];
	size_t		 i;
	int		 fd, r = 0;

	if (mstore_create(ms, to, 0, err) == -1 ||
	    folder_dir(to, dir, sizeof(dir)) == -1)
		return (-1);
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		if ((fd = openat(ms->rootfd, sub[i], O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1 || (d = fdopendir(fd)) == NULL) {
			if (fd != -1)
				(void)close(fd);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (snprintf(dst, sizeof(dst), "%s/%s/%s", dir,
			    sub[i], de->d_name) >= (int)sizeof(dst) ||
			    renameat(dirfd(d), de->d_name, ms->rootfd,
			    dst) == -1)
				r = -1;
		}
		(void)closedir(d);
	}
	if (r == -1)
		*err = ERR_SERVER;
	return (r);
}

int
mstore_rename(struct mstore *ms, const char *from, const char *to,
    const char **err)
{
	struct folder_info	*v;
	char			 fdir[NAME_MAX + 1], tdir[NAME_MAX + 1];
	char			 nname[PATH_MAX], odir[NAME_MAX + 1];
	char			 ndir[NAME_MAX + 1], *p;
	size_t			 n, i, flen = strlen(from);
	int			 r = 0;

	if (folder_dir(from, fdir, sizeof(fdir)) == -1 ||
	    !folder_is_dir(ms, fdir, NULL)) {
		*err = ERR_NONEXIST;
		return (-1);
	}
	if (folder_dir(to, tdir, sizeof(tdir)) == -1) {
		*err = ERR_BADNAME;
		return (-1);
	}
	if (folder_is_dir(ms, tdir, NULL) || strcmp(tdir, ".") == 0) {
		*err = ERR_EXISTS;
		return (-1);
	}
	if (strcmp(fdir, ".") == 0)
		return (rename_inbox(ms, to, err));
	if (strncmp(to, from, flen) == 0 && to[flen] == '/') {
		*err = "[CANNOT] Cannot rename a mailbox into itself";
		return (-1);
	}
	if (mstore_list(ms, &v, &n) == -1) {
		*err = ERR_SERVER;
		return (-1);
	}
	/* the superiors of the new name */
	if ((p = strrchr(to, '/')) != NULL) {
		(void)strlcpy(nname, to, sizeof(nname));
		nname[p - to] = '\0';
		if (!mstore_exists(ms, nname))
			(void)mstore_create(ms, nname, 0, err);
	}
	for (i = 0; i < n && r == 0; i++) {
		if (v[i].attrs & FA_NONEXISTENT)
			continue;
		if (strcmp(v[i].name, from) != 0 &&
		    (strncmp(v[i].name, from, flen) != 0 ||
		    v[i].name[flen] != '/'))
			continue;
		if (snprintf(nname, sizeof(nname), "%s%s", to,
		    v[i].name + flen) >= (int)sizeof(nname) ||
		    folder_dir(v[i].name, odir, sizeof(odir)) == -1 ||
		    folder_dir(nname, ndir, sizeof(ndir)) == -1)
			r = -1;
		else if (!folder_is_dir(ms, odir, NULL))
			continue;	/* a parent with no directory */
		else if (renameat(ms->rootfd, odir, ms->rootfd, ndir) == -1)
			r = -1;
	}
	folder_list_free(v, n);
	if (r == -1) {
		*err = ERR_SERVER;
		return (-1);
	}
	(void)su_set(ms, from, to, 0);
	return (0);
}

int
mstore_subscribe(struct mstore *ms, const char *name, int on,
    const char **err)
{
	struct lines	 l;
	char		 dir[NAME_MAX + 1];
	const char	*n = name;
	size_t		 i, j;
	int		 found = 0, r;

	if (folder_dir(name, dir, sizeof(dir)) == -1) {
		*err = ERR_BADNAME;
		return (-1);
	}
	if (strcmp(dir, ".") == 0)
		n = "INBOX";
	if (lines_read(ms, SUBS_FILE, &l) == -1) {
		*err = ERR_SERVER;
		return (-1);
	}
	for (i = j = 0; i < l.n; i++) {
		if (strcmp(l.v[i], n) == 0) {
			found = 1;
			if (!on) {
				free(l.v[i]);
				continue;
			}
		}
		l.v[j++] = l.v[i];
	}
	l.n = j;
	if (on && !found) {
		l.v = xreallocarray(l.v, l.n + 1, sizeof(*l.v));
		l.v[l.n++] = xstrdup(n);
	}
	r = 0;
	if ((on && !found) || (!on && found))
		r = lines_write(ms, SUBS_FILE, &l);
	lines_free(&l);
	if (r == -1)
		*err = ERR_SERVER;
	return (r);
}
