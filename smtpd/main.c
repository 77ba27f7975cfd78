/*
 * smtpd: command line, then either the parent daemon or, with -x, one of
 * the re-executed children.
 */
#include <sys/types.h>

#include <err.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "smtpd.h"
#include "parent.h"

static void	usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr, "usage: smtpd [-dnv] [-D macro=value] "
	    "[-f file] [-T sandbox|sandbox-debug]\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	struct parent_opts	 opts;
	const char		*child = NULL;
	int			 ch;

	memset(&opts, 0, sizeof(opts));
	opts.conffile = SMTPD_CONFIG;

	while ((ch = getopt(argc, argv, "D:df:nT:vx:")) != -1) {
		switch (ch) {
		case 'D':
			if (cmdline_symset(optarg) < 0)
				errx(1, "could not parse macro definition %s",
				    optarg);
			break;
		case 'd':
			opts.debug = 1;
			break;
		case 'f':
			opts.conffile = optarg;
			break;
		case 'n':
			opts.noaction = 1;
			break;
		case 'T':
			if (strcmp(optarg, "sandbox") == 0)
				opts.sandbox_test = 1;
			else if (strcmp(optarg, "sandbox-debug") == 0)
				opts.sandbox_debug = 1;
			else
				errx(1, "unknown trace option: %s", optarg);
			break;
		case 'v':
			opts.verbose++;
			break;
		case 'x':
			child = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;

	if (child == NULL) {
		if (argc != 0)
			usage();
		parent_main(&opts);
		/* NOTREACHED */
	}

	log_init(opts.debug, LOG_MAIL);
	log_setverbose(opts.verbose);
	if (strcmp(child, "control") == 0)
		control_main();
	else if (strcmp(child, "lka") == 0)
		lka_main();
	else if (strcmp(child, "queue") == 0)
		queue_main();
	else if (strcmp(child, "smtp") == 0)
		smtp_main();
	else if (strcmp(child, "agent") == 0)
		agent_main(argc, argv);
	else
		errx(1, "unknown process %s", child);
	return (0);
}
