/*
 * tracking.h - tracking numbers and the tags that carry them in subjects
 *
 * A tracking number is made from the config's tracking_format, e.g.
 * "SUP-%Y-%06n" with %Y the year, %y its two digits, %m the month, %n the
 * sequence number (with optional zero-padding width) and %% a percent:
 * SUP-2026-000042. In subjects it appears as a tag, "[SUP-2026-000042]".
 * Pure functions, no allocation but the caller's buffers.
 */
#ifndef GC_TRACKING_H
#define GC_TRACKING_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Format a number; returns 0, or -1 if out is too small or fmt broken. */
int tracking_format(char *out, size_t len, const char *fmt, long long seq,
    time_t when);

/* The same format split around its sequence number, for the database to
 * build the number in the INSERT that draws the sequence: the number is
 * prefix + seq (left-padded to width with '0' when zero, with ' '
 * otherwise; never cut) + suffix. Returns 0 or -1 as tracking_format. */
int tracking_split(char *prefix, size_t plen, char *suffix, size_t slen,
    int *width_r, bool *zero_r, const char *fmt, time_t when);

/* Find the bracketed tokens of a subject that could be tags: calls found()
 * for each "[token]" (token without brackets, trimmed, 1-63 bytes, no
 * space), in order, until it returns non-zero. Returns how many were
 * seen. */
int tracking_find_tags(const char *subject,
    int (*found)(const char *token, void *arg), void *arg);

#endif
