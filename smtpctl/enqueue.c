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
 * enqueue.c -- sendmail(8): the local mail submission program.
 *
 * SECURITY
 *	sendmail runs with the privileges of whoever calls it and has none
 *	of its own (no set-uid, no set-gid).  It reaches the queue only
 *	through the daemon's enqueue socket, like any SMTP client; the
 *	daemon learns the caller's uid from SO_PEERCRED and records it in
 *	Received:, so that -f (allowed for every user, as with Postfix)
 *	cannot hide who sent a message.  When the daemon is down or cannot
 *	take the message now (any 4xx, connection lost), the message goes
 *	to the offline spool, a mode 1733 directory where a user can create
 *	files but not list or read others'; the daemon re-injects each file
 *	as the file's owner (smtpd/parent_offline.c, smtpd/pickup.c).  -S
 *	(an administrator's re-injection by hand) refuses a file the caller
 *	does not own.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "smtpd.h"
#include "smtpctl.h"
#include "util.h"

#define MSG_MAX		(1024UL * 1024 * 1024)	/* what we hold in memory */
#define CHUNK		65536

enum enq_mode {
	MODE_SEND,		/* -bm, the default */
	MODE_SMTP,		/* -bs */
	MODE_MAILQ,		/* -bp */
	MODE_ALIASES,		/* -bi */
};

struct enq_opts {
	enum enq_mode	 mode;
	int		 tflag;
	int		 iflag;
	int		 verbose;
	const char	*sender;	/* -f, NULL if not given */
	const char	*fullname;	/* -F */
	const char	*sfile;		/* -S: re-inject an offline file */
	char		**rcpts;	/* arguments after the options */
	int		 nrcpts;
};

static int	enq_getopt(int, char **, struct enq_opts *);
static char	*enq_optarg(int, char **, int *, int *);
static void	enq_setopt(struct enq_opts *, char, char *);
static int	enq_bmode(struct enq_opts *, const char *);
static const char *enq_user(char *, size_t);
static const char *enq_hostname(void);
static int	enq_read(int, struct enqbuf *);
static int	enq_submit(const struct enq_opts *);
static int	enq_sender(const char *, const char *, const char *,
		    struct enqbuf *);
static int	enq_deliver(const char *, const struct enq_rcpts *,
		    const struct enqbuf *, int, int);
static int	enq_relay(void);
static int	enq_offline_write(const char *, const struct enq_rcpts *,
		    const struct enqbuf *);
static int	enq_offline_read(const char *, struct enqbuf *);
static int	enq_offline_inject(const struct enq_opts *);

int
enqueue_main(int argc, char **argv, int verbose_ctl)
{
	struct enq_opts	 o;
	int		 ret;

	memset(&o, 0, sizeof(o));
	o.verbose = verbose_ctl;
	signal(SIGPIPE, SIG_IGN);
	if ((ret = enq_getopt(argc, argv, &o)) != 0)
		return (ret == -1 ? EX_OK : ret);
	switch (o.mode) {
	case MODE_MAILQ: {
		char	*av[] = { "show", "queue", NULL };

		return (smtpctl_command(2, av, "mailq"));
	}
	case MODE_ALIASES: {
		char	*av[] = { "newaliases", NULL };

		return (smtpctl_command(1, av, "newaliases"));
	}
	case MODE_SMTP:
		return (enq_relay());
	case MODE_SEND:
		break;
	}
	if (o.sfile)
		return (enq_offline_inject(&o));
	return (enq_submit(&o));
}

/* The argument of option argv[*i][*j]: attached, or the next word. */
static char *
enq_optarg(int argc, char **argv, int *i, int *j)
{
	char	*a = &argv[*i][*j + 1];

	if (*a == '\0') {
		if (*i + 1 >= argc)
			return (NULL);
		a = argv[++*i];
	}
	*j = (int)strlen(argv[*i]) - 1;		/* this word is used up */
	return (a);
}

static void
enq_setopt(struct enq_opts *o, char c, char *a)
{
	switch (c) {
	case 'f':
	case 'r':
		o->sender = a;
		break;
	case 'F':
		o->fullname = a;
		break;
	case 'S':
		o->sfile = a;
		break;
	case 'N':
		fprintf(stderr, "sendmail: note: DSN requests (-N %s) are "
		    "ignored\n", a);
		break;
	default:
		break;		/* -B, -R, -V...: accepted, no effect */
	}
}

/* -bX: the mode of operation. */
static int
enq_bmode(struct enq_opts *o, const char *a)
{
	if (*a == 's')
		o->mode = MODE_SMTP;
	else if (*a == 'p')
		o->mode = MODE_MAILQ;
	else if (*a == 'i')
		o->mode = MODE_ALIASES;
	else if (*a == 'm')
		o->mode = MODE_SEND;
	else {
		fprintf(stderr, "sendmail: -b%s is not supported%s\n", a,
		    (*a == 'd' || *a == 'D') ? ": run smtpd(8)" : "");
		return (-1);
	}
	return (0);
}

/*
 * sendmail's command line: flags may be grouped ("-ti"), option
 * arguments attached or not ("-fme", "-f me"), and the options other MTAs
 * accept without meaning anything to us are ignored.  Returns 0 to go
 * on, -1 when there is nothing to do (exit 0), or an exit status.
 */
static int
enq_getopt(int argc, char **argv, struct enq_opts *o)
{
	char	*a, c;
	int	 i, j;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (argv[i][0] != '-' || argv[i][1] == '\0')
			break;
		for (j = 1; argv[i][j] != '\0'; j++) {
			a = &argv[i][j + 1];
			switch (argv[i][j]) {
			case 'b':
				if (enq_bmode(o, a) == -1)
					return (EX_USAGE);
				j = (int)strlen(argv[i]) - 1;
				break;
			case 'o':
				if (*a == 'i')
					o->iflag = 1;
				else if (*a == '\0' && i + 1 < argc)
					i++;		/* "-o X": ignore X */
				j = (int)strlen(argv[i]) - 1;
				break;
			case 'q':
				fprintf(stderr, "sendmail: -q is not needed: "
				    "smtpd runs its queue itself (see "
				    "smtpctl schedule)\n");
				return (-1);
			case 'A': case 'd': case 'e':
				j = (int)strlen(argv[i]) - 1;	/* ignored */
				break;
			case 'f': case 'r': case 'F': case 'S':
			case 'B': case 'C': case 'h': case 'L': case 'N':
			case 'O': case 'p': case 'R': case 'V': case 'X':
				c = argv[i][j];
				if ((a = enq_optarg(argc, argv, &i, &j)) ==
				    NULL) {
					fprintf(stderr, "sendmail: option -%c "
					    "needs an argument\n", c);
					return (EX_USAGE);
				}
				enq_setopt(o, c, a);
				break;
			case 't':
				o->tflag = 1;
				break;
			case 'i':
				o->iflag = 1;
				break;
			case 'v':
				o->verbose = 1;
				break;
			case 'G': case 'm': case 'n': case 'U':
				break;
			default:
				fprintf(stderr, "sendmail: unknown option -%c\n"
				    "usage: sendmail [-tiv] [-f sender] "
				    "[-F name] [-bs|-bp|-bi] [--] "
				    "[recipient ...]\n", argv[i][j]);
				return (EX_USAGE);
			}
		}
	}
	o->rcpts = argv + i;
	o->nrcpts = argc - i;
	return (0);
}

/* The caller's login name and the first field of its GECOS. */
static const char *
enq_user(char *gecos, size_t gsz)
{
	static char	 user[USER_MAX];
	struct passwd	*pw;

	*gecos = '\0';
	if ((pw = getpwuid(getuid())) == NULL) {
		(void)snprintf(user, sizeof(user), "uid%u",
		    (unsigned int)getuid());
		return (user);
	}
	if (strlcpy(user, pw->pw_name, sizeof(user)) >= sizeof(user))
		(void)snprintf(user, sizeof(user), "uid%u",
		    (unsigned int)getuid());
	if (pw->pw_gecos) {
		(void)strlcpy(gecos, pw->pw_gecos, gsz);
		gecos[strcspn(gecos, ",")] = '\0';
	}
	return (user);
}

/* The mail name: first line of /etc/mailname, else gethostname(). */
static const char *
enq_hostname(void)
{
	static char	 host[HOST_MAX];
	FILE		*fp;

	if (*host)
		return (host);
	if ((fp = fopen(SMTPD_MAILNAME, "re")) != NULL) {
		if (fgets(host, sizeof(host), fp) == NULL)
			*host = '\0';
		fclose(fp);
		host[strcspn(host, " \t\r\n")] = '\0';
		if (*host && valid_domain_part(host))
			return (lowercase(host));
	}
	if (gethostname(host, sizeof(host)) == -1 || *host == '\0')
		(void)strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	return (lowercase(host));
}

/* Standard input to canonical form, up to EOF or a lone "." (no -i). */
static int
enq_read(int iflag, struct enqbuf *out)
{
	struct enq_conv	 c;
	char		 buf[CHUNK];
	ssize_t		 n;

	enq_conv_init(&c, iflag ? 0 : CONV_LONEDOT);
	enqbuf_add(out, "", 0);
	while (!enq_conv_done(&c)) {
		if ((n = read(STDIN_FILENO, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "sendmail: read: %s\n",
			    strerror(errno));
			return (EX_IOERR);
		}
		if (n == 0)
			break;
		enq_conv_feed(&c, buf, (size_t)n, out);
		if (out->len > MSG_MAX) {
			fprintf(stderr, "sendmail: message too large\n");
			return (EX_DATAERR);
		}
	}
	enq_conv_finish(&c, out);
	return (0);
}

/*
 * The envelope sender: -f without its angle brackets ("" is <>), a bare
 * local part qualified, or user@host by default.
 */
static int
enq_sender(const char *arg, const char *user, const char *host,
    struct enqbuf *out)
{
	size_t	 len;

	if (arg == NULL) {
		enqbuf_addstr(out, user);
		enqbuf_add(out, "@", 1);
		enqbuf_addstr(out, host);
		return (0);
	}
	while (*arg == ' ' || *arg == '\t')
		arg++;
	len = strcspn(arg, "\r\n");
	while (len > 0 && (arg[len - 1] == ' ' || arg[len - 1] == '\t'))
		len--;
	if (len >= 2 && arg[0] == '<' && arg[len - 1] == '>') {
		arg++;
		len -= 2;
	}
	enqbuf_add(out, "", 0);
	if (len == 0)
		return (0);
	if (arg[len] == '\r' || arg[len] == '\n' ||
	    memchr(arg, '<', len) || memchr(arg, '>', len) ||
	    memchr(arg, ' ', len)) {
		fprintf(stderr, "sendmail: bad sender address\n");
		return (EX_DATAERR);
	}
	enqbuf_add(out, arg, len);
	if (memchr(arg, '@', len) == NULL) {
		enqbuf_add(out, "@", 1);
		enqbuf_addstr(out, host);
	}
	return (0);
}

static int
enq_submit(const struct enq_opts *o)
{
	struct enq_rcpts	 r;
	struct enqbuf		 in, msg, from, sender;
	struct enq_hdrs		 h;
	char			 gecos[256], date[64], msgid[HOST_MAX + 64];
	char			 self[USER_MAX + HOST_MAX];
	const char		*host, *user, *name;
	int			 i, ret;

	memset(&r, 0, sizeof(r));
	memset(&in, 0, sizeof(in));
	memset(&msg, 0, sizeof(msg));
	memset(&from, 0, sizeof(from));
	memset(&sender, 0, sizeof(sender));
	host = enq_hostname();
	user = enq_user(gecos, sizeof(gecos));
	if (!o->tflag && o->nrcpts == 0) {
		fprintf(stderr, "sendmail: no recipients given\n");
		return (EX_USAGE);
	}
	for (i = 0; i < o->nrcpts; i++) {
		if (enq_addrlist_parse(o->rcpts[i], strlen(o->rcpts[i]), NULL,
		    &r) == -1) {
			fprintf(stderr, "sendmail: bad recipient address: "
			    "%s\n", o->rcpts[i]);
			return (EX_DATAERR);
		}
	}
	if ((ret = enq_sender(o->sender, user, host, &sender)) != 0)
		return (ret);
	if ((ret = enq_read(o->iflag, &in)) != 0)
		return (ret);

	name = o->fullname ? o->fullname : gecos;
	(void)snprintf(self, sizeof(self), "%s@%s", user, host);
	enq_from_value(name, sender.len ? sender.buf : self, &from);
	enq_date_value(time(NULL), date, sizeof(date));
	(void)snprintf(msgid, sizeof(msgid), "<%08x%08x.%lld@%s>",
	    rand_u32(), rand_u32(), (long long)time(NULL), host);
	h.from = from.buf;
	h.date = date;
	h.msgid = msgid;
	h.host = NULL;		/* qualified with the server's name later */
	h.tflag = o->tflag;
	if (enq_prepare(in.buf, in.len, &h, &r, &msg) == -1)
		fprintf(stderr, "sendmail: warning: an address in To:, Cc: "
		    "or Bcc: could not be parsed\n");
	enqbuf_free(&in);
	if (r.n == 0) {
		fprintf(stderr, "sendmail: no recipients found\n");
		return (EX_USAGE);
	}
	ret = enq_deliver(sender.buf, &r, &msg, o->verbose, 1);
	enq_rcpts_free(&r);
	enqbuf_free(&msg);
	enqbuf_free(&from);
	enqbuf_free(&sender);
	return (ret);
}

/*
 * Hand the canonical message to the daemon.  If it cannot take it now
 * (socket unreachable, any 4xx, connection lost mid-transaction), keep
 * it in the offline spool when offline_ok: the daemon picks it up later.
 * A permanent refusal (5xx) is the caller's to see.
 */
static int
enq_deliver(const char *sender, const struct enq_rcpts *r,
    const struct enqbuf *msg, int verbose, int offline_ok)
{
	char	 path[PATH_MAX];
	int	 fd, ret;

	if ((fd = smtpctl_connect(SMTPD_ENQUEUE_SOCK, path,
	    sizeof(path))) == -1) {
		if (!offline_ok) {
			fprintf(stderr, "sendmail: smtpd is not running "
			    "(connect %s: %s)\n", path, strerror(errno));
			return (EX_TEMPFAIL);
		}
		if ((ret = enq_offline_write(sender, r, msg)) != 0)
			return (ret);
		fprintf(stderr, "sendmail: smtpd not running; message "
		    "queued offline\n");
		return (EX_OK);
	}
	ret = enq_smtp_send(fd, sender, r, msg, verbose, enq_hostname());
	if (ret != EX_TEMPFAIL || !offline_ok)
		return (ret);
	if ((ret = enq_offline_write(sender, r, msg)) != 0)
		return (ret);
	fprintf(stderr, "sendmail: smtpd cannot take the message now; "
	    "queued offline, it will be delivered later\n");
	return (EX_OK);
}

/* -bs: the caller speaks SMTP; relay bytes both ways. */
static int
enq_relay(void)
{
	struct pollfd	 pfd[2];
	char		 buf[CHUNK], path[PATH_MAX];
	ssize_t		 n;
	int		 fd, in_open = 1;

	if ((fd = smtpctl_connect(SMTPD_ENQUEUE_SOCK, path,
	    sizeof(path))) == -1) {
		fprintf(stderr, "sendmail: smtpd is not running (connect "
		    "%s: %s)\n", path, strerror(errno));
		printf("421 4.3.0 smtpd is not running\r\n");
		fflush(stdout);
		return (EX_TEMPFAIL);
	}
	for (;;) {
		pfd[0].fd = in_open ? STDIN_FILENO : -1;
		pfd[0].events = POLLIN;
		pfd[1].fd = fd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			if ((n = read(fd, buf, sizeof(buf))) <= 0)
				break;
			if (write_full(STDOUT_FILENO, buf, (size_t)n) == -1)
				break;
		}
		if (in_open &&
		    (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			if ((n = read(STDIN_FILENO, buf, sizeof(buf))) <= 0) {
				in_open = 0;
				(void)shutdown(fd, SHUT_WR);
			} else if (write_full(fd, buf, (size_t)n) == -1)
				break;
		}
	}
	close(fd);
	return (EX_OK);
}

/*
 * The daemon is down: keep the message in <spool>/offline/ (mode 1733),
 * in a new file of our own.  The first line records the envelope as the
 * arguments -S will parse back.
 */
static int
enq_offline_write(const char *sender, const struct enq_rcpts *r,
    const struct enqbuf *msg)
{
	struct enqbuf	 line;
	char		 path[PATH_MAX];
	int		 fd = -1, tries, n;

	for (tries = 0; tries < 10 && fd == -1; tries++) {
		n = snprintf(path, sizeof(path), "%s%s/%08x%08x",
		    smtpctl_spool(), PATH_OFFLINE, rand_u32(), rand_u32());
		if (n < 0 || (size_t)n >= sizeof(path)) {
			fprintf(stderr, "sendmail: spool path too long\n");
			return (EX_CANTCREAT);
		}
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd == -1 && errno != EEXIST)
			break;
	}
	if (fd == -1) {
		fprintf(stderr, "sendmail: smtpd cannot take the message "
		    "and it cannot be queued offline either: %s: %s\n",
		    path, strerror(errno));
		return (EX_CANTCREAT);
	}
	memset(&line, 0, sizeof(line));
	enq_offline_format(sender, r, msg->buf, msg->len, &line);
	if (write_full(fd, line.buf, line.len) == -1 || fsync(fd) == -1 ||
	    close(fd) == -1) {
		fprintf(stderr, "sendmail: %s: %s\n", path, strerror(errno));
		(void)unlink(path);
		enqbuf_free(&line);
		return (EX_IOERR);
	}
	enqbuf_free(&line);
	return (EX_OK);
}

/* Read a whole offline file we own: 0, or an exit status (printed). */
static int
enq_offline_read(const char *path, struct enqbuf *b)
{
	struct stat	 st;
	char		 buf[CHUNK];
	ssize_t		 n;
	int		 fd;

	/* O_NONBLOCK: a FIFO swapped in must not hang the pickup */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		fprintf(stderr, "sendmail: %s: %s\n", path, strerror(errno));
		return (EX_NOINPUT);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_nlink != 1 || st.st_uid != getuid()) {
		fprintf(stderr, "sendmail: %s: not a regular file owned by "
		    "uid %u, refused\n", path, (unsigned int)getuid());
		close(fd);
		return (EX_NOPERM);
	}
	enqbuf_add(b, "", 0);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || b->len > MSG_MAX) {
			fprintf(stderr, "sendmail: %s: %s\n", path,
			    n == -1 ? strerror(errno) : "too large");
			close(fd);
			return (EX_IOERR);
		}
		enqbuf_add(b, buf, (size_t)n);
	}
	close(fd);
	return (0);
}

/*
 * -S FILE: re-inject an offline file with the envelope it recorded, then
 * remove it.  The recorded line may only hold -f, -i, "--" and
 * recipients: the file is the caller's, but treat it as data.
 */
static int
enq_offline_inject(const struct enq_opts *o)
{
	struct enq_opts		 ro;
	struct enq_rcpts	 r;
	struct enqbuf		 file, msg, sender;
	char			**av = NULL, **full;
	size_t			 off;
	int			 ac = 0, i, ret;

	memset(&file, 0, sizeof(file));
	memset(&sender, 0, sizeof(sender));
	memset(&r, 0, sizeof(r));
	if ((ret = enq_offline_read(o->sfile, &file)) != 0)
		return (ret);
	if (enq_offline_parse(file.buf, file.len, &av, &ac, &off) == -1) {
		fprintf(stderr, "sendmail: %s: not an offline message\n",
		    o->sfile);
		enqbuf_free(&file);
		return (EX_DATAERR);
	}
	full = xcalloc(ac + 2, sizeof(*full));
	full[0] = "sendmail";
	for (i = 0; i < ac; i++)
		full[i + 1] = av[i];
	memset(&ro, 0, sizeof(ro));
	ret = enq_getopt(ac + 1, full, &ro);
	if (ret != 0 || ro.mode != MODE_SEND || ro.tflag || ro.sfile ||
	    ro.sender == NULL || ro.nrcpts == 0 ||
	    enq_sender(ro.sender, "", "", &sender) != 0)
		ret = EX_DATAERR;
	for (i = 0; ret == 0 && i < ro.nrcpts; i++)
		if (enq_rcpts_add(&r, ro.rcpts[i], strlen(ro.rcpts[i]),
		    NULL) == -1)
			ret = EX_DATAERR;
	if (ret != 0)
		fprintf(stderr, "sendmail: %s: bad envelope line\n",
		    o->sfile);
	else {
		memset(&msg, 0, sizeof(msg));
		msg.buf = file.buf + off;
		msg.len = file.len - off;
		ret = enq_deliver(sender.buf, &r, &msg, o->verbose, 0);
	}
	if (ret == EX_OK && unlink(o->sfile) == -1)
		fprintf(stderr, "sendmail: unlink %s: %s\n", o->sfile,
		    strerror(errno));
	free(full);
	enq_argv_free(av, ac);
	enq_rcpts_free(&r);
	enqbuf_free(&sender);
	enqbuf_free(&file);
	return (ret);
}
