/*
 * log.h - one line per event on stderr
 *
 * Lines look like "2026-11-26T10:00:00Z guichet[123] info: text". The
 * level is set once at start-up (log_set_level). Never pass a secret
 * (password, key) to these functions: logs are read by people.
 * fatal() is for broken invariants and OOM only; bad input never reaches it.
 */
#ifndef GC_LOG_H
#define GC_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_DEBUG = 0, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERROR };

void log_set_level(enum log_level lvl);
int log_level_parse(const char *s, enum log_level *out);
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
