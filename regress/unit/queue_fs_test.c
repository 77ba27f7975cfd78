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
 * queue_fs_test.c -- unit tests for queue/queue_fs.c in a temporary
 * spool (the work directory ATF gives each test case): commit and load,
 * what start-up does with every kind of leftover, quarantine.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <atf-c.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "queue.h"
#include "smtpd.h"

#define BODY	"Subject: test\n\nhello\n"

struct loaded {
	uint32_t	 msgid[8];
	size_t		 nenv[8];
	struct envelope	 first[8];
	size_t		 n;
};

static void	setup(void);
static int	exists(const char *, uint32_t, const char *);
static void	mkenv(struct envelope *, uint32_t, uint32_t);
static void	commit(uint32_t, size_t);
static int	env_write(uint32_t, const struct envelope *const *, size_t,
	    int);
static void	put(const char *, uint32_t, const char *, const char *);
static void	load_cb(void *, uint32_t, struct envelope *, size_t);
static size_t	count_prefix(const char *, uint32_t);

static void
setup(void)
{
	char	 cwd[PATH_MAX - 32], base[PATH_MAX];

	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	ATF_REQUIRE((size_t)snprintf(base, sizeof(base), "%s/spool", cwd) <
	    sizeof(base));
	queue_fs_init(base);
	ATF_REQUIRE(queue_fs_mkdirs(getuid(), getgid()) == 0);
}

static int
exists(const char *dir, uint32_t msgid, const char *sfx)
{
	char		 path[PATH_MAX];
	struct stat	 sb;

	snprintf(path, sizeof(path), "%s%s/%08x%s", queue_fs_base(), dir,
	    msgid, sfx);
	return (stat(path, &sb) == 0);
}

static void
mkenv(struct envelope *e, uint32_t msgid, uint32_t low)
{
	memset(e, 0, sizeof(*e));
	e->id = (uint64_t)msgid << 32 | low;
	strlcpy(e->sender.user, "alice", sizeof(e->sender.user));
	strlcpy(e->sender.domain, "example.org", sizeof(e->sender.domain));
	strlcpy(e->rcpt.user, "bob", sizeof(e->rcpt.user));
	strlcpy(e->rcpt.domain, "example.org", sizeof(e->rcpt.domain));
	e->dest = e->rcpt;
	strlcpy(e->action, "local", sizeof(e->action));
	strlcpy(e->user, "bob", sizeof(e->user));
	e->ctime = 1700000000;
	e->expire = 1700000000 + 86400;
	e->nexttry = 1700000000;
}

/* A full commit of msgid with n envelopes, as queue.c does it. */
static void
commit(uint32_t msgid, size_t n)
{
	struct envelope		 e[4];
	const struct envelope	*v[4];
	size_t			 i;
	int			 fd;

	ATF_REQUIRE(n <= 4);
	for (i = 0; i < n; i++) {
		mkenv(&e[i], msgid, (uint32_t)i + 1);
		v[i] = &e[i];
	}
	ATF_REQUIRE((fd = queue_fs_create(msgid)) != -1);
	ATF_REQUIRE(write(fd, BODY, strlen(BODY)) == (ssize_t)strlen(BODY));
	ATF_REQUIRE(close(fd) == 0);
	ATF_REQUIRE(queue_fs_msg_check(msgid, strlen(BODY)) == 0);
	ATF_REQUIRE(env_write(msgid, v, n, 0) == 0);
	ATF_REQUIRE(queue_fs_sync() == 0);
}

/* What a commit round does for one envelope file: stage, sync, install. */
static int
env_write(uint32_t msgid, const struct envelope *const *v, size_t n,
    int replace)
{
	uint32_t	spare;

	if (queue_fs_env_stage(msgid, v, n, &spare) == -1)
		return (-1);
	if (queue_fs_data_sync() == -1) {
		queue_fs_env_unstage(spare);
		return (-1);
	}
	return (queue_fs_env_install(msgid, spare, replace));
}

static void
put(const char *dir, uint32_t msgid, const char *sfx, const char *text)
{
	char	 path[PATH_MAX];
	FILE	*f;

	snprintf(path, sizeof(path), "%s%s/%08x%s", queue_fs_base(), dir,
	    msgid, sfx);
	ATF_REQUIRE((f = fopen(path, "w")) != NULL);
	fputs(text, f);
	ATF_REQUIRE(fclose(f) == 0);
}

static void
load_cb(void *arg, uint32_t msgid, struct envelope *evps, size_t n)
{
	struct loaded	*l = arg;

	ATF_REQUIRE(l->n < 8);
	l->msgid[l->n] = msgid;
	l->nenv[l->n] = n;
	l->first[l->n] = evps[0];
	l->n++;
}

/* Files in corrupt/ whose name starts with msgid. */
static size_t
count_prefix(const char *dir, uint32_t msgid)
{
	char		 path[PATH_MAX], pfx[16];
	struct dirent	*de;
	DIR		*d;
	size_t		 n = 0;

	snprintf(path, sizeof(path), "%s%s", queue_fs_base(), dir);
	snprintf(pfx, sizeof(pfx), "%08x.", msgid);
	ATF_REQUIRE((d = opendir(path)) != NULL);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, pfx, strlen(pfx)) == 0)
			n++;
	closedir(d);
	return (n);
}

ATF_TC_WITHOUT_HEAD(commit_and_load);
ATF_TC_BODY(commit_and_load, tc)
{
	struct queue_fs_loadstats	 st;
	struct loaded			 l;
	int				 fd;
	char				 buf[64];

	setup();
	commit(0xabc, 2);
	ATF_CHECK(!exists(PATH_INCOMING, 0xabc, ""));
	ATF_CHECK(exists(PATH_QUEUE, 0xabc, ".msg"));
	ATF_CHECK(exists(PATH_QUEUE, 0xabc, ".env"));
	ATF_CHECK(!exists(PATH_QUEUE, 0xabc, ".env.tmp"));

	memset(&l, 0, sizeof(l));
	ATF_REQUIRE(queue_fs_load(load_cb, &l, &st) == 0);
	ATF_REQUIRE_EQ(l.n, 1);
	ATF_CHECK_EQ(l.msgid[0], 0xabc);
	ATF_CHECK_EQ(l.nenv[0], 2);
	ATF_CHECK_EQ(l.first[0].id, (uint64_t)0xabc << 32 | 1);
	ATF_CHECK_STREQ(l.first[0].rcpt.user, "bob");
	ATF_CHECK_EQ(st.messages, 1);
	ATF_CHECK_EQ(st.envelopes, 2);
	ATF_CHECK_EQ(st.corrupt, 0);
	ATF_CHECK_EQ(st.removed, 0);

	/* the message reads back */
	ATF_REQUIRE((fd = queue_fs_open(0xabc)) != -1);
	memset(buf, 0, sizeof(buf));
	ATF_CHECK(read(fd, buf, sizeof(buf) - 1) == (ssize_t)strlen(BODY));
	ATF_CHECK_STREQ(buf, BODY);
	close(fd);

	queue_fs_delete(0xabc);
	ATF_CHECK(!exists(PATH_QUEUE, 0xabc, ".msg"));
	ATF_CHECK(!exists(PATH_QUEUE, 0xabc, ".env"));
}

/* The size smtp announces must be the size on disk. */
ATF_TC_WITHOUT_HEAD(size_mismatch);
ATF_TC_BODY(size_mismatch, tc)
{
	struct envelope		 e;
	const struct envelope	*v[1] = { &e };
	int			 fd;

	setup();
	mkenv(&e, 0x77, 1);
	ATF_REQUIRE((fd = queue_fs_create(0x77)) != -1);
	ATF_REQUIRE(queue_fs_create(0x77) == -1);	/* O_EXCL */
	ATF_REQUIRE(write(fd, BODY, strlen(BODY)) == (ssize_t)strlen(BODY));
	close(fd);
	ATF_CHECK_EQ(queue_fs_msg_check(0x77, strlen(BODY) + 1), -1);
	ATF_CHECK_EQ(queue_fs_msg_check(0x77, strlen(BODY)), 0);
	/* a new envelope file never replaces one */
	ATF_REQUIRE(env_write(0x77, v, 1, 0) == 0);
	ATF_CHECK_EQ(env_write(0x77, v, 1, 0), -1);
	queue_fs_abort(0x77);
	ATF_CHECK(!exists(PATH_QUEUE, 0x77, ".msg"));
	ATF_CHECK(!exists(PATH_QUEUE, 0x77, ".env.tmp"));
	ATF_CHECK(!exists(PATH_QUEUE, 0x77, ".env"));
}

/* Never-acknowledged leftovers are removed, incoming/ is cleared. */
ATF_TC_WITHOUT_HEAD(incomplete_removed);
ATF_TC_BODY(incomplete_removed, tc)
{
	struct queue_fs_loadstats	 st;
	struct loaded			 l;

	setup();
	commit(0x100, 1);
	/* crash between the two renames: .msg without .env */
	put(PATH_QUEUE, 0x200, ".msg", BODY);
	put(PATH_QUEUE, 0x200, ".env.tmp", "version: 1\nid: 00");
	/* crash in a rewrite of a committed message: stale .env.tmp */
	put(PATH_QUEUE, 0x100, ".env.tmp", "garbage");
	/* sessions in progress */
	put(PATH_INCOMING, 0x300, "", "partial");
	put(PATH_INCOMING, 0x400, "", "");

	memset(&l, 0, sizeof(l));
	ATF_REQUIRE(queue_fs_load(load_cb, &l, &st) == 0);
	ATF_CHECK_EQ(l.n, 1);
	ATF_CHECK_EQ(l.msgid[0], 0x100);
	ATF_CHECK_EQ(st.removed, 1);
	ATF_CHECK_EQ(st.corrupt, 0);
	ATF_CHECK(!exists(PATH_QUEUE, 0x200, ".msg"));
	ATF_CHECK(!exists(PATH_QUEUE, 0x200, ".env.tmp"));
	ATF_CHECK(!exists(PATH_QUEUE, 0x100, ".env.tmp"));
	ATF_CHECK(exists(PATH_QUEUE, 0x100, ".env"));
	ATF_CHECK(!exists(PATH_INCOMING, 0x300, ""));
	ATF_CHECK(!exists(PATH_INCOMING, 0x400, ""));
}

/* Damaged messages go to corrupt/ with both files, and are not loaded. */
ATF_TC_WITHOUT_HEAD(corrupt_quarantined);
ATF_TC_BODY(corrupt_quarantined, tc)
{
	struct queue_fs_loadstats	 st;
	struct loaded			 l;
	struct envelope			 e;
	char				 buf[ENVELOPE_DUMP_MAX];

	setup();
	commit(0x500, 1);
	/* unparseable */
	put(PATH_QUEUE, 0x600, ".msg", BODY);
	put(PATH_QUEUE, 0x600, ".env", "version: 1\nid: zz\nend: ok\n");
	/* .env without its message */
	mkenv(&e, 0x700, 1);
	ATF_REQUIRE(envelope_dump(&e, buf, sizeof(buf)) > 0);
	put(PATH_QUEUE, 0x700, ".env", buf);
	/* an envelope of another message */
	put(PATH_QUEUE, 0x800, ".msg", BODY);
	put(PATH_QUEUE, 0x800, ".env", buf);
	/* empty envelope file */
	put(PATH_QUEUE, 0x900, ".msg", BODY);
	put(PATH_QUEUE, 0x900, ".env", "");

	memset(&l, 0, sizeof(l));
	ATF_REQUIRE(queue_fs_load(load_cb, &l, &st) == 0);
	ATF_CHECK_EQ(l.n, 1);
	ATF_CHECK_EQ(l.msgid[0], 0x500);
	ATF_CHECK_EQ(st.corrupt, 4);
	ATF_CHECK_EQ(count_prefix(PATH_CORRUPT, 0x600), 2);
	ATF_CHECK_EQ(count_prefix(PATH_CORRUPT, 0x700), 1);
	ATF_CHECK_EQ(count_prefix(PATH_CORRUPT, 0x800), 2);
	ATF_CHECK_EQ(count_prefix(PATH_CORRUPT, 0x900), 2);
	ATF_CHECK(!exists(PATH_QUEUE, 0x600, ".msg"));
	ATF_CHECK(!exists(PATH_QUEUE, 0x600, ".env"));
	ATF_CHECK(!exists(PATH_QUEUE, 0x700, ".env"));
	ATF_CHECK(!exists(PATH_QUEUE, 0x800, ".env"));
	ATF_CHECK(exists(PATH_QUEUE, 0x500, ".msg"));
}

/* A rewrite replaces the envelope file atomically. */
ATF_TC_WITHOUT_HEAD(rewrite);
ATF_TC_BODY(rewrite, tc)
{
	struct queue_fs_loadstats	 st;
	struct loaded			 l;
	struct envelope			 e;
	const struct envelope		*v[1] = { &e };

	setup();
	commit(0xa00, 3);
	mkenv(&e, 0xa00, 2);
	e.retry = 4;
	strlcpy(e.errorline, "451 4.2.2 full", sizeof(e.errorline));
	ATF_REQUIRE(env_write(0xa00, v, 1, 1) == 0);
	ATF_CHECK(!exists(PATH_QUEUE, 0xa00, ".env.tmp"));
	ATF_CHECK(exists(PATH_QUEUE, 0xa00, ".env"));

	memset(&l, 0, sizeof(l));
	ATF_REQUIRE(queue_fs_load(load_cb, &l, &st) == 0);
	ATF_REQUIRE_EQ(l.n, 1);
	ATF_CHECK_EQ(l.nenv[0], 1);
	ATF_CHECK_EQ(l.first[0].retry, 4);
	ATF_CHECK_STREQ(l.first[0].errorline, "451 4.2.2 full");
}

static size_t
count_files(const char *dir)
{
	char		 path[PATH_MAX];
	struct dirent	*de;
	DIR		*d;
	size_t		 n = 0;

	snprintf(path, sizeof(path), "%s%s", queue_fs_base(), dir);
	ATF_REQUIRE((d = opendir(path)) != NULL);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return (n);
}

static ino_t
ino_of(const char *dir, uint32_t msgid, const char *sfx)
{
	char		 path[PATH_MAX];
	struct stat	 sb;

	snprintf(path, sizeof(path), "%s%s/%08x%s", queue_fs_base(), dir,
	    msgid, sfx);
	ATF_REQUIRE(stat(path, &sb) == 0);
	return (sb.st_ino);
}

/*
 * Files of delivered messages are reused, a .msg only as a .msg (smtp
 * had a write fd on it), an .env only as an .env; reused files start
 * empty.
 */
ATF_TC_WITHOUT_HEAD(spares);
ATF_TC_BODY(spares, tc)
{
	struct queue_fs_loadstats	 st;
	struct loaded			 l;
	struct stat			 sb;
	ino_t				 envino;
	int				 fd;

	setup();
	commit(0xb00, 2);
	envino = ino_of(PATH_QUEUE, 0xb00, ".env");
	queue_fs_delete(0xb00);
	ATF_CHECK(!exists(PATH_QUEUE, 0xb00, ".msg"));
	ATF_CHECK(!exists(PATH_QUEUE, 0xb00, ".env"));
	/* the .msg is gone for good; the .env is kept as a spare */
	ATF_CHECK_EQ(count_files(PATH_INCOMING), 1);

	/* a new message file starts empty */
	ATF_REQUIRE((fd = queue_fs_create(0xc00)) != -1);
	ATF_REQUIRE(fstat(fd, &sb) == 0);
	ATF_CHECK_EQ(sb.st_size, 0);
	close(fd);
	queue_fs_discard(0xc00);
	ATF_CHECK(!exists(PATH_QUEUE, 0xc00, ".msg"));

	/* not reused before queue/ was synced after the delete */
	queue_fs_delete(0xd00);
	commit(0xd00, 1);
	ATF_CHECK(ino_of(PATH_QUEUE, 0xd00, ".env") != envino);
	/* that commit synced queue/: now it is */
	commit(0xd01, 1);
	ATF_CHECK_EQ(ino_of(PATH_QUEUE, 0xd01, ".env"), envino);

	/* start-up clears the spares and loads the reused files right */
	queue_fs_delete(0xd00);
	queue_fs_delete(0xd01);
	commit(0xe00, 1);
	memset(&l, 0, sizeof(l));
	ATF_REQUIRE(queue_fs_load(load_cb, &l, &st) == 0);
	ATF_REQUIRE_EQ(l.n, 1);
	ATF_CHECK_EQ(l.msgid[0], 0xe00);
	ATF_CHECK_EQ(l.nenv[0], 1);
	ATF_CHECK_EQ(st.corrupt, 0);
	ATF_CHECK_EQ(count_files(PATH_INCOMING), 0);
}


/*
 * The prefix of a commit (DKIM-Signature, Authentication-Results): put
 * before the message by a copy renamed over it, after the size check of
 * what smtp wrote; a failure leaves the message as it was.
 */
#define PREFIX	"DKIM-Signature: v=1; a=rsa-sha256; d=example.org;\r\n" \
		"\tb=abcd\r\nAuthentication-Results: mx.example.org; none\r\n"

static char *
slurp(uint32_t msgid, size_t *len)
{
	char		 path[PATH_MAX], *buf;
	struct stat	 sb;
	int		 fd;

	snprintf(path, sizeof(path), "%s%s/%08x.msg", queue_fs_base(),
	    PATH_QUEUE, msgid);
	ATF_REQUIRE((fd = open(path, O_RDONLY)) != -1);
	ATF_REQUIRE(fstat(fd, &sb) == 0);
	ATF_REQUIRE((buf = malloc((size_t)sb.st_size + 1)) != NULL);
	ATF_REQUIRE(read(fd, buf, (size_t)sb.st_size) == sb.st_size);
	buf[sb.st_size] = '\0';
	close(fd);
	*len = (size_t)sb.st_size;
	return (buf);
}

ATF_TC_WITHOUT_HEAD(prefix);
ATF_TC_BODY(prefix, tc)
{
	struct queue_fs_loadstats	 st;
	struct loaded			 l;
	struct envelope			 e;
	const struct envelope		*v[1] = { &e };
	char				*buf, *big, old[64];
	size_t				 len, i, bigsz = 3 * 1024 * 1024 + 17;
	int				 fd, rfd;

	setup();
	/* a small message */
	ATF_REQUIRE((fd = queue_fs_create(0x51)) != -1);
	ATF_REQUIRE(write(fd, BODY, strlen(BODY)) == (ssize_t)strlen(BODY));
	/* a reader of the old file (smtp's descriptor) keeps its inode */
	rfd = queue_fs_open(0x51);
	ATF_REQUIRE(rfd != -1);
	ATF_REQUIRE(close(fd) == 0);
	ATF_REQUIRE(queue_fs_msg_check(0x51, strlen(BODY)) == 0);
	/* a wrong size is refused and changes nothing */
	ATF_CHECK_EQ(queue_fs_msg_prefix(0x51, strlen(BODY) + 1, PREFIX,
	    strlen(PREFIX)), -1);
	buf = slurp(0x51, &len);
	ATF_CHECK_STREQ(buf, BODY);
	free(buf);
	ATF_CHECK(!exists(PATH_INCOMING, 0x51, ".pfx"));
	ATF_REQUIRE(queue_fs_msg_prefix(0x51, strlen(BODY), PREFIX,
	    strlen(PREFIX)) == 0);
	buf = slurp(0x51, &len);
	ATF_CHECK_EQ(len, strlen(PREFIX) + strlen(BODY));
	ATF_CHECK_STREQ(buf, PREFIX BODY);
	free(buf);
	ATF_CHECK(!exists(PATH_INCOMING, 0x51, ".pfx"));
	memset(old, 0, sizeof(old));
	ATF_CHECK(read(rfd, old, sizeof(old) - 1) == (ssize_t)strlen(BODY));
	ATF_CHECK_STREQ(old, BODY);
	close(rfd);
	/* then the usual commit: it loads, with its new size */
	mkenv(&e, 0x51, 1);
	e.flags |= EF_QUARANTINE;
	ATF_REQUIRE(env_write(0x51, v, 1, 0) == 0);
	ATF_REQUIRE(queue_fs_sync() == 0);
	ATF_CHECK_EQ(queue_fs_msg_size(0x51),
	    (int64_t)(strlen(PREFIX) + strlen(BODY)));
	memset(&l, 0, sizeof(l));
	ATF_REQUIRE(queue_fs_load(load_cb, &l, &st) == 0);
	ATF_REQUIRE_EQ(l.n, 1);
	ATF_CHECK(l.first[0].flags & EF_QUARANTINE);

	/* a large message is copied whole, byte for byte */
	ATF_REQUIRE((big = malloc(bigsz)) != NULL);
	for (i = 0; i < bigsz; i++)
		big[i] = (char)('a' + i % 23);
	ATF_REQUIRE((fd = queue_fs_create(0x52)) != -1);
	ATF_REQUIRE(write(fd, big, bigsz) == (ssize_t)bigsz);
	ATF_REQUIRE(close(fd) == 0);
	ATF_REQUIRE(queue_fs_msg_prefix(0x52, bigsz, PREFIX,
	    strlen(PREFIX)) == 0);
	buf = slurp(0x52, &len);
	ATF_REQUIRE_EQ(len, strlen(PREFIX) + bigsz);
	ATF_CHECK(memcmp(buf, PREFIX, strlen(PREFIX)) == 0);
	ATF_CHECK(memcmp(buf + strlen(PREFIX), big, bigsz) == 0);
	free(buf);
	free(big);

	/* a message that is gone: -1, nothing left behind */
	ATF_CHECK_EQ(queue_fs_msg_prefix(0x53, 1, PREFIX, strlen(PREFIX)),
	    -1);
	ATF_CHECK(!exists(PATH_INCOMING, 0x53, ".pfx"));
	ATF_CHECK(!exists(PATH_QUEUE, 0x53, ".msg"));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, commit_and_load);
	ATF_TP_ADD_TC(tp, size_mismatch);
	ATF_TP_ADD_TC(tp, incomplete_removed);
	ATF_TP_ADD_TC(tp, spares);
	ATF_TP_ADD_TC(tp, corrupt_quarantined);
	ATF_TP_ADD_TC(tp, rewrite);
	ATF_TP_ADD_TC(tp, prefix);
	return (atf_no_error());
}
