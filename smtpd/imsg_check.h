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
 * imsg_check.h -- payload validators of smtpd's imsgs (smtpd/imsg_check.c).
 *
 * Each returns 0 if the payload is well formed, -1 if not.  The rules in
 * smtpd/imsg_rules.c name one per message; common/proc.c runs it after
 * the size checks and before any handler, so a handler may use every
 * string of its payload and switch on every enum without checking again.
 */

#ifndef IMSG_CHECK_H
#define IMSG_CHECK_H

#include <stddef.h>
#include <stdint.h>

int	imsg_check_text(const void *, size_t);		/* one C string */
int	imsg_check_msg_reply(const void *, size_t);
int	imsg_check_rcpt_ok(const void *, size_t);
int	imsg_check_rcpt_fail(const void *, size_t);
int	imsg_check_vrfy_result(const void *, size_t);
int	imsg_check_expand_req(const void *, size_t);
int	imsg_check_sender_req(const void *, size_t);
int	imsg_check_sender_reply(const void *, size_t);
int	imsg_check_envelope(const void *, size_t);
int	imsg_check_envelope_msg(const void *, size_t);
int	imsg_check_forward_req(const void *, size_t);
int	imsg_check_forward_reply(const void *, size_t);
int	imsg_check_deliver(const void *, size_t);
int	imsg_check_delivery_result(const void *, size_t);
int	imsg_check_ctl_what(const void *, size_t);
int	imsg_check_pki_msg(const void *, size_t);
int	imsg_check_pki_key(const void *, size_t);
int	imsg_check_signer_req(const void *, size_t);
int	imsg_check_signer_res(const void *, size_t);
int	imsg_check_auth_req(const void *, size_t);
int	imsg_check_auth_system(const void *, size_t);
int	imsg_check_auth_result(const void *, size_t);
int	imsg_check_mta_route_req(const void *, size_t);
int	imsg_check_mta_route(const void *, size_t);
int	imsg_check_mta_creds_req(const void *, size_t);
int	imsg_check_mta_creds(const void *, size_t);
int	imsg_check_msg_commit(const void *, size_t);
int	imsg_check_dkim_key(const void *, size_t);
int	imsg_check_dkim_req(const void *, size_t);
int	imsg_check_dkim_res(const void *, size_t);

/* Header fields a commit may put before its message (struct msg_commit). */
int	msg_prefix_valid(const char *, size_t);

/*
 * The whole rule of a type (size bounds and validator) for a payload read
 * outside the peer layer (smtpctl reading smtpd's answers): 0 or -1.
 */
int	imsg_check_payload(uint32_t, const void *, size_t);

#endif /* IMSG_CHECK_H */
