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
 * agent_test.c -- unit tests for the delivery agents (agent/agent_*.c):
 * the line converter, mbox (byte-exact, locking, rollback), Maildir,
 * alias files, mda commands and LMTP against a fake server.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* strptime */
#endif

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "smtpd.h"
#include "util.h"
#include "agent.h"

#define MSG	"Received: from x by y; Thu, 1 Jan 1970 00:00:00 +0000\r\n" \
		"Subject: test\r\n" \
		"\r\n" \
		"From the start\r\n" \
		">From quoted\r\n" \
		"Fromage\r\n" \
		".dot\r\n" \
		"last line without newline"
#define MSG_LF	"Received: from x by y; Thu, 1 Jan 1970 00:00:00 +0000\n"\
		"Subject: test\n" \
		"\n" \
		"From the start\n" \
		">From quoted\n" \
		"Fromage\n" \
		".dot\n" \
		"last line without newline\n"
#define MSG_MBOX "Received: from x by y; Thu, 1 Jan 1970 00:00:00 +0000\n" \
		"Subject: test\n" \
		"\n" \
		">From the start\n" \
		">>From quoted\n" \
		"Fromage\n" \
		".dot\n" \
		"last line without newline\n"
#define HDRS	"Return-Path: <alice@example.org>\n" \
		"Delivered-To: bob@example.net\n"

static void	 fixture(struct deliver *);
static int	 msgfd(const char *, size_t);
static char	*slurp(const char *, size_t *);
static char	*abspath(const char *);
static size_t	 count_dir(const char *, char *, size_t);
static void	 xform_check(int, const char *, const char *);
static char	*mbox_check_from(char *, const char *);
static pid_t	 lmtp_server(const char *, const char *);
static void	 lmtp_serve(int, const char *, int);
static pid_t	 proc_spawn(const char *, const struct passwd *, int *);
static int	 proc_send(struct imsgbuf *, struct deliver *, int);
static int	 proc_result(struct imsgbuf *, struct delivery_result *);
static int	 proc_deliver(struct imsgbuf *, struct deliver *, int,
		    struct delivery_result *);

static void
fixture(struct deliver *d)
{
	memset(d, 0, sizeof(*d));
	d->evp.id = 0x1234567800000001ULL;
	strlcpy(d->evp.sender.user, "alice", sizeof(d->evp.sender.user));
	strlcpy(d->evp.sender.domain, "example.org",
	    sizeof(d->evp.sender.domain));
	strlcpy(d->evp.rcpt.user, "bob+lists", sizeof(d->evp.rcpt.user));
	strlcpy(d->evp.rcpt.domain, "example.net",
	    sizeof(d->evp.rcpt.domain));
	strlcpy(d->evp.dest.user, "bob", sizeof(d->evp.dest.user));
	strlcpy(d->evp.dest.domain, "example.net",
	    sizeof(d->evp.dest.domain));
	d->evp.dtype = DT_MAILBOX;
	strlcpy(d->username, "bob", sizeof(d->username));
	d->uid = getuid();
	d->gid = getgid();
	strlcpy(d->home, abspath("home"), sizeof(d->home));
	strlcpy(d->shell, "/bin/sh", sizeof(d->shell));
	(void)mkdir(d->home, 0755);
}

/* A read-only fd on a new file holding data, like the queue's. */
static int
msgfd(const char *data, size_t len)
{
	char	 path[] = "msg.XXXXXX";
	int	 fd, rfd;

	ATF_REQUIRE((fd = mkstemp(path)) != -1);
	ATF_REQUIRE(write_full(fd, data, len) == (ssize_t)len);
	close(fd);
	ATF_REQUIRE((rfd = open(path, O_RDONLY)) != -1);
	unlink(path);
	return (rfd);
}

static char *
slurp(const char *path, size_t *len)
{
	struct stat	 sb;
	char		*buf;
	int		 fd;

	ATF_REQUIRE_MSG((fd = open(path, O_RDONLY)) != -1, "open %s", path);
	ATF_REQUIRE(fstat(fd, &sb) == 0);
	buf = calloc(1, (size_t)sb.st_size + 1);
	ATF_REQUIRE(buf != NULL);
	ATF_REQUIRE(read_full(fd, buf, (size_t)sb.st_size) == sb.st_size);
	close(fd);
	if (len != NULL)
		*len = (size_t)sb.st_size;
	return (buf);
}

static char *
abspath(const char *name)
{
	static char	 buf[4][PATH_MAX];
	static int	 i;
	char		 cwd[PATH_MAX];

	i = (i + 1) % 4;
	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	ATF_REQUIRE(snprintf(buf[i], sizeof(buf[i]), "%s/%s", cwd, name) <
	    (int)sizeof(buf[i]));
	return (buf[i]);
}

/* Number of entries; the name of the last one in name. */
static size_t
count_dir(const char *path, char *name, size_t len)
{
	DIR		*dir;
	struct dirent	*de;
	size_t		 n = 0;

	ATF_REQUIRE_MSG((dir = opendir(path)) != NULL, "opendir %s", path);
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		n++;
		if (name != NULL)
			strlcpy(name, de->d_name, len);
	}
	closedir(dir);
	return (n);
}

/* The converter gives the same output fed whole and one byte at a time. */
static void
xform_check(int flags, const char *in, const char *want)
{
	struct agent_xform	 x;
	struct agent_obuf	 ob;
	size_t			 i, len = strlen(in);
	int			 pass;

	for (pass = 0; pass < 2; pass++) {
		memset(&ob, 0, sizeof(ob));
		agent_xform_init(&x, flags);
		if (pass == 0)
			agent_xform_feed(&x, in, len, &ob);
		else
			for (i = 0; i < len; i++)
				agent_xform_feed(&x, in + i, 1, &ob);
		agent_xform_end(&x, &ob);
		agent_obuf_add(&ob, "", 1);
		ATF_CHECK_MSG(strcmp(ob.buf, want) == 0,
		    "flags %d pass %d: \"%s\" -> \"%s\", want \"%s\"", flags,
		    pass, in, ob.buf, want);
		agent_obuf_free(&ob);
	}
}

ATF_TC_WITHOUT_HEAD(xform);
ATF_TC_BODY(xform, tc)
{
	static const struct {
		int		 flags;
		const char	*in;
		const char	*want;
	} cases[] = {
		{ 0, "", "" },
		{ 0, "a", "a\n" },
		{ 0, "a\r\nb\r\n", "a\nb\n" },
		{ 0, "a\nb", "a\nb\n" },
		{ 0, "a\r\n\r\nb", "a\n\nb\n" },
		{ 0, "a\rb\r\n", "a\rb\n" },
		{ 0, "From x\n", "From x\n" },
		{ AX_FROMQUOTE, "From x\r\n", ">From x\n" },
		{ AX_FROMQUOTE, ">From x\n>>From y\n",
		    ">>From x\n>>>From y\n" },
		{ AX_FROMQUOTE, "a From x\nFromage\n>Fro\n>\n>>\n",
		    "a From x\nFromage\n>Fro\n>\n>>\n" },
		{ AX_FROMQUOTE, "From", "From\n" },
		{ AX_FROMQUOTE, ">From", ">From\n" },
		{ AX_FROMQUOTE, "From ", ">From \n" },
		{ AX_FROMQUOTE, "Fr\r\nFrom\r\n", "Fr\nFrom\n" },
		{ AX_FROMQUOTE, "x\nFrom a\nFrom b", "x\n>From a\n>From b\n" },
		{ AX_FROMQUOTE, ">>>", ">>>\n" },
		{ AX_CRLF | AX_DOTSTUFF, "a\n.\n..b\r\n.x",
		    "a\r\n..\r\n...b\r\n..x\r\n" },
		{ AX_CRLF | AX_DOTSTUFF, "a.b\r\n", "a.b\r\n" },
		{ AX_CRLF, "a\nb", "a\r\nb\r\n" },
		{ AX_CRLF, ".\n", ".\r\n" },
	};
	size_t	 i;

	for (i = 0; i < nitems(cases); i++)
		xform_check(cases[i].flags, cases[i].in, cases[i].want);
}

ATF_TC_WITHOUT_HEAD(path_safe);
ATF_TC_BODY(path_safe, tc)
{
	ATF_CHECK(agent_path_safe("/var/mail/bob"));
	ATF_CHECK(agent_path_safe("/home/bob/Maildir/"));
	ATF_CHECK(agent_path_safe("/home/bob/.x..y/..z"));
	ATF_CHECK(!agent_path_safe("var/mail/bob"));
	ATF_CHECK(!agent_path_safe(""));
	ATF_CHECK(!agent_path_safe("/var/mail/../etc"));
	ATF_CHECK(!agent_path_safe("/var/mail/.."));
	ATF_CHECK(!agent_path_safe("/var/./mail"));
	ATF_CHECK(!agent_path_safe("/var//mail/."));
}

/* Check and skip the From_ line; returns what follows it. */
static char *
mbox_check_from(char *p, const char *sender)
{
	struct tm	 tm;
	char		 want[128], *nl, *end;

	snprintf(want, sizeof(want), "From %s ", sender);
	ATF_REQUIRE_MSG(strncmp(p, want, strlen(want)) == 0, "From_: %.60s",
	    p);
	p += strlen(want);
	ATF_REQUIRE((nl = strchr(p, '\n')) != NULL);
	ATF_CHECK_EQ(nl - p, 24);		/* asctime(3) */
	memset(&tm, 0, sizeof(tm));
	end = strptime(p, "%a %b %e %H:%M:%S %Y", &tm);
	ATF_CHECK(end == nl);
	return (nl + 1);
}

ATF_TC_WITHOUT_HEAD(mbox);
ATF_TC_BODY(mbox, tc)
{
	struct deliver		 d;
	struct agent_report	 rep;
	struct stat		 sb;
	char			*buf, *p, lock[PATH_MAX];
	size_t			 len;
	int			 fd;

	fixture(&d);
	strlcpy(d.mailbox, abspath("bob"), sizeof(d.mailbox));
	ATF_REQUIRE(snprintf(lock, sizeof(lock), "%s.lock", d.mailbox) <
	    (int)sizeof(lock));

	fd = msgfd(MSG, strlen(MSG));
	ATF_REQUIRE_EQ(agent_mbox_deliver(&d, fd, &rep), ST_OK);
	close(fd);
	ATF_CHECK_EQ(rep.status, ST_OK);
	ATF_CHECK_STREQ(rep.path, d.mailbox);
	ATF_CHECK_EQ(lstat(lock, &sb), -1);
	ATF_REQUIRE(stat(d.mailbox, &sb) == 0);
	ATF_CHECK((sb.st_mode & 07777) == 0600 ||
	    (sb.st_mode & 07777) == 0660);

	/* a second one, from <> */
	d.evp.sender.user[0] = d.evp.sender.domain[0] = '\0';
	fd = msgfd("Subject: two\n\nFrom here\n", 24);
	ATF_REQUIRE_EQ(agent_mbox_deliver(&d, fd, &rep), ST_OK);
	close(fd);
	ATF_CHECK_EQ(lstat(lock, &sb), -1);

	buf = slurp(d.mailbox, &len);
	ATF_CHECK_EQ((size_t)sb.st_size, 0 + (size_t)sb.st_size);
	p = mbox_check_from(buf, "alice@example.org");
	ATF_REQUIRE_MSG(strncmp(p, HDRS MSG_MBOX "\n",
	    strlen(HDRS MSG_MBOX "\n")) == 0, "first message: %s", p);
	ATF_CHECK_EQ(rep.size, 0 + rep.size);
	p += strlen(HDRS MSG_MBOX "\n");
	p = mbox_check_from(p, "MAILER-DAEMON");
	ATF_CHECK_STREQ(p, "Return-Path: <>\nDelivered-To: bob@example.net\n"
	    "Subject: two\n\n>From here\n\n");
	free(buf);
}

/* The mailbox path comes from the action's template when not given. */
ATF_TC_WITHOUT_HEAD(mbox_template);
ATF_TC_BODY(mbox_template, tc)
{
	struct deliver		 d;
	struct agent_report	 rep;
	struct stat		 sb;
	int			 fd;

	fixture(&d);
	snprintf(d.arg, sizeof(d.arg), "%s/%%{user.username}.mbox",
	    abspath(""));
	fd = msgfd(MSG, strlen(MSG));
	ATF_CHECK_EQ(agent_mbox_deliver(&d, fd, &rep), ST_OK);
	ATF_CHECK(stat(abspath("bob.mbox"), &sb) == 0 && sb.st_size > 0);

	/* a relative path is under the home directory */
	strlcpy(d.arg, "bob.mbox", sizeof(d.arg));
	ATF_CHECK_EQ(agent_mbox_deliver(&d, fd, &rep), ST_OK);
	ATF_CHECK(stat(abspath("home/bob.mbox"), &sb) == 0 && sb.st_size > 0);
	/* a dot-dot path is refused before anything is done */
	strlcpy(d.evp.dest.user, "..", sizeof(d.evp.dest.user));
	snprintf(d.arg, sizeof(d.arg), "%s/%%{dest.user}", abspath(""));
	ATF_CHECK_EQ(agent_mbox_deliver(&d, fd, &rep), ST_PERMFAIL);
	close(fd);
}

/*
 * Root's mailbox: appended to only if it is root:mail with one
 * link, never created by the agent (the parent makes it).
 */
ATF_TC_WITHOUT_HEAD(mbox_root);
ATF_TC_BODY(mbox_root, tc)
{
	struct deliver		 d;
	struct agent_report	 rep;
	struct group		*gr;
	struct stat		 sb;
	int			 fd, mfd;

	if (geteuid() != 0)
		atf_tc_skip("needs root (chown)");
	if ((gr = getgrnam("mail")) == NULL)
		atf_tc_skip("no group mail");
	fixture(&d);
	strlcpy(d.username, "root", sizeof(d.username));
	d.root_mbox = 1;
	strlcpy(d.mailbox, abspath("root"), sizeof(d.mailbox));
	mfd = msgfd(MSG, strlen(MSG));

	/* missing: not created here */
	ATF_CHECK_EQ(agent_mbox_deliver(&d, mfd, &rep), ST_TEMPFAIL);
	ATF_CHECK(lstat(d.mailbox, &sb) == -1 && errno == ENOENT);

	ATF_REQUIRE((fd = open(d.mailbox, O_WRONLY | O_CREAT, 0660)) != -1);
	ATF_REQUIRE(fchown(fd, 0, gr->gr_gid) == 0);
	close(fd);
	ATF_CHECK_EQ(agent_mbox_deliver(&d, mfd, &rep), ST_OK);
	ATF_CHECK(stat(d.mailbox, &sb) == 0 && sb.st_size > 0);

	/* someone else's file, or not group mail: refused */
	ATF_REQUIRE(chown(d.mailbox, 1, gr->gr_gid) == 0);
	ATF_CHECK_EQ(agent_mbox_deliver(&d, mfd, &rep), ST_TEMPFAIL);
	ATF_REQUIRE(chown(d.mailbox, 0, 0) == 0);
	ATF_CHECK_EQ(agent_mbox_deliver(&d, mfd, &rep), ST_TEMPFAIL);
	close(mfd);
}

/* A failed write is never a bounce; a full filesystem is 4.3.1. */
ATF_TC_WITHOUT_HEAD(report_errno);
ATF_TC_BODY(report_errno, tc)
{
	struct agent_report	 rep;

	agent_report_init(&rep);
	ATF_CHECK_EQ(agent_report_errno(&rep, ENOSPC, "maildir"),
	    ST_TEMPFAIL);
	ATF_CHECK_STREQ(rep.errorline,
	    "452 4.3.1 maildir: no space left on the mail filesystem");
	ATF_CHECK_EQ(agent_report_errno(&rep, EDQUOT, "mbox"), ST_TEMPFAIL);
	ATF_CHECK_STREQ(rep.errorline, "452 4.2.2 mbox: mailbox full (quota)");
	ATF_CHECK_EQ(agent_report_errno(&rep, EIO, "mbox"), ST_TEMPFAIL);
	ATF_CHECK_EQ(agent_report_errno(&rep, EROFS, "mbox"), ST_TEMPFAIL);
	ATF_CHECK(strncmp(rep.errorline, "451 4.3.0 ", 10) == 0);
}

ATF_TC_WITHOUT_HEAD(mbox_lock);
ATF_TC_BODY(mbox_lock, tc)
{
	struct deliver		 d;
	struct agent_report	 rep;
	struct timeval		 tv[2];
	struct stat		 sb;
	char			 lock[PATH_MAX];
	int			 fd, lfd;

	fixture(&d);
	strlcpy(d.mailbox, abspath("bob"), sizeof(d.mailbox));
	ATF_REQUIRE(snprintf(lock, sizeof(lock), "%s.lock", d.mailbox) <
	    (int)sizeof(lock));
	agent_lock_wait = 1;

	/* somebody holds the dotlock: tempfail after the wait */
	ATF_REQUIRE((lfd = open(lock, O_CREAT | O_WRONLY, 0600)) != -1);
	close(lfd);
	fd = msgfd(MSG, strlen(MSG));
	ATF_CHECK_EQ(agent_mbox_deliver(&d, fd, &rep), ST_TEMPFAIL);
	ATF_CHECK_STREQ(rep.errorline, "451 4.2.0 cannot lock mailbox");
	ATF_CHECK(lstat(lock, &sb) == 0);	/* not ours to remove */
	ATF_CHECK(lstat(d.mailbox, &sb) == -1);

	/* a stale one (older than 5 minutes) is broken */
	memset(tv, 0, sizeof(tv));
	tv[0].tv_sec = tv[1].tv_sec = time(NULL) - 600;
	ATF_REQUIRE(utimes(lock, tv) == 0);
	ATF_CHECK_EQ(agent_mbox_deliver(&d, fd, &rep), ST_OK);
	ATF_CHECK(lstat(lock, &sb) == -1);
	ATF_CHECK(stat(d.mailbox, &sb) == 0 && sb.st_size > 0);

	/* a symlink or a hard link in place of the mailbox is refused */
	ATF_REQUIRE(unlink(d.mailbox) == 0);
	ATF_REQUIRE(symlink(abspath("target"), d.mailbox) == 0);
	ATF_CHECK_EQ(agent_mbox_deliver(&d, fd, &rep), ST_TEMPFAIL);
	ATF_CHECK(lstat(abspath("target"), &sb) == -1);
	ATF_REQUIRE(unlink(d.mailbox) == 0);
	ATF_REQUIRE((lfd = open(abspath("target"), O_CREAT | O_WRONLY,
	    0600)) != -1);
	close(lfd);
	ATF_REQUIRE(link(abspath("target"), d.mailbox) == 0);
	ATF_CHECK_EQ(agent_mbox_deliver(&d, fd, &rep), ST_TEMPFAIL);
	ATF_CHECK(stat(abspath("target"), &sb) == 0 && sb.st_size == 0);
	ATF_CHECK(lstat(lock, &sb) == -1);
	close(fd);
}

/* A write failing half-way (file size limit) leaves the mbox as it was. */
ATF_TC_WITHOUT_HEAD(mbox_rollback);
ATF_TC_BODY(mbox_rollback, tc)
{
	struct deliver		 d;
	struct agent_report	 rep;
	struct rlimit		 rl;
	struct stat		 sb;
	char			*big, *before, *after;
	size_t			 blen, alen, bigsz = 300000;
	int			 fd;

	fixture(&d);
	strlcpy(d.mailbox, abspath("bob"), sizeof(d.mailbox));
	fd = msgfd(MSG, strlen(MSG));
	ATF_REQUIRE_EQ(agent_mbox_deliver(&d, fd, &rep), ST_OK);
	close(fd);
	before = slurp(d.mailbox, &blen);

	ATF_REQUIRE((big = malloc(bigsz)) != NULL);
	memset(big, 'x', bigsz);
	big[bigsz - 1] = '\n';
	fd = msgfd(big, bigsz);
	signal(SIGXFSZ, SIG_IGN);
	rl.rlim_cur = blen + 100000;
	rl.rlim_max = RLIM_INFINITY;
	ATF_REQUIRE(setrlimit(RLIMIT_FSIZE, &rl) == 0);
	ATF_CHECK_EQ(agent_mbox_deliver(&d, fd, &rep), ST_TEMPFAIL);
	ATF_CHECK_MSG(strncmp(rep.errorline, "451 4.3.0", 9) == 0, "%s",
	    rep.errorline);
	after = slurp(d.mailbox, &alen);
	ATF_CHECK_EQ(alen, blen);
	ATF_CHECK(memcmp(before, after, blen) == 0);
	ATF_CHECK(lstat(abspath("bob.lock"), &sb) == -1);

	/* Maildir: nothing left in tmp/ or new/ */
	ATF_CHECK_EQ(agent_maildir_deliver(&d, fd, &rep), ST_TEMPFAIL);
	ATF_CHECK_EQ(count_dir(abspath("home/Maildir/tmp"), NULL, 0), 0);
	ATF_CHECK_EQ(count_dir(abspath("home/Maildir/new"), NULL, 0), 0);
	close(fd);
	free(big);
	free(before);
	free(after);
}

ATF_TC_WITHOUT_HEAD(maildir);
ATF_TC_BODY(maildir, tc)
{
	struct deliver		 d;
	struct agent_report	 rep;
	struct stat		 sb;
	char			 first[NAME_MAX + 1];
	char			 path[PATH_MAX], pid[32], *buf;
	int			 fd;

	fixture(&d);
	fd = msgfd(MSG, strlen(MSG));
	ATF_REQUIRE_EQ(agent_maildir_deliver(&d, fd, &rep), ST_OK);
	ATF_CHECK_EQ(count_dir(abspath("home/Maildir/tmp"), NULL, 0), 0);
	ATF_CHECK_EQ(count_dir(abspath("home/Maildir/cur"), NULL, 0), 0);
	ATF_REQUIRE_EQ(count_dir(abspath("home/Maildir/new"), first,
	    sizeof(first)), 1);
	ATF_REQUIRE(stat(abspath("home/Maildir"), &sb) == 0);
	ATF_CHECK_EQ(sb.st_mode & 0777, 0700);
	/* named after the envelope: "<ctime>.E<evpid>.<host>" */
	snprintf(pid, sizeof(pid), ".E%016llx.",
	    (unsigned long long)d.evp.id);
	ATF_CHECK(strstr(first, pid) != NULL);
	ATF_CHECK(strchr(first, '/') == NULL && strchr(first, ':') == NULL);
	snprintf(path, sizeof(path), "%s/%s", abspath("home/Maildir/new"),
	    first);
	ATF_CHECK_STREQ(rep.path, path);
	buf = slurp(path, NULL);
	ATF_CHECK_STREQ(buf, HDRS MSG_LF);
	ATF_CHECK_EQ(rep.size, (off_t)strlen(HDRS MSG_LF));
	ATF_REQUIRE(stat(path, &sb) == 0);
	ATF_CHECK_EQ(sb.st_mode & 0777, 0600);
	free(buf);

	/*
	 * The same envelope again (the queue died before it recorded the
	 * result): no second copy.
	 */
	ATF_REQUIRE_EQ(agent_maildir_deliver(&d, fd, &rep), ST_OK);
	ATF_CHECK_EQ(count_dir(abspath("home/Maildir/new"), NULL, 0), 1);
	ATF_CHECK_EQ(count_dir(abspath("home/Maildir/tmp"), NULL, 0), 0);
	ATF_CHECK_STREQ(rep.path, path);

	/* another envelope gets another name */
	d.evp.id++;
	ATF_REQUIRE_EQ(agent_maildir_deliver(&d, fd, &rep), ST_OK);
	ATF_CHECK_EQ(count_dir(abspath("home/Maildir/new"), NULL, 0), 2);
	ATF_CHECK(strcmp(rep.path, path) != 0);
	d.evp.id++;

	/* staged: in new/ at once, the caller syncs new/ */
	ATF_REQUIRE_EQ(agent_maildir_stage(&d, fd, &rep, path, sizeof(path)),
	    ST_OK);
	ATF_CHECK_STREQ(path, abspath("home/Maildir/new"));
	ATF_CHECK(stat(rep.path, &sb) == 0);
	ATF_CHECK_EQ(agent_maildir_sync(path), 0);
	close(fd);
}

ATF_TC_WITHOUT_HEAD(maildir_template);
ATF_TC_BODY(maildir_template, tc)
{
	struct deliver		 d;
	struct agent_report	 rep;
	int			 fd;

	fixture(&d);
	fd = msgfd(MSG, strlen(MSG));
	snprintf(d.arg, sizeof(d.arg),
	    "%s/%%{dest.domain:lowercase}/%%{dest.user:lowercase}",
	    abspath("vmail"));
	strlcpy(d.evp.dest.domain, "Example.NET", sizeof(d.evp.dest.domain));
	ATF_REQUIRE_EQ(agent_maildir_deliver(&d, fd, &rep), ST_OK);
	ATF_CHECK_EQ(count_dir(abspath("vmail/example.net/bob/new"), NULL, 0),
	    1);

	/* a hostile address stays one path component */
	strlcpy(d.evp.dest.user, "../../x", sizeof(d.evp.dest.user));
	ATF_REQUIRE_EQ(agent_maildir_deliver(&d, fd, &rep), ST_OK);
	ATF_CHECK_EQ(count_dir(abspath("vmail/example.net/..:..:x/new"),
	    NULL, 0), 1);
	strlcpy(d.evp.dest.user, "..", sizeof(d.evp.dest.user));
	ATF_CHECK_EQ(agent_maildir_deliver(&d, fd, &rep), ST_PERMFAIL);
	ATF_CHECK_STREQ(rep.errorline,
	    "550 5.3.5 maildir path cannot be expanded for this user");
	/* relative: under the home directory */
	strlcpy(d.arg, "Maildir/", sizeof(d.arg));
	ATF_CHECK_EQ(agent_maildir_deliver(&d, fd, &rep), ST_OK);
	ATF_CHECK_EQ(count_dir(abspath("home/Maildir/new"), NULL, 0), 1);
	/* ... which must then be a real one */
	strlcpy(d.home, "/nonexistent", sizeof(d.home));
	ATF_CHECK_EQ(agent_maildir_deliver(&d, fd, &rep), ST_PERMFAIL);
	close(fd);
}

ATF_TC_WITHOUT_HEAD(file);
ATF_TC_BODY(file, tc)
{
	struct deliver		 d;
	struct agent_report	 rep;
	struct stat		 sb;
	char			*buf, *p;
	int			 fd;

	fixture(&d);
	d.evp.dtype = DT_FILE;
	strlcpy(d.evp.arg, abspath("archive"), sizeof(d.evp.arg));
	fd = msgfd(MSG, strlen(MSG));
	ATF_REQUIRE_EQ(agent_file_deliver(&d, fd, &rep), ST_OK);
	buf = slurp(abspath("archive"), NULL);
	p = mbox_check_from(buf, "alice@example.org");
	ATF_CHECK_STREQ(p, HDRS MSG_MBOX "\n");
	free(buf);
	ATF_CHECK(lstat(abspath("archive.lock"), &sb) == -1);

	strlcpy(d.evp.arg, "/dev/null", sizeof(d.evp.arg));
	ATF_CHECK_EQ(agent_file_deliver(&d, fd, &rep), ST_OK);
	strlcpy(d.evp.arg, "archive", sizeof(d.evp.arg));
	ATF_CHECK_EQ(agent_file_deliver(&d, fd, &rep), ST_PERMFAIL);
	snprintf(d.evp.arg, sizeof(d.evp.arg), "%s/../archive",
	    abspath("home"));
	ATF_CHECK_EQ(agent_file_deliver(&d, fd, &rep), ST_PERMFAIL);
	ATF_REQUIRE(symlink(abspath("elsewhere"), abspath("link")) == 0);
	strlcpy(d.evp.arg, abspath("link"), sizeof(d.evp.arg));
	ATF_CHECK_EQ(agent_file_deliver(&d, fd, &rep), ST_TEMPFAIL);
	ATF_CHECK(lstat(abspath("elsewhere"), &sb) == -1);
	close(fd);
}

ATF_TC_WITHOUT_HEAD(mda_exit_codes);
ATF_TC_BODY(mda_exit_codes, tc)
{
	static const struct {
		const char	*cmd;
		int		 status;
		const char	*errorline;
	} cases[] = {
		{ "exit 0", ST_OK, "250 2.0.0 delivered" },
		{ "cat >/dev/null", ST_OK, "250 2.0.0 delivered" },
		{ "exit 75", ST_TEMPFAIL, "451 4.3.0 command failed: "
		    "exit status 75" },
		{ "echo busy; exit 71", ST_TEMPFAIL,
		    "451 4.3.0 command failed: busy" },
		{ "echo first; echo 'no such user' >&2; exit 67", ST_PERMFAIL,
		    "550 5.3.0 command failed: no such user" },
		{ "exit 1", ST_PERMFAIL, "550 5.3.0 command failed: "
		    "exit status 1" },
		{ "printf 'a\\nb\\n\\n'; exit 2", ST_PERMFAIL,
		    "550 5.3.0 command failed: b" },
		{ "kill -9 $$", ST_TEMPFAIL, "451 4.3.0 command killed by "
		    "signal 9" },
		{ "/nonexistent/binary", ST_PERMFAIL, NULL },
	};
	struct deliver		 d;
	struct agent_report	 rep;
	size_t			 i;
	int			 fd;

	fixture(&d);
	d.method = A_MDA;
	fd = msgfd(MSG, strlen(MSG));
	for (i = 0; i < nitems(cases); i++) {
		strlcpy(d.arg, cases[i].cmd, sizeof(d.arg));
		ATF_CHECK_EQ_MSG(agent_mda_deliver(&d, fd, &rep),
		    cases[i].status, "%s: %s", cases[i].cmd, rep.errorline);
		if (cases[i].errorline != NULL)
			ATF_CHECK_STREQ_MSG(rep.errorline, cases[i].errorline,
			    "%s", cases[i].cmd);
	}
	close(fd);
}

ATF_TC_WITHOUT_HEAD(mda_stdin_env);
ATF_TC_BODY(mda_stdin_env, tc)
{
	struct deliver		 d;
	struct agent_report	 rep;
	char			*buf, *big;
	size_t			 bigsz = 1 << 20;
	int			 fd;

	fixture(&d);
	d.method = A_MDA;
	setenv("CARTERO_LEAK", "yes", 1);
	fd = msgfd(MSG, strlen(MSG));
	snprintf(d.arg, sizeof(d.arg), "cat > %s", abspath("out"));
	ATF_REQUIRE_EQ(agent_mda_deliver(&d, fd, &rep), ST_OK);
	buf = slurp(abspath("out"), NULL);
	ATF_CHECK_STREQ(buf, HDRS MSG_LF);
	ATF_CHECK_EQ(rep.size, (off_t)strlen(HDRS MSG_LF));
	free(buf);

	snprintf(d.arg, sizeof(d.arg), "{ env; pwd; } > %s", abspath("env"));
	ATF_REQUIRE_EQ(agent_mda_deliver(&d, fd, &rep), ST_OK);
	buf = slurp(abspath("env"), NULL);
	ATF_CHECK(strstr(buf, "PATH=/usr/bin:/bin\n") != NULL);
	ATF_CHECK(strstr(buf, "SENDER=alice@example.org\n") != NULL);
	ATF_CHECK(strstr(buf, "RECIPIENT=bob@example.net\n") != NULL);
	ATF_CHECK(strstr(buf, "ORIGINAL_RECIPIENT=bob+lists@example.net\n")
	    != NULL);
	ATF_CHECK(strstr(buf, "LOCAL=bob\n") != NULL);
	ATF_CHECK(strstr(buf, "EXTENSION=lists\n") != NULL);
	ATF_CHECK(strstr(buf, "DOMAIN=example.net\n") != NULL);
	ATF_CHECK(strstr(buf, "USER=bob\n") != NULL);
	ATF_CHECK(strstr(buf, "LOGNAME=bob\n") != NULL);
	ATF_CHECK(strstr(buf, "\nHOME=") != NULL || strncmp(buf, "HOME=", 5)
	    == 0);
	ATF_CHECK(strstr(buf, "CARTERO_LEAK") == NULL);
	ATF_CHECK(strstr(buf, d.home) != NULL);		/* pwd */
	free(buf);

	/* a command that does not read a big message is not an error */
	ATF_REQUIRE((big = malloc(bigsz)) != NULL);
	memset(big, 'y', bigsz);
	close(fd);
	fd = msgfd(big, bigsz);
	strlcpy(d.arg, "exit 0", sizeof(d.arg));
	ATF_CHECK_EQ(agent_mda_deliver(&d, fd, &rep), ST_OK);
	snprintf(d.arg, sizeof(d.arg), "wc -c > %s", abspath("count"));
	ATF_CHECK_EQ(agent_mda_deliver(&d, fd, &rep), ST_OK);
	buf = slurp(abspath("count"), NULL);
	ATF_CHECK_EQ(strtoll(buf, NULL, 10),
	    (long long)(strlen(HDRS) + bigsz + 1));
	free(buf);
	free(big);
	close(fd);
}

ATF_TC_WITHOUT_HEAD(mda_injection);
ATF_TC_BODY(mda_injection, tc)
{
	struct deliver		 d;
	struct agent_report	 rep;
	struct stat		 sb;
	char			*buf;
	int			 fd;

	fixture(&d);
	d.method = A_MDA;
	fd = msgfd(MSG, strlen(MSG));
	strlcpy(d.evp.rcpt.user, "$(touch PWNED);touch PWNED2`touch PWNED3`",
	    sizeof(d.evp.rcpt.user));
	snprintf(d.arg, sizeof(d.arg), "echo %%{rcpt.user} > %s",
	    abspath("out"));
	ATF_REQUIRE_EQ(agent_mda_deliver(&d, fd, &rep), ST_OK);
	buf = slurp(abspath("out"), NULL);
	ATF_CHECK_STREQ(buf, "::touch:PWNED::touch:PWNED2:touch:PWNED3:\n");
	free(buf);
	ATF_CHECK(stat(abspath("home/PWNED"), &sb) == -1);
	ATF_CHECK(stat(abspath("home/PWNED2"), &sb) == -1);
	ATF_CHECK(stat(abspath("home/PWNED3"), &sb) == -1);

	strlcpy(d.arg, "echo %{rcpt.user:raw}", sizeof(d.arg));
	ATF_CHECK_EQ(agent_mda_deliver(&d, fd, &rep), ST_PERMFAIL);
	ATF_CHECK_STREQ(rep.errorline, "550 5.3.5 cannot expand mda command");
	ATF_CHECK(stat(abspath("home/PWNED"), &sb) == -1);

	/* an alias pipe: the envelope carries the command */
	d.evp.dtype = DT_PIPE;
	d.arg[0] = '\0';
	snprintf(d.evp.arg, sizeof(d.evp.arg), "|cat > %s", abspath("pipe"));
	ATF_REQUIRE_EQ(agent_mda_deliver(&d, fd, &rep), ST_OK);
	buf = slurp(abspath("pipe"), NULL);
	ATF_CHECK_STREQ(buf, HDRS MSG_LF);
	free(buf);
	close(fd);
}

ATF_TC(mda_timeout);
ATF_TC_HEAD(mda_timeout, tc)
{
	atf_tc_set_md_var(tc, "timeout", "30");
}
ATF_TC_BODY(mda_timeout, tc)
{
	struct deliver		 d;
	struct agent_report	 rep;
	uint64_t		 t0;
	int			 fd;

	fixture(&d);
	d.method = A_MDA;
	fd = msgfd(MSG, strlen(MSG));
	agent_mda_timeout = 1;
	/* a child that keeps the output pipe open is killed with it */
	strlcpy(d.arg, "sleep 20 & sleep 20", sizeof(d.arg));
	t0 = monotonic_ms();
	ATF_CHECK_EQ(agent_mda_deliver(&d, fd, &rep), ST_TEMPFAIL);
	ATF_CHECK(monotonic_ms() - t0 < 5000);
	ATF_CHECK_STREQ(rep.errorline,
	    "451 4.3.0 command timed out after 1 seconds");
	close(fd);
}

/*
 * Fake LMTP server on a unix socket.  RCPT containing "temp" gets 452,
 * "perm" gets 550 after DATA, "bye" gets 421 and the connection closed.
 * The final reply names the connection number; DATA goes to datafile.
 */
static pid_t
lmtp_server(const char *sockpath, const char *datafile)
{
	struct sockaddr_un	 sun;
	pid_t			 pid;
	int			 lfd, c, nconn = 0;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, sockpath, sizeof(sun.sun_path));
	ATF_REQUIRE((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) != -1);
	ATF_REQUIRE(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	ATF_REQUIRE(listen(lfd, 5) == 0);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid != 0) {
		close(lfd);
		return (pid);
	}
	while ((c = accept(lfd, NULL, NULL)) != -1)
		lmtp_serve(c, datafile, ++nconn);
	_exit(0);
}

static void
lmtp_serve(int c, const char *datafile, int nconn)
{
	FILE	*in, *out, *data;
	char	 line[1024], rcpt[1024] = "";

	in = fdopen(c, "r");
	out = fdopen(dup(c), "w");
	fprintf(out, "220 fake LMTP\r\n");
	fflush(out);
	while (fgets(line, sizeof(line), in) != NULL) {
		if (strncmp(line, "LHLO ", 5) == 0)
			fprintf(out, "250-fake\r\n250-PIPELINING\r\n"
			    "250 ENHANCEDSTATUSCODES\r\n");
		else if (strncmp(line, "MAIL FROM:<", 11) == 0)
			fprintf(out, "250 2.1.0 ok\r\n");
		else if (strncmp(line, "RCPT TO:<", 9) == 0) {
			strlcpy(rcpt, line, sizeof(rcpt));
			if (strstr(rcpt, "temp") != NULL)
				fprintf(out, "452 4.2.2 mailbox full\r\n");
			else
				fprintf(out, "250 2.1.5 ok\r\n");
		} else if (strcmp(line, "DATA\r\n") == 0) {
			fprintf(out, "354 go ahead\r\n");
			fflush(out);
			data = fopen(datafile, "w");
			fputs(rcpt, data);
			while (fgets(line, sizeof(line), in) != NULL) {
				fputs(line, data);
				if (strcmp(line, ".\r\n") == 0)
					break;
			}
			fclose(data);
			if (strstr(rcpt, "perm") != NULL)
				fprintf(out, "550 5.2.0 rejected\r\n");
			else if (strstr(rcpt, "bye") != NULL) {
				fprintf(out, "421 4.3.2 bye\r\n");
				break;
			} else
				fprintf(out, "250 2.0.0 conn %d ok\r\n",
				    nconn);
		} else if (strcmp(line, "RSET\r\n") == 0)
			fprintf(out, "250 2.0.0 reset\r\n");
		else
			fprintf(out, "500 5.5.1 what\r\n");
		fflush(out);
	}
	fclose(out);
	fclose(in);
}

ATF_TC(lmtp);
ATF_TC_HEAD(lmtp, tc)
{
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(lmtp, tc)
{
	struct deliver		 d;
	struct agent_report	 rep;
	char			*buf;
	pid_t			 pid;
	int			 fd;

	fixture(&d);
	d.method = A_LMTP;
	agent_lmtp_timeout = 10;
	signal(SIGPIPE, SIG_IGN);
	pid = lmtp_server(abspath("lmtp.sock"), abspath("data"));
	fd = msgfd(MSG, strlen(MSG));

	strlcpy(d.arg, abspath("lmtp.sock"), sizeof(d.arg));
	ATF_CHECK_EQ(agent_lmtp_deliver(&d, fd, &rep), ST_OK);
	ATF_CHECK_STREQ(rep.errorline, "250 2.0.0 conn 1 ok");
	buf = slurp(abspath("data"), NULL);
	ATF_CHECK_STREQ(buf, "RCPT TO:<bob@example.net>\r\n"
	    "Received: from x by y; Thu, 1 Jan 1970 00:00:00 +0000\r\n"
	    "Subject: test\r\n\r\nFrom the start\r\n>From quoted\r\n"
	    "Fromage\r\n..dot\r\nlast line without newline\r\n.\r\n");
	free(buf);

	/* rcpt-to option: the original recipient; same connection */
	d.aflags = AF_LMTP_RCPTTO;
	ATF_CHECK_EQ(agent_lmtp_deliver(&d, fd, &rep), ST_OK);
	ATF_CHECK_STREQ(rep.errorline, "250 2.0.0 conn 1 ok");
	buf = slurp(abspath("data"), NULL);
	ATF_CHECK(strncmp(buf, "RCPT TO:<bob+lists@example.net>\r\n", 33)
	    == 0);
	free(buf);
	d.aflags = 0;

	/* another destination string: another connection */
	snprintf(d.arg, sizeof(d.arg), "unix:%s", abspath("lmtp.sock"));
	ATF_CHECK_EQ(agent_lmtp_deliver(&d, fd, &rep), ST_OK);
	ATF_CHECK_STREQ(rep.errorline, "250 2.0.0 conn 2 ok");

	strlcpy(d.evp.dest.user, "temp", sizeof(d.evp.dest.user));
	ATF_CHECK_EQ(agent_lmtp_deliver(&d, fd, &rep), ST_TEMPFAIL);
	ATF_CHECK_STREQ(rep.errorline, "452 4.2.2 mailbox full");
	strlcpy(d.evp.dest.user, "perm", sizeof(d.evp.dest.user));
	ATF_CHECK_EQ(agent_lmtp_deliver(&d, fd, &rep), ST_PERMFAIL);
	ATF_CHECK_STREQ(rep.errorline, "550 5.2.0 rejected");

	/* the server hangs up: tempfail, then a new connection */
	strlcpy(d.evp.dest.user, "bye", sizeof(d.evp.dest.user));
	ATF_CHECK_EQ(agent_lmtp_deliver(&d, fd, &rep), ST_TEMPFAIL);
	ATF_CHECK_STREQ(rep.errorline, "421 4.3.2 bye");
	strlcpy(d.evp.dest.user, "bob", sizeof(d.evp.dest.user));
	ATF_CHECK_EQ(agent_lmtp_deliver(&d, fd, &rep), ST_OK);
	ATF_CHECK_STREQ(rep.errorline, "250 2.0.0 conn 3 ok");

	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	agent_lmtp_close();

	/* nobody listening */
	ATF_CHECK_EQ(agent_lmtp_deliver(&d, fd, &rep), ST_TEMPFAIL);
	ATF_CHECK(strncmp(rep.errorline, "451 4.4.1", 9) == 0);
	strlcpy(d.arg, "127.0.0.1:1", sizeof(d.arg));
	ATF_CHECK_EQ(agent_lmtp_deliver(&d, fd, &rep), ST_TEMPFAIL);
	d.arg[0] = '\0';
	ATF_CHECK_EQ(agent_lmtp_deliver(&d, fd, &rep), ST_PERMFAIL);
	close(fd);
}

/*
 * The agent process itself: agent_main() in a child dropped to nobody,
 * under its seccomp sandbox, driven over imsg like the parent does.
 */
static pid_t
proc_spawn(const char *method, const struct passwd *pw, int *fd)
{
	char	*argv[2];
	int	 sv[2];
	pid_t	 pid;

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		close(sv[0]);
		if (sv[1] != 3 && (dup2(sv[1], 3) == -1 || close(sv[1]) == -1))
			_exit(2);
		if (pw != NULL && (setgroups(0, NULL) == -1 ||
		    setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1))
			_exit(2);
		log_init(1, LOG_MAIL);
		smtpd_proc_setup();	/* what smtpd's main() does */
		argv[0] = (char *)(uintptr_t)method;
		argv[1] = NULL;
		agent_main(1, argv);
		_exit(3);
	}
	close(sv[1]);
	*fd = sv[0];
	return (pid);
}

static int
proc_send(struct imsgbuf *ibuf, struct deliver *d, int mfd)
{
	/* imsg takes the fd and closes it once sent: give it a copy */
	if ((mfd = dup(mfd)) == -1)
		return (-1);
	if (imsg_compose(ibuf, IMSG_AGENT_DELIVER, 0, 0, mfd, d,
	    sizeof(*d)) == -1 || imsgbuf_flush(ibuf) == -1)
		return (-1);
	return (0);
}

static int
proc_result(struct imsgbuf *ibuf, struct delivery_result *res)
{
	struct imsg	 imsg;
	ssize_t		 n;
	int		 r;

	memset(res, 0, sizeof(*res));
	for (;;) {
		if ((n = imsg_get(ibuf, &imsg)) == -1)
			return (-1);
		if (n > 0)
			break;
		if (imsgbuf_read(ibuf) != 1)
			return (-1);
	}
	r = -1;
	if (imsg_get_type(&imsg) == IMSG_AGENT_RESULT &&
	    imsg_get_data(&imsg, res, sizeof(*res)) == 0)
		r = 0;
	imsg_free(&imsg);
	return (r);
}

static int
proc_deliver(struct imsgbuf *ibuf, struct deliver *d, int mfd,
    struct delivery_result *res)
{
	if (proc_send(ibuf, d, mfd) == -1)
		return (-1);
	return (proc_result(ibuf, res));
}

ATF_TC(agent_process);
ATF_TC_HEAD(agent_process, tc)
{
	atf_tc_set_md_var(tc, "require.user", "root");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(agent_process, tc)
{
	static const char *const methods[] = { "maildir", "mbox", "file",
	    "mda", "lmtp" };
	struct passwd		*pw;
	struct deliver		 d;
	struct delivery_result	 res;
	struct imsgbuf		 ibuf;
	char			 tmpl[] = "/tmp/agent_test.XXXXXX";
	char			 cmd[PATH_MAX];
	char			*top, path[PATH_MAX], *buf;
	size_t			 i;
	pid_t			 pid, lpid = -1;
	int			 fd, mfd, status, j;

	ATF_REQUIRE((pw = getpwnam("nobody")) != NULL);
	ATF_REQUIRE((top = mkdtemp(tmpl)) != NULL);
	ATF_REQUIRE(chmod(top, 0755) == 0);
	ATF_REQUIRE(chown(top, pw->pw_uid, pw->pw_gid) == 0);
	signal(SIGPIPE, SIG_IGN);

	for (i = 0; i < nitems(methods); i++) {
		fixture(&d);
		strlcpy(d.home, top, sizeof(d.home));
		strlcpy(d.username, "nobody", sizeof(d.username));
		d.uid = pw->pw_uid;
		d.gid = pw->pw_gid;
		d.evp.id = 0xabcd000000000000ULL + i * 16;
		if (strcmp(methods[i], "maildir") == 0)
			d.method = A_MAILDIR;
		else if (strcmp(methods[i], "mbox") == 0) {
			d.method = A_MBOX;
			snprintf(d.arg, sizeof(d.arg), "%s/%%{user.username}",
			    top);
		} else if (strcmp(methods[i], "file") == 0) {
			d.evp.dtype = DT_FILE;
			snprintf(d.evp.arg, sizeof(d.evp.arg), "%s/file", top);
		} else if (strcmp(methods[i], "mda") == 0) {
			d.method = A_MDA;
			snprintf(d.arg, sizeof(d.arg), "cat > %s/mda", top);
		} else {
			d.method = A_LMTP;
			snprintf(d.arg, sizeof(d.arg), "%s/lmtp.sock", top);
			snprintf(path, sizeof(path), "%s/data", top);
			lpid = lmtp_server(d.arg, path);
			ATF_REQUIRE(chmod(d.arg, 0777) == 0);
		}
		pid = proc_spawn(methods[i], pw, &fd);
		ATF_REQUIRE(imsgbuf_init(&ibuf, fd) == 0);
		ATF_REQUIRE(imsgbuf_set_maxsize(&ibuf, IMSG_HEADER_SIZE +
		    sizeof(struct deliver)) == 0);
		imsgbuf_allow_fdpass(&ibuf);
		mfd = msgfd(MSG, strlen(MSG));
		ATF_CHECK_EQ_MSG(proc_deliver(&ibuf, &d, mfd, &res), 0,
		    "%s: no result", methods[i]);
		ATF_CHECK_EQ(res.evpid, d.evp.id);
		ATF_CHECK_EQ_MSG(res.status, ST_OK, "%s: %s", methods[i],
		    res.errorline);
		/* a burst of three on the same agent, answered in order */
		for (j = 1; j <= 3; j++) {
			d.evp.id = 0xabcd000000000000ULL + i * 16 + j;
			ATF_CHECK_EQ(proc_send(&ibuf, &d, mfd), 0);
		}
		for (j = 1; j <= 3; j++) {
			ATF_CHECK_EQ(proc_result(&ibuf, &res), 0);
			ATF_CHECK_EQ(res.evpid,
			    0xabcd000000000000ULL + i * 16 + j);
			ATF_CHECK_EQ_MSG(res.status, ST_OK, "%s: %s",
			    methods[i], res.errorline);
		}
		close(mfd);
		imsgbuf_clear(&ibuf);
		close(fd);		/* the agent exits with its parent */
		ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
		ATF_CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "%s: agent status %#x (SIGSYS is %d)", methods[i], status,
		    SIGSYS);
	}
	kill(lpid, SIGTERM);
	waitpid(lpid, NULL, 0);
	ATF_CHECK(snprintf(path, sizeof(path), "%s/Maildir/new", top) > 0);
	ATF_CHECK_EQ(count_dir(path, NULL, 0), 4);
	ATF_CHECK(snprintf(path, sizeof(path), "%s/nobody", top) > 0);
	buf = slurp(path, NULL);
	ATF_CHECK(strstr(buf, HDRS MSG_MBOX "\nFrom alice@example.org ")
	    != NULL);
	free(buf);
	ATF_CHECK(snprintf(path, sizeof(path), "%s/mda", top) > 0);
	buf = slurp(path, NULL);
	ATF_CHECK_STREQ(buf, HDRS MSG_LF);
	free(buf);

	/* a request for another uid is a bug in the parent: fatal */
	pid = proc_spawn("maildir", pw, &fd);
	ATF_REQUIRE(imsgbuf_init(&ibuf, fd) == 0);
	ATF_REQUIRE(imsgbuf_set_maxsize(&ibuf, IMSG_HEADER_SIZE +
	    sizeof(struct deliver)) == 0);
	fixture(&d);
	d.uid = pw->pw_uid + 1;
	mfd = msgfd(MSG, strlen(MSG));
	ATF_CHECK(proc_deliver(&ibuf, &d, mfd, &res) == -1);
	close(mfd);
	imsgbuf_clear(&ibuf);
	close(fd);
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1);

	/* as root, it refuses to start */
	pid = proc_spawn("maildir", NULL, &fd);
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	ATF_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	close(fd);

	ATF_REQUIRE(snprintf(cmd, sizeof(cmd), "rm -rf %s", top) > 0);
	ATF_CHECK(system(cmd) == 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, xform);
	ATF_TP_ADD_TC(tp, path_safe);
	ATF_TP_ADD_TC(tp, mbox);
	ATF_TP_ADD_TC(tp, mbox_template);
	ATF_TP_ADD_TC(tp, mbox_lock);
	ATF_TP_ADD_TC(tp, mbox_root);
	ATF_TP_ADD_TC(tp, report_errno);
	ATF_TP_ADD_TC(tp, mbox_rollback);
	ATF_TP_ADD_TC(tp, maildir);
	ATF_TP_ADD_TC(tp, maildir_template);
	ATF_TP_ADD_TC(tp, file);
	ATF_TP_ADD_TC(tp, mda_exit_codes);
	ATF_TP_ADD_TC(tp, mda_stdin_env);
	ATF_TP_ADD_TC(tp, mda_injection);
	ATF_TP_ADD_TC(tp, mda_timeout);
	ATF_TP_ADD_TC(tp, lmtp);
	ATF_TP_ADD_TC(tp, agent_process);
	return (atf_no_error());
}
