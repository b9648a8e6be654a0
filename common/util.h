/*
 * util.h - small string, file and time helpers shared by every module
 *
 * Pure helpers (no global state). Strings returned by functions taking a
 * struct arena live in that arena; others are malloc'd for the caller.
 */
#ifndef GC_UTIL_H
#define GC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"
#include "mem.h"

/* ASCII case-insensitive comparisons (locale independent). */
int str_casecmp(const char *a, const char *b);
int str_ncasecmp(const char *a, const char *b, size_t n);
bool str_casestarts(const char *s, const char *prefix);
const char *str_casestr(const char *hay, const char *needle);

/* Whether host (a name, an IPv4 address, an IPv6 address with or
 * without brackets) is this machine's loopback: "localhost" (any case,
 * a final dot allowed), 127.0.0.0/8, ::1 or ::ffff:127.x.y.z. A name is
 * not resolved: one that resolves to 127.0.0.1 is not taken for it. */
bool host_is_loopback(const char *host);

/* Trim ASCII whitespace in place; returns s advanced past leading space. */
char *str_trim(char *s);
void str_tolower(char *s);

/* Remove CR and LF (and other C0 controls but TAB) in place: for values
 * that go into a header or a log line. */
void str_strip_ctl(char *s);

/* Read a whole file, at most max bytes (GC_ELIMIT past it). The result is
 * NUL-terminated; *out must be freed by the caller. */
int file_read(char **out, size_t *len_r, const char *path, size_t max,
    struct gc_err *err);

/* Read everything from a file descriptor (stdin for `ingest`). */
int fd_read_all(char **out, size_t *len_r, int fd, size_t max,
    struct gc_err *err);

/* Write all len bytes of p to fd (again after EINTR and short writes):
 * 0, or -1 with errno set (EIO when the file took no byte). */
int fd_write_all(int fd, const void *p, size_t len);

/* Join dir and a path unless path is absolute. Result malloc'd. */
char *path_resolve(const char *dir, const char *path);
/* The folder of a file path ("." when it has none). malloc'd. */
char *path_dirname(const char *path);

/* Time: UTC ISO-8601 "2026-11-26T10:00:00Z" into buf (>= 21 bytes). */
void time_iso8601(char *buf, size_t len, time_t t);
/* Parse ISO-8601 (YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM|-HH:MM]); a time
 * without zone is UTC. Returns 0 or GC_EINVAL. */
int time_parse_iso8601(time_t *out, const char *s);
/* RFC 5322 date "Thu, 26 Nov 2026 10:00:00 +0000". */
void time_rfc5322(char *buf, size_t len, time_t t);
/* Seconds of the monotonic clock (CLOCK_MONOTONIC): for deadlines and
 * durations, which a change of the wall clock must not move. */
double mono_seconds(void);

/* Durations in config: "30s", "5m", "2h", "7d", "1w", or plain seconds. */
int duration_parse(long long *seconds_out, const char *s);
/* Worked time: "45 min", "2 h 05", "-1 h 30" (hours never become
 * days: 30 h of work is "30 h 00"). */
void minutes_text(char *buf, size_t len, long long minutes);

/* Sizes in config: "25MB", "512KB", "1GB", or plain bytes. */
int size_parse(long long *bytes_out, const char *s);
/* A size for people: under a megabyte in whole kilobytes rounded up
 * ("16 KB", "1 KB" for 1 byte, "0 KB" for none), else megabytes with a
 * decimal ("25.3 MB"); in French (fr) "16 Ko", "25,3 Mo". */
void size_text(char *buf, size_t len, unsigned long long bytes, bool fr);

/* The word for key in a table of (key, English, French) rows ended by
 * NULL: the French one when fr; key itself when the table lacks it ("" for
 * NULL). */
const char *word_in(const char *const *rows, const char *key, bool fr);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void hex_encode(char *out, const unsigned char *p, size_t n);
/* The bytes that hex (two digits a byte, as PostgreSQL's encode(x,
 * 'hex') writes them) stands for, malloc'd with a NUL after *len_r
 * bytes; a pair that is not hex reads as 0. */
unsigned char *hex_decode(const char *hex, size_t *len_r);
/* The value of one hex digit (either case), -1 for any other char. */
int hex_digit(char c);

#endif
