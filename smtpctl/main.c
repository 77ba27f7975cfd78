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
 * smtpctl -- control smtpd; also sendmail(8), mailq(1) and newaliases(1)
 * depending on the name it is called by.
 *
 * SECURITY
 *	smtpctl is not set-uid.  Control commands need root, except show
 *	queue (mailq), which any local user may run; the client checks that
 *	only to give a clear message early, and the control process checks
 *	it again with SO_PEERCRED, which is what counts.
 *	Every request carries the protocol version in its peerid.  Replies
 *	from the daemon are printed as text, never interpreted further.
 */

#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "proc.h"
#include "smtpd.h"
#include "imsg_check.h"
#include "smtpctl.h"
#include "sock.h"
#include "util.h"

enum ctl_kind {
	K_NONE,			/* no payload */
	K_ID,			/* struct ctl_id from the argument */
	K_WHAT,			/* struct ctl_what: fixed word */
	K_PROC,			/* struct ctl_what from the argument */
	K_INT,			/* int */
	K_SENDMAIL,		/* local: sendmail personality */
	K_NEWALIASES,		/* local: check aliases, reload */
	K_HELP,			/* local */
};

struct ctl_cmd {
	const char	*words[2];	/* "%" is an argument */
	enum ctl_kind	 kind;
	uint32_t	 type;
	const char	*what;		/* K_WHAT */
	int		 value;		/* K_INT */
};

union ctl_payload {
	struct ctl_id	 id;
	struct ctl_what	 what;
	int		 value;
};

static const struct ctl_cmd ctl_cmds[] = {
	{ { "show", "queue" },	K_NONE,	IMSG_CTL_SHOW_QUEUE, NULL, 0 },
	{ { "show", "stats" },	K_NONE,	IMSG_CTL_SHOW_STATS, NULL, 0 },
	{ { "show", "hosts" },	K_NONE,	IMSG_CTL_SHOW_HOSTS, NULL, 0 },
	{ { "show", "routes" },	K_NONE,	IMSG_CTL_SHOW_ROUTES, NULL, 0 },
	{ { "schedule", "%" },	K_ID,	IMSG_CTL_SCHEDULE, NULL, 0 },
	{ { "remove", "%" },	K_ID,	IMSG_CTL_REMOVE, NULL, 0 },
	{ { "pause", "smtp" },	K_WHAT,	IMSG_CTL_PAUSE, "smtp", 0 },
	{ { "pause", "mda" },	K_WHAT,	IMSG_CTL_PAUSE, "mda", 0 },
	{ { "pause", "mta" },	K_WHAT,	IMSG_CTL_PAUSE, "mta", 0 },
	{ { "pause", "all" },	K_WHAT,	IMSG_CTL_PAUSE, "all", 0 },
	{ { "resume", "smtp" },	K_WHAT,	IMSG_CTL_RESUME, "smtp", 0 },
	{ { "resume", "mda" },	K_WHAT,	IMSG_CTL_RESUME, "mda", 0 },
	{ { "resume", "mta" },	K_WHAT,	IMSG_CTL_RESUME, "mta", 0 },
	{ { "resume", "all" },	K_WHAT,	IMSG_CTL_RESUME, "all", 0 },
	{ { "resume", "%" },	K_ID,	IMSG_CTL_SCHEDULE, NULL, 0 },
	{ { "log", "verbose" },	K_INT,	IMSG_CTL_LOG_VERBOSE, NULL, 1 },
	{ { "log", "brief" },	K_INT,	IMSG_CTL_LOG_VERBOSE, NULL, 0 },
	{ { "reload", NULL },	K_NONE,	IMSG_CTL_RELOAD, NULL, 0 },
	{ { "stop", NULL },	K_NONE,	IMSG_CTL_STOP, NULL, 0 },
	{ { "sandbox-test", "%" }, K_PROC, IMSG_CTL_SANDBOX, NULL, 0 },
	{ { "sendmail", NULL },	K_SENDMAIL, 0, NULL, 0 },
	{ { "newaliases", NULL }, K_NEWALIASES, 0, NULL, 0 },
	{ { "help", NULL },	K_HELP,	0, NULL, 0 },
};

static const char	*progname = "smtpctl";
static int		 ctl_showq = -1;	/* show queue: -1 no, 1 -p */

static void		 usage(FILE *);
static int		 ctl_words(const struct ctl_cmd *);
static int		 ctl_matches(const struct ctl_cmd *, int, char **,
			    int *);
static int		 ctl_wild(const struct ctl_cmd *);
static int		 ctl_lookup_pass(int, char **, int,
			    const struct ctl_cmd **, const struct ctl_cmd **,
			    int *);
static const struct ctl_cmd *ctl_lookup(int, char **);
static int		 ctl_build(const struct ctl_cmd *, const char *,
			    union ctl_payload *, size_t *);
static int		 ctl_request(const struct ctl_cmd *, const char *,
			    int);
static int		 ctl_answer(struct imsgbuf *, int *);
static int		 ctl_newaliases(int, char **);

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: smtpctl command [argument]\n"
	    "commands:\n"
	    "\tshow queue [-p] | show stats | show hosts | show routes\n"
	    "\tschedule ID|all | remove ID|all\n"
	    "\tpause smtp|mda|mta|all | resume smtp|mda|mta|all|ID\n"
	    "\tlog verbose|brief | reload | stop | sandbox-test PROC\n"
	    "\tsendmail [sendmail arguments] | newaliases\n"
	    "\tencrypt [password]\n"
	    "\timap show sessions | imap kick USER\n"
	    "\tdkim keygen [-d dir] [-b bits] [-F] DOMAIN SELECTOR [rsa|ed25519]\n"
	    "\tdkim sign -d DOMAIN -s SELECTOR -k KEYFILE ... < message\n"
	    "\tdkim verify [-f file] < message\n"
	    "\tspf check [-f file] [--helo] IP HELO [SENDER]\n"
	    "\tdmarc check [-f file] [-i IP -h HELO [-s SENDER]] < message\n"
	    "\tdns [-f file] [--check] DOMAIN\n");
}

const char *
smtpctl_rundir(void)
{
	const char	*p = getenv(ENV_RUNDIR);

	return (p && *p ? p : SMTPD_RUNDIR);
}

const char *
smtpctl_spool(void)
{
	const char	*p = getenv(ENV_SPOOL);

	return (p && *p ? p : SMTPD_SPOOL);
}

/* Connect to <rundir>/name; -1 with errno set.  path is for messages. */
int
smtpctl_connect(const char *name, char *path, size_t pathsz)
{
	(void)snprintf(path, pathsz, "%s/%s", smtpctl_rundir(), name);
	return (sock_connect_unix(path, 0));
}

static int
ctl_words(const struct ctl_cmd *c)
{
	return (c->words[1] == NULL ? 1 : 2);
}

/* Does argv match c, each word a prefix of the keyword?  *exact if all
 * keywords were typed in full. */
static int
ctl_matches(const struct ctl_cmd *c, int argc, char **argv, int *exact)
{
	int	 i, n = ctl_words(c);

	if (c->kind == K_SENDMAIL) {
		if (argc < n)
			return (0);
	} else if (argc != n)
		return (0);
	*exact = 1;
	for (i = 0; i < n; i++) {
		if (strcmp(c->words[i], "%") == 0)
			continue;
		if (argv[i][0] == '\0' || strncmp(c->words[i], argv[i],
		    strlen(argv[i])) != 0)
			return (0);
		if (strcmp(c->words[i], argv[i]) != 0)
			*exact = 0;
	}
	return (1);
}

/* 1 if c takes an argument ("%"). */
static int
ctl_wild(const struct ctl_cmd *c)
{
	return (c->words[1] != NULL && strcmp(c->words[1], "%") == 0);
}

/*
 * Commands matching argv, with (pass 1) or without (pass 0) an argument
 * word; *exact_found is the last one typed in full, counted in *nexact.
 */
static int
ctl_lookup_pass(int argc, char **argv, int pass,
    const struct ctl_cmd **found, const struct ctl_cmd **exact_found,
    int *nexact)
{
	size_t	 i;
	int	 n = 0, exact;

	for (i = 0; i < nitems(ctl_cmds); i++) {
		if (ctl_wild(&ctl_cmds[i]) != pass ||
		    !ctl_matches(&ctl_cmds[i], argc, argv, &exact))
			continue;
		*found = &ctl_cmds[i];
		n++;
		if (exact) {
			*exact_found = *found;
			(*nexact)++;
		}
	}
	return (n);
}

/*
 * Unique-prefix lookup: "sh q" is "show queue".  Keywords win over an
 * argument: "resume md" is "resume mda", "resume 1f2e3d4c" is "resume ID".
 */
static const struct ctl_cmd *
ctl_lookup(int argc, char **argv)
{
	const struct ctl_cmd	*found = NULL, *exact_found = NULL;
	int			 n, nexact = 0;

	n = ctl_lookup_pass(argc, argv, 0, &found, &exact_found, &nexact);
	if (n == 0)
		n = ctl_lookup_pass(argc, argv, 1, &found, &exact_found,
		    &nexact);
	if (nexact == 1)
		return (exact_found);
	if (n == 1)
		return (found);
	if (n > 1)
		fprintf(stderr, "%s: ambiguous command\n", progname);
	else
		fprintf(stderr, "%s: unknown command\n", progname);
	usage(stderr);
	return (NULL);
}

/* The payload of c with argument arg; -1 (message printed) if invalid. */
static int
ctl_build(const struct ctl_cmd *c, const char *arg, union ctl_payload *pl,
    size_t *len)
{
	char			*end;
	unsigned long long	 v;

	if (arg == NULL)
		arg = "";
	memset(pl, 0, sizeof(*pl));
	switch (c->kind) {
	case K_ID:
		*len = sizeof(pl->id);
		if (strcmp(arg, "all") == 0)
			return (0);
		errno = 0;
		v = strtoull(arg, &end, 16);
		if (*arg == '\0' || *end != '\0' || errno || v == 0 ||
		    strlen(arg) > 16 || !isxdigit((unsigned char)*arg)) {
			fprintf(stderr, "%s: invalid id: %s\n", progname, arg);
			return (-1);
		}
		pl->id.id = v;
		return (0);
	case K_WHAT:
	case K_PROC:
		*len = sizeof(pl->what);
		if (strlcpy(pl->what.what, c->what ? c->what : arg,
		    sizeof(pl->what.what)) >= sizeof(pl->what.what)) {
			fprintf(stderr, "%s: %s: too long\n", progname, arg);
			return (-1);
		}
		return (0);
	case K_INT:
		*len = sizeof(pl->value);
		pl->value = c->value;
		return (0);
	default:
		*len = 0;
		return (0);
	}
}

/*
 * Read answers until the command is done.  Returns 1 while more is
 * expected, else 0 and *status (0: CTL_OK/CTL_END, 1: CTL_FAIL).
 */
static int
ctl_answer(struct imsgbuf *ibuf, int *status)
{
	struct imsg	 imsg;
	const char	*text;
	size_t		 len;
	ssize_t		 n = 0;
	int		 more = 1;

	while (more && (n = imsg_get(ibuf, &imsg)) > 0) {
		text = imsg.data;
		len = imsg_get_len(&imsg);
		/* the rule smtpd's processes check (smtpd/imsg_rules.c) */
		if (imsg_check_payload(imsg_get_type(&imsg), text, len) == -1) {
			fprintf(stderr, "%s: bad answer %u from smtpd\n",
			    progname, imsg_get_type(&imsg));
			*status = 1;
			more = 0;
			imsg_free(&imsg);
			break;
		}
		switch (imsg_get_type(&imsg)) {
		case IMSG_CTL_LINE:
			if (ctl_showq != -1)
				showq_line(text);
			else
				printf("%s\n", text);
			break;
		case IMSG_CTL_OK:
		case IMSG_CTL_END:
			if (ctl_showq != -1)
				showq_end();
			*status = 0;
			more = 0;
			break;
		case IMSG_CTL_FAIL:
			fprintf(stderr, "%s: %s\n", progname, text);
			*status = 1;
			more = 0;
			break;
		default:
			fprintf(stderr, "%s: unexpected answer %u\n",
			    progname, imsg_get_type(&imsg));
			*status = 1;
			more = 0;
			break;
		}
		imsg_free(&imsg);
	}
	if (more && n == -1) {
		fprintf(stderr, "%s: bad answer from smtpd\n", progname);
		*status = 1;
		return (0);
	}
	return (more);
}

/* Send one request and print the answers; returns the exit status. */
static int
ctl_request(const struct ctl_cmd *c, const char *arg, int quiet_down)
{
	union ctl_payload	 pl;
	struct imsgbuf		 ibuf;
	char			 path[PATH_MAX];
	size_t			 len;
	int			 fd, r, status = 1;

	if (geteuid() != 0 && c->type != IMSG_CTL_SHOW_QUEUE) {
		fprintf(stderr, "%s: need root privileges (permission "
		    "denied)\n", progname);
		return (1);
	}
	if (ctl_build(c, arg, &pl, &len) == -1)
		return (1);
	if ((fd = smtpctl_connect(SMTPD_CONTROL_SOCK, path,
	    sizeof(path))) == -1) {
		if (!quiet_down)
			fprintf(stderr, "%s: smtpd is not running (connect "
			    "%s: %s)\n", progname, path, strerror(errno));
		return (quiet_down ? 0 : 1);
	}
	if (imsgbuf_init(&ibuf, fd) == -1)
		fatal("imsgbuf_init");
	if (imsg_compose(&ibuf, c->type, CTL_VERSION, 0, -1,
	    len ? &pl : NULL, len) == -1 || imsgbuf_flush(&ibuf) == -1) {
		fprintf(stderr, "%s: write: %s\n", progname, strerror(errno));
		goto done;
	}
	for (;;) {
		if ((r = imsgbuf_read(&ibuf)) == -1) {
			fprintf(stderr, "%s: read: %s\n", progname,
			    strerror(errno));
			break;
		}
		if (r == 0) {
			fprintf(stderr, "%s: connection closed by smtpd\n",
			    progname);
			break;
		}
		if (!ctl_answer(&ibuf, &status))
			break;
	}
done:
	imsgbuf_clear(&ibuf);
	close(fd);
	fflush(stdout);
	return (status);
}

/* newaliases [-f file]: check the aliases file, reload a running smtpd. */
static int
ctl_newaliases(int argc, char **argv)
{
	const char	*path = PATH_ALIASES;
	size_t		 n;
	size_t		 i;

	if (argc == 3 && strcmp(argv[1], "-f") == 0)
		path = argv[2];
	else if (argc != 1) {
		fprintf(stderr, "usage: newaliases [-f file]\n");
		return (1);
	}
	if (aliases_check(path, &n) == -1)
		return (1);
	printf("newaliases: %s: %zu aliases\n", path, n);
	fflush(stdout);
	if (geteuid() != 0)
		return (0);
	for (i = 0; i < nitems(ctl_cmds); i++)
		if (ctl_cmds[i].type == IMSG_CTL_RELOAD)
			return (ctl_request(&ctl_cmds[i], NULL, 1));
	return (0);
}

/* Run one smtpctl command; prog names the personality in messages. */
int
smtpctl_command(int argc, char **argv, const char *prog)
{
	const struct ctl_cmd	*c;

	progname = prog;
	if (argc < 1) {
		usage(stderr);
		return (1);
	}
	if (strcmp(prog, "newaliases") == 0)
		return (ctl_newaliases(argc, argv));
	if (strcmp(argv[0], "encrypt") == 0)
		return (smtpctl_encrypt(argc, argv));
	if (strcmp(argv[0], "imap") == 0)
		return (smtpctl_imap(argc, argv));
	if (strcmp(argv[0], "dns") == 0)
		return (smtpctl_dns(argc, argv));
	if (strcmp(argv[0], "dkim") == 0)
		return (smtpctl_dkim(argc, argv));
	if (strcmp(argv[0], "spf") == 0)
		return (smtpctl_spf(argc, argv));
	if (strcmp(argv[0], "dmarc") == 0)
		return (smtpctl_dmarc(argc, argv));
	if (argc == 3 && strcmp(argv[2], "-p") == 0 &&
	    strncmp("show", argv[0], strlen(argv[0])) == 0) {
		ctl_showq = 1;		/* show queue -p */
		argc--;
	}
	if ((c = ctl_lookup(argc, argv)) == NULL)
		return (1);
	if (c->type == IMSG_CTL_SHOW_QUEUE) {
		showq_start(ctl_showq == 1);
		ctl_showq = ctl_showq == 1;
	} else if (ctl_showq == 1) {
		fprintf(stderr, "%s: -p is for show queue only\n", progname);
		return (1);
	}
	switch (c->kind) {
	case K_SENDMAIL:
		argv[0] = "sendmail";
		return (enqueue_main(argc, argv, 0));
	case K_NEWALIASES:
		progname = "newaliases";
		argv[0] = "newaliases";
		return (ctl_newaliases(argc, argv));
	case K_HELP:
		usage(stdout);
		return (0);
	default:
		return (ctl_request(c, argc > 1 ? argv[1] : NULL, 0));
	}
}

int
main(int argc, char *argv[])
{
	const char	*prog;
	char		*av[] = { "show", "queue", NULL, NULL };

	prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	log_init(1, LOG_MAIL);
	log_procinit(prog);
	smtpd_proc_setup();	/* the rules that check smtpd's answers */
	if (strcmp(prog, "sendmail") == 0 || strcmp(prog, "send-mail") == 0)
		return (enqueue_main(argc, argv, 0));
	if (strcmp(prog, "mailq") == 0) {
		if (argc > 2 || (argc == 2 && strcmp(argv[1], "-p") != 0)) {
			fprintf(stderr, "usage: mailq [-p]\n");
			return (1);
		}
		if (argc == 2) {
			av[2] = argv[1];	/* -p */
			return (smtpctl_command(3, av, "mailq"));
		}
		return (smtpctl_command(2, av, "mailq"));
	}
	if (strcmp(prog, "newaliases") == 0)
		return (smtpctl_command(argc, argv, "newaliases"));
	if (argc < 2) {
		usage(stderr);
		return (1);
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return (0);
	}
	return (smtpctl_command(argc - 1, argv + 1, "smtpctl"));
}
