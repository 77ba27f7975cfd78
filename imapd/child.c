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
 * child.c -- imapd's part of the child bootstrap (common/proc_child.c):
 * the configuration text from the parent, parsed with imapd.conf's
 * grammar into env.
 */

#include <sys/types.h>

#include <stdlib.h>

#include "log.h"
#include "proc.h"
#include "proc_child.h"
#include "imapd.h"

struct imapd_config	*env;

static int	child_conf_load(const char *, size_t, void **);
static void	child_conf_free(void *);

void
imapd_child_run(const void *arg)
{
	static struct proc_child	 child;

	child = *(const struct proc_child *)arg;
	child.conf_load = child_conf_load;
	child.conf_free = child_conf_free;
	proc_child_run(&child);
}

static int
child_conf_load(const char *text, size_t len, void **old)
{
	struct imapd_config	*cfg;

	if ((cfg = imapd_parse_buffer(text, len)) == NULL)
		return (-1);
	*old = env;
	env = cfg;
	return (0);
}

static void
child_conf_free(void *cfg)
{
	imapd_config_free(cfg);
}
