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

static void	usage(int) __attribute__((noreturn));

static void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: smtpd [-dFhnVv] "
	    "[-D macro=value] [-f file] [-T sandbox|sandbox-debug]\n");
	if (status == 0)
		fputs("  -d  foreground, log to stderr\n"
		    "  -F  foreground, log to syslog (facility mail)\n"
		    "  -f  configuration file (default " SMTPD_CONFIG ")\n"
		    "  -h  this help\n"
		    "  -n  check the configuration, print it and exit\n"
		    "  -V  print the version and exit\n"
		    "  -v  log more (twice: debug)\n", stdout);
	exit(status);
}

int
main(int argc, char *argv[])
{
	struct parent_opts	 opts;
	const char		*child = NULL;
	int			 ch;

	memset(&opts, 0, sizeof(opts));
	opts.conffile = SMTPD_CONFIG;

	while ((ch = getopt(argc, argv, "D:dFf:hnT:Vvx:")) != -1) {
		switch (ch) {
		case 'D':
			if (cmdline_symset(optarg) < 0)
				errx(1, "could not parse macro definition %s",
				    optarg);
			break;
		case 'd':
			opts.debug = 1;
			break;
		case 'F':
			opts.foreground = 1;
			break;
		case 'f':
			opts.conffile = optarg;
			break;
		case 'h':
			usage(0);
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
		case 'V':
			printf("smtpd (cartero) %s\n", CARTERO_VERSION);
			exit(0);
		case 'v':
			opts.verbose++;
			break;
		case 'x':
			child = optarg;
			break;
		default:
			usage(1);
		}
	}
	argc -= optind;
	argv += optind;

	smtpd_proc_setup();
	if (child == NULL) {
		if (argc != 0)
			usage(1);
		parent_main(&opts);
		/* NOTREACHED */
	}

	/* a pickup's stderr is a pipe the parent logs from, escaped */
	log_init(opts.debug || strcmp(child, "pickup") == 0, LOG_MAIL);
	log_setverbose(opts.verbose);
	if (strcmp(child, "control") == 0)
		control_main();
	else if (strcmp(child, "lka") == 0)
		lka_main();
	else if (strcmp(child, "queue") == 0)
		queue_main();
	else if (strcmp(child, "smtp") == 0)
		smtp_main();
	else if (strcmp(child, "signer") == 0)
		signer_main();
	else if (strcmp(child, "agent") == 0)
		agent_main(argc, argv);
	else if (strcmp(child, "pickup") == 0)
		pickup_main(argc, argv);
	else
		errx(1, "unknown process %s", child);
	return (0);
}
