/*
 * store.h - the data-access layer: one function per thing the program
 * reads or writes, each a named prepared statement with parameters.
 *
 * Every function works inside whatever transaction the caller opened; the
 * caller decides where the transaction (and the per-mail savepoint) ends.
 * Writes whose result is not asked for (events, timers, a message or a
 * mail of ours when no id is wanted) are deferred (db_defer()): their
 * errors come back from the next call that waits, or from db_flush().
 * Times are Unix seconds from Guichet's own clock; ids are PostgreSQL
 * bigints. Strings returned are copied into the caller's buffers or
 * returned as malloc'd strings documented per function.
 */
#ifndef GC_STORE_H
#define GC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "common/mem.h"
#include "sql/db.h"

struct store_ticket {
	int64_t id;
	char number[64];
	char status[16];
	char priority[4];
	char plan[32];
	char queue[64];
	char mailbox[64];
	char language[8];
	char assignee[64];      /* [agent NAME] or "" */
	int64_t merged_into;    /* 0: not merged */
	char *requester;        /* malloc'd */
	char *requester_name;   /* malloc'd, may be NULL */
	char *subject;          /* malloc'd */
	time_t created_at;
};

void store_ticket_clear(struct store_ticket *t);

struct store_ticket_new {
	/* the number: prefix + sequence (padded to width, with '0' when
	 * zero) + suffix, see tracking_split() */
	const char *number_prefix, *number_suffix;
	int number_width;
	bool number_zero;
	const char *created_json, *qualified_json;   /* the two events */
	const char *status;
	const char *priority;
	const char *plan;
	const char *queue;
	const char *mailbox;
	const char *requester;
	const char *requester_name;
	const char *subject;
	const char *language;
	const char *organisation;
	const char *const *tags; size_t ntags;
	time_t now;
};

struct store_message {
	int64_t ticket_id;
	const char *direction;       /* "in" | "out" */
	const char *author;          /* "customer" | "agent" | "system" */
	const char *mailbox;
	const char *from_addr, *from_name;
	const char *const *to; size_t nto;
	const char *const *cc; size_t ncc;
	const char *subject;
	const char *message_id;
	const char *in_reply_to;
	const char *const *refs; size_t nrefs;
	time_t sent_date; bool has_sent_date;
	time_t received_at;
	const char *text;
	const char *new_text;
	const char *const *text_flags; size_t ntext_flags;
	const char *raw; size_t raw_len;          /* NULL for outgoing */
	const unsigned char *raw_sha256;          /* 32 bytes or NULL */
	const char *dedup_key;
	int64_t imap_uid;                         /* 0: none */
	int64_t outbox_id;                        /* 0: none */
	const char *agent;                        /* [agent NAME] or NULL */
	bool internal;                            /* among agents only */
	const char *purpose;                      /* ours: "ack"..., or NULL */
};

struct store_attachment {
	int64_t message_id;
	const char *filename, *content_type, *disposition, *content_id;
	const unsigned char *data; size_t len;
	const unsigned char *sha256;              /* 32 bytes */
};

struct store_outbox {
	const char *kind;            /* "mail" | "webhook" */
	const char *purpose;
	int64_t ticket_id;           /* 0: none */
	const char *message_id;
	const char *mail_from;
	const char *const *rcpts; size_t nrcpts;
	const char *url;
	const char *data; size_t len;
	time_t now;
};

struct store_quarantine {
	const char *mailbox;
	const char *reason;
	const char *detail;
	const char *raw; size_t raw_len;
	const char *dedup_key;
	int64_t imap_uid;
	time_t now;
};

/* Claim a dedup key for the rest of the transaction (an advisory lock:
 * two daemons, or IMAP and the MTA pipe, on the same mail wait for each
 * other), then tell whether the mail is already a message or in the
 * quarantine (*where_r "message"/"quarantine", NULL when new) and
 * whether message_id (may be NULL) is one of our own mails. One round
 * trip. */
int store_claim(struct db *db, const char *key, const char *message_id,
    const char **where_r, int64_t *ticket_id_r, bool *ours_r,
    struct gc_err *err);


/* The ticket (number drawn from the sequence, into number_r), its
 * requester as first participant, its created and qualified events. */
int store_ticket_insert(struct db *db, const struct store_ticket_new *t,
    int64_t *id_r, char *number_r, size_t numlen, struct gc_err *err);
/* Fill t from the ticket with that number / id; GC_ENOTFOUND if none. */
int store_ticket_by_number(struct db *db, const char *number,
    struct store_ticket *t, struct gc_err *err);
int store_ticket_by_id(struct db *db, int64_t id, struct store_ticket *t,
    struct gc_err *err);
/* The ticket owning a message whose Message-ID is one of ids (newest
 * first); GC_ENOTFOUND if none. */
int store_ticket_by_message_ids(struct db *db, const char *const *ids,
    size_t n, int64_t *id_r, struct gc_err *err);
int store_ticket_touch(struct db *db, int64_t id, time_t now,
    struct gc_err *err);
int store_ticket_set_status(struct db *db, int64_t id, const char *status,
    time_t now, struct gc_err *err);

int store_message_insert(struct db *db, const struct store_message *m,
    int64_t *id_r, struct gc_err *err);
int store_attachment_insert(struct db *db, const struct store_attachment *a,
    struct gc_err *err);
/* data_json: a JSON object as text ("{}" when NULL). */
int store_event(struct db *db, int64_t ticket_id, time_t at,
    const char *kind, const char *actor, const char *data_json,
    struct gc_err *err);

int store_imap_state_get(struct db *db, const char *mailbox,
    uint32_t *uidvalidity_r, uint32_t *last_uid_r, bool *found_r,
    struct gc_err *err);
int store_imap_state_set(struct db *db, const char *mailbox,
    uint32_t uidvalidity, uint32_t last_uid, time_t now,
    struct gc_err *err);

int store_quarantine_insert(struct db *db, const struct store_quarantine *q,
    int64_t *id_r, struct gc_err *err);

/* Advisory lock that makes one daemon the poller of a mailbox; held by the
 * session until released or the connection ends. */
int store_try_mailbox_lock(struct db *db, const char *mailbox, bool *got_r,
    struct gc_err *err);

/* ----- The conversation ------------------------------------------ */

struct store_participant {
	char *address;          /* lowercased */
	char *name;             /* may be NULL */
	char role[16];          /* "requester" | "cc" */
};

int store_participant_add(struct db *db, int64_t ticket_id,
    const char *address, const char *name, const char *role, time_t now,
    struct gc_err *err);
/* *out is malloc'd; free with store_participants_free(). */
int store_participants(struct db *db, int64_t ticket_id,
    struct store_participant **out, size_t *n_r, struct gc_err *err);
void store_participants_free(struct store_participant **p, size_t n);

int store_ticket_set_priority(struct db *db, int64_t id, const char *prio,
    time_t now, struct gc_err *err);
int store_ticket_set_assignee(struct db *db, int64_t id, const char *agent,
    time_t now, struct gc_err *err);
int store_ticket_set_related(struct db *db, int64_t id, int64_t related,
    struct gc_err *err);

/* Milestones kept on the ticket; the first time only where it says so. */
enum store_mark {
	STORE_MARK_FIRST_RESPONSE,   /* first time only */
	STORE_MARK_WORKAROUND,       /* first time only */
	STORE_MARK_RCA_SENT,
	STORE_MARK_LAST_UPDATE,
	STORE_MARK_VALIDATED,
};
int store_ticket_mark(struct db *db, int64_t id, enum store_mark m,
    time_t now, struct gc_err *err);

/* Merge ticket from into ticket into: its messages and participants move,
 * it is closed and points at into. */
int store_ticket_merge(struct db *db, int64_t from, int64_t into,
    time_t now, struct gc_err *err);

/* The Message-IDs of a ticket's mails, oldest first (at most max; the
 * newest are kept). Strings are malloc'd, free with store_strings_free. */
int store_thread_ids(struct db *db, int64_t ticket_id, size_t max,
    char ***ids_r, size_t *n_r, struct gc_err *err);
void store_strings_free(char **v, size_t n);
/* The newest incoming customer Message-ID, or NULL (malloc'd). */
int store_last_customer_mid(struct db *db, int64_t ticket_id, char **mid_r,
    struct gc_err *err);

/* Resolved tickets whose resolution is older than before: ids, at most
 * max, locked for this transaction (SKIP LOCKED). */
int store_tickets_to_autoclose(struct db *db, time_t before, int max,
    int64_t *ids, size_t *n_r, struct gc_err *err);


/* A mail of ours in one round trip: its outbox row, its message on the
 * ticket (m NULL for a mail about no ticket) and a "mail_queued" event
 * with ev_json. An automatic mail names its recipients in capped: when
 * one of them already got cap automatic mails in the hour before o->now,
 * nothing is queued and the event is "auto_reply_capped" instead (the
 * loop breaker that holds against responders that mark nothing). */
int store_mail_out(struct db *db, const struct store_outbox *o,
    const struct store_message *m, const char *ev_json,
    const char *const *capped, size_t ncapped, long long cap,
    int64_t *outbox_r, struct gc_err *err);

/* ----- SLA ----------------------------------------------------------- */

/* A timer of a ticket as stored, for a refresh; times 0 when unset. */
struct store_sla_timer {
	char kind[16];
	time_t due_at, warn_at;
	bool warned, breached;           /* fired */
};

/* What the SLA policy needs to know of a ticket; times 0 when unset. */
struct store_sla_state {
	char plan[32];
	char priority[8];
	char queue[64];
	char status[16];
	time_t created_at;
	time_t first_response_at;
	time_t workaround_at;
	time_t resolved_at;
	time_t last_update_at;
	time_t rca_sent_at;
	time_t *pause_start;     /* malloc'd, npauses each */
	time_t *pause_end;       /* 0: still paused */
	size_t npauses;
	struct store_sla_timer *timers;  /* malloc'd, its timers now */
	size_t ntimers;
};
int store_sla_state(struct db *db, int64_t ticket_id,
    struct store_sla_state *out, struct gc_err *err);
void store_sla_state_clear(struct store_sla_state *s);


/* ----- Organisations imported from CSV ------------------------------ */

struct store_org {
	char name[128];
	char plan[32];
	char language[8];
	char csm[256];
};
/* Whether any organisation was imported. */
int store_orgs_any(struct db *db, bool *any_r, struct gc_err *err);
/* The first of keys (most specific first) that names an imported
 * organisation; GC_ENOTFOUND if none. */
int store_org_lookup(struct db *db, const char *const *keys, size_t n,
    struct store_org *out, struct gc_err *err);
/* Insert or update one organisation and its keys (idempotent). */
int store_org_upsert(struct db *db, const char *name, const char *plan,
    const char *language, const char *csm, const char *const *keys,
    size_t nkeys, time_t now, bool *created_r, struct gc_err *err);

/* A shared setting (bytea); GC_ENOTFOUND when absent. */
int store_setting_get(struct db *db, const char *key, unsigned char *out,
    size_t max, size_t *len_r, struct gc_err *err);
/* Insert unless present (the first writer wins). */
int store_setting_put_new(struct db *db, const char *key,
    const unsigned char *v, size_t len, struct gc_err *err);

/* A PostgreSQL array literal of text values into b ("{"a","b\"c"}"). */
int store_array_literal(struct buf *b, const char *const *v, size_t n);

/* The raw mail and mailbox of a quarantine entry (malloc'd). */
int store_quarantine_get(struct db *db, int64_t id, char **raw_r,
    size_t *len_r, char **mailbox_r, char **status_r, struct gc_err *err);
/* Mark an entry retried and free its dedup key for the new attempt. */
int store_quarantine_mark_retried(struct db *db, int64_t id, time_t now,
    struct gc_err *err);
int store_quarantine_set_ticket(struct db *db, int64_t id,
    int64_t ticket_id, struct gc_err *err);

#endif
