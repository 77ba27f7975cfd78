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
 * sandbox_profiles.h -- smtpd's sandbox profiles (smtpd/sandbox_profiles.c)
 * for common/sandbox.c: which pledge-like promises each process gets.
 */

#ifndef SMTPD_SANDBOX_PROFILES_H
#define SMTPD_SANDBOX_PROFILES_H

#include "sandbox.h"

enum smtpd_sandbox {
	SANDBOX_CONTROL,
	SANDBOX_LKA,
	SANDBOX_QUEUE,
	SANDBOX_SMTP,
	SANDBOX_SIGNER,		/* stdio only: its keys came as open files */
	SANDBOX_AGENT,
	SANDBOX_AGENT_MDA,
	SANDBOX_PICKUP,		/* offline pickup: stdio only */
	SANDBOX_COUNT
};

extern const struct sandbox_profile	smtpd_sandbox_profiles[SANDBOX_COUNT];

void	smtpd_sandbox(enum smtpd_sandbox);

#endif /* SMTPD_SANDBOX_PROFILES_H */
