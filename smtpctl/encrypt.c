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
 * encrypt.c -- smtpctl encrypt [password]: print a crypt(3) hash of the
 * password for a credentials table ("user:hash" lines), made with
 * libxcrypt's preferred method (yescrypt on Debian 12) and a fresh salt.
 * Without an argument the password is read from standard input: from a
 * terminal without echo, else one line.  A password given as an argument
 * is visible to other users in ps(1): prefer standard input.
 */

#include <sys/types.h>

#include <readpassphrase.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pwcheck.h"
#include "sasl.h"
#include "smtpctl.h"

static int	encrypt_read(char *, size_t);

/* One password from stdin into buf: 0, or -1 (reported). */
static int
encrypt_read(char *buf, size_t size)
{
	size_t	 len;

	if (isatty(STDIN_FILENO)) {
		if (readpassphrase("Password: ", buf, size,
		    RPP_REQUIRE_TTY) == NULL) {
			fprintf(stderr, "smtpctl: encrypt: cannot read the "
			    "password\n");
			return (-1);
		}
		return (0);
	}
	if (fgets(buf, (int)size, stdin) == NULL) {
		fprintf(stderr, "smtpctl: encrypt: no password on standard "
		    "input\n");
		return (-1);
	}
	len = strcspn(buf, "\r\n");
	if (buf[len] == '\0' && len == size - 1 && !feof(stdin)) {
		fprintf(stderr, "smtpctl: encrypt: password longer than %d "
		    "bytes\n", SASL_PASS_MAX);
		return (-1);
	}
	buf[len] = '\0';
	return (0);
}

int
smtpctl_encrypt(int argc, char **argv)
{
	char	 pass[SASL_PASS_MAX + 2], hash[PWCHECK_HASH_MAX];
	int	 r = 1;

	if (argc > 2) {
		fprintf(stderr, "usage: smtpctl encrypt [password]\n");
		return (1);
	}
	if (argc == 2) {
		if (strlcpy(pass, argv[1], sizeof(pass)) >= sizeof(pass)) {
			fprintf(stderr, "smtpctl: encrypt: password longer "
			    "than %d bytes\n", SASL_PASS_MAX);
			return (1);
		}
	} else if (encrypt_read(pass, sizeof(pass)) == -1)
		goto done;
	if (pass[0] == '\0')
		fprintf(stderr, "smtpctl: encrypt: empty password\n");
	else if (strlen(pass) > SASL_PASS_MAX)
		fprintf(stderr, "smtpctl: encrypt: password longer than %d "
		    "bytes\n", SASL_PASS_MAX);
	else if (pwcheck_hash_new(pass, hash, sizeof(hash)) == -1)
		fprintf(stderr, "smtpctl: encrypt: crypt(3) failed\n");
	else {
		printf("%s\n", hash);
		r = fflush(stdout) == 0 ? 0 : 1;
	}
done:
	explicit_bzero(pass, sizeof(pass));
	return (r);
}
