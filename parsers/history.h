/*
 * history.h - ticket history exported by another help desk (Request
 * Tracker, Zammad, osTicket, or our generic layout) as CSV: rows to
 * tickets with their messages, checked, nothing stored
 *
 * One row per message; the ticket's columns repeat on each row of its
 * messages. The columns each format reads, and how statuses and
 * priorities map to ours, are in doc/import.md (and history.c's tables,
 * which are the reference). Every problem is one line "file:line:
 * message" (the line where the bad record starts) in the result's
 * problems; a ticket with any bad row is marked bad as a whole, so that
 * skipping bad rows never imports half a ticket.
 *
 * Also the other way round: history_subject_refs() finds the old numbers
 * in the subject of a customer's answer to an old thread ("[RT #1234]",
 * "[example.com #1234]", "[Ticket#20240115100012]", "[#123456]").
 *
 * Pure: no I/O, the clock is a parameter (a date after `now` is an
 * error). Ownership: a struct history owns all its strings (one arena);
 * history_free() frees it and sets the pointer to NULL.
 */
#ifndef GC_PARSERS_HISTORY_H
#define GC_PARSERS_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/err.h"
#include "common/mem.h"

#define HISTORY_MAX_FILE (512LL * 1024 * 1024)  /* bytes of an export */
#define HISTORY_MAX_REF 64                      /* bytes of an old number */

enum history_format {
	HISTORY_RT,
	HISTORY_ZAMMAD,
	HISTORY_OSTICKET,
	HISTORY_GENERIC,
};

struct history_message {
	size_t line;
	const char *id;           /* the tool's message id, or NULL */
	time_t date;
	const char *from;         /* address, or NULL */
	const char *from_name;    /* or NULL */
	const char *author;       /* "customer" | "agent" */
	bool internal;            /* a note among agents */
	const char *text;
};

struct history_ticket {
	size_t line;              /* of its first row */
	const char *ref;          /* its number in the other tool */
	const char *subject;
	const char *status;       /* ours: new open pending resolved closed */
	const char *priority;     /* P1 P2 P3 */
	const char *requester;    /* address, lower case */
	const char *requester_name;   /* or NULL */
	const char *language;     /* "fr" | "en", or NULL: the mailbox's */
	time_t created;
	time_t closed;            /* resolved or closed at; 0: not */
	bool bad;                 /* a row of it is bad */
	struct history_message *messages;
	size_t nmessages, cap;
};

struct history {
	struct arena arena;
	struct history_ticket *tickets;
	size_t ntickets, cap;
	size_t rows, bad_rows;
	char **problems;          /* "file:line: message" */
	size_t nproblems, pcap;
};

/* The format named name ("rt", "zammad", "osticket", "generic"):
 * 0, or -1 when there is none. */
int history_format_parse(enum history_format *out, const char *name);
const char *history_format_name(enum history_format f);

/* Read a whole export. name stands for the file in problems. Returns 0
 * (problems may be non-empty: bad rows), or GC_EPARSE when the file
 * cannot be read at all (no header of the format: wrong format, wrong
 * separator, not CSV), with err and a problem line. */
int history_parse(struct history **out, enum history_format f,
    const char *name, const char *data, size_t len, time_t now,
    struct gc_err *err);
void history_free(struct history **h);

/* Call found(prefix, ref, arg) for each "[PREFIX#REF]" of subject (PREFIX
 * trimmed, maybe empty, at most 64 bytes without brackets; REF letters,
 * digits and '-', 1..HISTORY_MAX_REF bytes), until it returns non-zero.
 * Returns how many were seen. */
int history_subject_refs(const char *subject,
    int (*found)(const char *prefix, const char *ref, void *arg),
    void *arg);

#endif
