/*
 * log.h - one line per event on stderr
 *
 * Two formats (log_set_format): text, "2026-11-26T10:00:00Z guichet[123]
 * info: text"; or json, one object a line with the time, level, pid, the
 * fields of the mail in hand (mailbox, uid, message_id, ticket, outcome;
 * null when not known) and the message. Under systemd (JOURNAL_STREAM
 * names our stderr) the text format drops its timestamp and pid, which
 * the journal records itself, and starts each line with the "<N>"
 * priority of sd-daemon.h (<3> error, <4> warning, <6> info, <7> debug).
 *
 * The fields: the code handling a mail says what it is about with
 * log_set_fields() (copied, so the strings may go away) and sets them
 * back to what they were after; the lines logged in between carry them.
 * The level and format are set at start-up and on reload.
 *
 * Never pass a secret (password, key) or a mail's text to these
 * functions: logs are read by people. fatal() is for broken invariants
 * and OOM only; bad input never reaches it.
 */
#ifndef GC_LOG_H
#define GC_LOG_H

#include <stdarg.h>
#include <stdint.h>

enum log_level { LOG_LVL_DEBUG = 0, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERROR };
enum log_format { LOG_FMT_TEXT = 0, LOG_FMT_JSON };

/* What a line is about; NULL or 0: not known. */
struct log_fields {
	const char *mailbox;
	uint32_t uid;
	const char *message_id;
	const char *ticket;        /* "SUP-2026-000042" */
	const char *outcome;       /* "ticket", "sent", "quarantine"... */
};

void log_set_level(enum log_level lvl);
int log_level_parse(const char *s, enum log_level *out);
void log_set_format(enum log_format fmt);
int log_format_parse(const char *s, enum log_format *out);
/* The fields of the lines that follow (NULL: none). */
void log_set_fields(const struct log_fields *f);
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
