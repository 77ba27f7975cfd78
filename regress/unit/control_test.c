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
 * control_test.c -- unit tests for smtpd/control.c's tables: which
 * process serves each smtpctl command (show hosts and show routes go to
 * smtp, pause/resume mta to the queue), that every routed command has a
 * client handler, and the redaction of show queue lines for users other
 * than root.
 */

#include <sys/types.h>

#include <atf-c.h>
#include <string.h>

#include "smtpd/control.c"

static uint32_t	route_to(uint32_t);
static uint32_t	pause_to(const char *);

static uint32_t
route_to(uint32_t type)
{
	const struct control_route	*r;

	ATF_REQUIRE_MSG((r = control_route(type)) != NULL, "no route for %s",
	    imsg_name(type));
	return (r->to);
}

/* Who a pause for what goes to; 0 if refused (a FAIL is composed). */
static uint32_t
pause_to(const char *what)
{
	union control_payload	 pl;
	uint32_t		 to = 0;

	memset(&pl, 0, sizeof(pl));
	(void)strlcpy(pl.what.what, what, sizeof(pl.what.what));
	if (control_check(NULL, IMSG_CTL_PAUSE, &pl, &to) == -1)
		return (0);
	return (to);
}

ATF_TC_WITHOUT_HEAD(routes);
ATF_TC_BODY(routes, tc)
{
	size_t	 i, j;
	int	 found;

	ATF_CHECK_EQ(route_to(IMSG_CTL_SHOW_HOSTS), PROC_BIT(PROC_SMTP));
	ATF_CHECK_EQ(route_to(IMSG_CTL_SHOW_ROUTES), PROC_BIT(PROC_SMTP));
	ATF_CHECK_EQ(route_to(IMSG_CTL_SHOW_QUEUE), PROC_BIT(PROC_QUEUE));
	ATF_CHECK_EQ(route_to(IMSG_CTL_SCHEDULE), PROC_BIT(PROC_QUEUE));
	/* a routed command a client cannot send would be dead code */
	for (i = 0; i < nitems(control_routes); i++) {
		found = 0;
		for (j = 0; j < nitems(control_client_handlers); j++)
			if (control_client_handlers[j].type ==
			    control_routes[i].type)
				found = 1;
		ATF_CHECK_MSG(found, "no client handler for %s",
		    control_routes[i].name);
	}
	ATF_CHECK_EQ(nitems(control_routes), nitems(control_client_handlers));
}

ATF_TC_WITHOUT_HEAD(pause_targets);
ATF_TC_BODY(pause_targets, tc)
{
	ATF_CHECK_EQ(pause_to("smtp"), PROC_BIT(PROC_SMTP));
	ATF_CHECK_EQ(pause_to("mda"), PROC_BIT(PROC_QUEUE));
	ATF_CHECK_EQ(pause_to("mta"), PROC_BIT(PROC_QUEUE));
	ATF_CHECK_EQ(pause_to("all"), PROC_BIT(PROC_SMTP) |
	    PROC_BIT(PROC_QUEUE));
}

/* dest, action and route are emptied; the other fields stay. */
ATF_TC_WITHOUT_HEAD(redact);
ATF_TC_BODY(redact, tc)
{
	char	 line[] = "1122334455667788|11223344|alice@example.org|"
	    "list@example.org|bob@example.org|md|pending|1|2|3|4|"
	    "451 4.2.0 busy|100|action md, user bob";
	char	 old[] = "1122334455667788|11223344|a@x|l@x|bob@x|md|"
	    "pending|1|2|3|4||100";
	size_t	 len;

	len = control_redact(line);
	ATF_CHECK_STREQ(line, "1122334455667788|11223344|alice@example.org|"
	    "list@example.org|||pending|1|2|3|4|451 4.2.0 busy|100|");
	ATF_CHECK_EQ(len, strlen(line) + 1);
	/* a line without the route (13 fields) */
	len = control_redact(old);
	ATF_CHECK_STREQ(old, "1122334455667788|11223344|a@x|l@x|||"
	    "pending|1|2|3|4||100");
	ATF_CHECK_EQ(len, strlen(old) + 1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, routes);
	ATF_TP_ADD_TC(tp, pause_targets);
	ATF_TP_ADD_TC(tp, redact);
	return (atf_no_error());
}
