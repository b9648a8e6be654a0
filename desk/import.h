/*
 * import.h - tickets of another help desk's export into ours
 *
 * Each ticket of a parsed export (parsers/history.h) that has no bad row
 * becomes one of ours, with our own number, its status, priority,
 * requester, dates and messages of then, and its old number kept in
 * ticket_refs (so that an answer to the old thread finds it, see
 * desk/thread.c). No acknowledgement and no notification is sent, no
 * rule runs. Closed and resolved tickets get no SLA timer; open ones
 * (new, open, pending) get their timers from the import's `now`, as if
 * they had come in then: their past is not escalated. A ticket imported
 * before (same tool, same old number) is not changed, only the messages
 * it does not have yet are added: importing a file twice changes
 * nothing. Everything happens in the caller's transaction.
 */
#ifndef GC_DESK_IMPORT_H
#define GC_DESK_IMPORT_H

#include <stddef.h>

#include "desk/desk.h"
#include "parsers/history.h"

struct import_stats {
	size_t tickets_new, tickets_known, tickets_bad;
	size_t messages_new, messages_known;
};

/* Import h (from format f) into the mailbox mb's queue and language. */
int import_history(struct desk *in, const struct conf_mailbox *mb,
    enum history_format f, const struct history *h,
    struct import_stats *st, struct gc_err *err);

#endif
