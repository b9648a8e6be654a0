/*
 * thread.h - which ticket a mail belongs to
 *
 * By a known tracking tag in the subject (wherever it is, after any
 * prefixes), else by In-Reply-To/References naming any mail of a ticket,
 * ours or the customer's. A merged ticket leads to the one it was merged
 * into.
 */
#ifndef GC_DESK_THREAD_H
#define GC_DESK_THREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "desk/desk.h"

struct store_ticket;

/* The ticket that the first tag of a mail's subject numbers, read in the
 * round trip that claims the mail (store_claim_tagged()): thread_find()
 * takes it from there instead of asking again, once. */
struct desk_tagged {
	char token[64];             /* the first tag; "" none, or used */
	bool found;                 /* t holds its ticket */
	struct store_ticket *t;
};
/* The subject's first tag, as thread_find() tries it first, in token
 * ("" when there is none). */
void thread_first_tag(const char *subject, char *token, size_t len);

/* *found_r false: the mail names no ticket (not an error). tag_r: the tag
 * the subject named, "" when the thread found it. tagged: what the
 * mail's claim read (NULL: nothing). */
int thread_find(struct desk *in, const struct mail *m,
    struct desk_tagged *tagged, struct store_ticket *t, bool *found_r,
    char *tag_r, size_t taglen, struct gc_err *err);

/* Replace *t by the ticket it was merged into, and so on (16 hops at
 * most: a loop of merges cannot hold the desk). */
int thread_follow_merges(struct desk *in, struct store_ticket *t,
    struct gc_err *err);

#endif
