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
 * cmd_msg.h -- what the message commands (cmd_fetch.c, cmd_store.c,
 * cmd_search.c, cmd_sort.c, cmd_copy.c) share: sequence set arguments,
 * header blocks through the cache, result lists as text.  Internal to
 * those files (cmd_msg.c).
 */

#ifndef IMAPD_CMD_MSG_H
#define IMAPD_CMD_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "imap_parse.h"

struct imap_conn;

/*
 * The sequence numbers an argument names (a sequence set, "$" or a UID
 * set when uid): 0, or -1 with *err for a BAD reply.
 */
int	 msg_arg_seqs(struct imap_conn *, const struct imap_arg *, int uid,
	    uint32_t **, size_t *, const char **err);
/* length of the header block of msg (its blank line included) */
size_t	 msg_hdr_len(const char *, size_t);
/*
 * The header block of message seq, from the cache (CF_HDR, filled on a
 * miss): NULL if its file is gone.  Valid until the next mbox_sync().
 */
const char *msg_header(struct imap_conn *, uint32_t seq, size_t *);
/* numbers as a sequence set in their order ("3:5,1"), runs joined */
void	 msg_list_text(struct buf *, const uint32_t *, size_t);
/* "(\\Seen $Label)": the flags of a record, keyword names kw */
void	 msg_flags_text(struct buf *, uint64_t, const char *const *kw,
	    size_t nkw);
/* the UID of each of n sequence numbers, in a new array */
uint32_t *msg_uids(struct imap_conn *, const uint32_t *, size_t);

/*
 * cmd_search.c: an ESEARCH reply (RFC 4731; sorted: RFC 5267, MIN and
 * MAX are the first and last of ids) and SEARCHRES's SAVE (RFC 5182).
 */
void	 esearch_reply(struct imap_conn *, unsigned int ret,
	    const uint32_t *ids, size_t, uint64_t maxmod, int sorted);
void	 search_save(struct imap_conn *, const uint32_t *seqs, size_t,
	    unsigned int ret);

#endif /* IMAPD_CMD_MSG_H */
