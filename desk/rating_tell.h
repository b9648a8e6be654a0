/*
 * rating_tell.h - a rating given on the rating page told to the ticket's
 * agents, its words read as a reply's
 *
 * A rating by mail is a mail: its agents get it, and its words close or
 * reopen the ticket (conversation.c). The rating page stores its rating
 * in the listener's thread, which composes no mail, with told_at NULL
 * when it says something: a comment, or a score of RATING_TELL_BELOW or
 * less. Each scheduler pass takes those (RATING_TELL_BATCH at most,
 * SKIP LOCKED: one daemon each): the comment (opened when sealed) read
 * as a reply's new text, so that on a resolved ticket a confirmation
 * closes it and "still broken" reopens it, each with its mail to the
 * customer; then the agents get it as a customer's mail ("4/5, given
 * on the rating page: ..."), and told_at is set. One that cannot be
 * told (an operator's template that does not render, a comment that
 * does not open) is logged and tried again at the next pass.
 */
#ifndef GC_DESK_RATING_TELL_H
#define GC_DESK_RATING_TELL_H

#include "desk/desk.h"

#define RATING_TELL_BATCH 100

/* *told_r: the ratings told. */
int rating_tell_tick(struct desk *in, int *told_r, struct gc_err *err);

#endif
