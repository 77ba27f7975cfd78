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
 * imapd: command line, then the parent daemon or, with -x, one of the
 * re-executed children; -s ROOT serves one PREAUTH session on stdin and
 * stdout as the caller (tests, and "ssh host imapd -s ~/Maildir").
 */

#include <sys/types.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "session.h"
#include "imapd.h"

static void	usage(int) __attribute__((__noreturn__));

static void
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: imapd [-dFhnVv] "
	    "[-D macro=value] [-f file] [-s maildir]\n");
	if (status == 0)
		fputs("  -D  define a macro of the configuration\n"
		    "  -d  foreground, log to stderr\n"
		    "  -F  foreground, log to syslog (facility mail)\n"
		    "  -f  configuration file (default " IMAPD_CONFIG ")\n"
		    "  -h  this help\n"
		    "  -n  check the configuration, print it and exit\n"
		    "  -s  one PREAUTH session on stdin/stdout, as the "
		    "caller\n"
		    "  -V  print the version and exit\n"
		    "  -v  log more (twice: debug)\n", stdout);
	exit(status);
}

int
main(int argc, char *argv[])
{
	struct imapd_opts	 opts;
	const char		*child = NULL, *root = NULL, *user = NULL;
	int			 ch;

	memset(&opts, 0, sizeof(opts));
	opts.conffile = IMAPD_CONFIG;

	while ((ch = getopt(argc, argv, "D:dFf:hns:u:Vvx:")) != -1) {
		switch (ch) {
		case 'D':
			if (imapd_symset(optarg) < 0)
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
		case 's':
			root = optarg;
			break;
		case 'u':		/* -x session: whose */
			user = optarg;
			break;
		case 'V':
			printf("imapd (cartero) %s\n", IMAPD_VERSION);
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
	if (argc != 0)
		usage(1);

	if (root != NULL) {
		log_init(1, LOG_MAIL);
		log_setverbose(opts.verbose);
		session_stdio(root);
		/* NOTREACHED */
	}
	imapd_proc_setup();
	if (child == NULL)
		parent_main(&opts);
	log_init(opts.debug, LOG_MAIL);
	log_setverbose(opts.verbose);
	if (strcmp(child, "signer") == 0)
		signer_proc_main();
	else if (strcmp(child, "login") == 0)
		login_main();
	else if (strcmp(child, "session") == 0 && user != NULL)
		sessproc_main(user);
	errx(1, "unknown process %s", child);
}
