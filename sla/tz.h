/*
 * tz.h - time zones from TZif data, without the C library's global state
 *
 * The C library's localtime()/mktime() read the TZ variable and files
 * under a global lock: sla/ must not use them. A struct tz is built from
 * the bytes of a TZif file (RFC 8536, versions 1 to 4) that the caller has
 * read (the daemon reads /usr/share/zoneinfo/<name>; sla/ does no I/O),
 * or from a POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3".
 *
 * What is used from a TZif file: the 64-bit section when the version is 2
 * or later (the 32-bit one for version 1), the transitions and local time
 * types, and the POSIX TZ footer for instants at or after the last
 * transition. The footer may use every form of POSIX and of RFC 8536 3.3:
 * Jn (1-365, 29 February never counted), n (0-365, counted), Mm.w.d, and
 * transition times from -167 to 167 hours ("/3", "/-1", "/26"). Files
 * with leap-second records ("right/" zones) are refused: Guichet counts
 * POSIX time. Instants before the first transition use time type 0.
 *
 * Ownership: tz_parse()/tz_from_posix() return a struct tz owned by the
 * caller and freed with tz_free(). tz_utc() returns a shared immutable
 * zone that tz_free() leaves alone. A struct tz is never modified after
 * it is built, so it may be shared between threads. tm_zone of a struct tm
 * filled by tz_to_local() points into the zone and lives as long as it.
 */
#ifndef GC_SLA_TZ_H
#define GC_SLA_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"

/* Limits on what a TZif file may hold (tzdata uses a few hundred). */
#define TZ_MAX_TRANSITIONS 20000
#define TZ_MAX_TYPES 256
#define TZ_MAX_CHARS 1024
#define TZ_MAX_FOOTER 256      /* bytes of POSIX TZ string */
#define TZ_MAX_NAME 256        /* bytes of zone name */

struct tz;

/*
 * Parse the bytes of a TZif file. name ("Europe/Paris") is copied and
 * only used to describe the zone; it may be NULL. Returns 0, or GC_EPARSE
 * with a message such as "Europe/Paris: truncated data", or GC_ELIMIT.
 */
int tz_parse(struct tz **out, const char *name, const unsigned char *data,
    size_t len, struct gc_err *err);

/*
 * Build a zone from a POSIX TZ string alone ("EST5EDT,M3.2.0,M11.1.0",
 * "IST-5:30", "<-02>2<-01>,M3.5.0/-1,M10.5.0/0"). name as in tz_parse()
 * (the TZ string itself is used when name is NULL). Returns 0 or
 * GC_EPARSE.
 */
int tz_from_posix(struct tz **out, const char *name, const char *posix,
    struct gc_err *err);

/* The UTC zone: shared, immutable, never NULL. */
const struct tz *tz_utc(void);

/* The name given at parse time ("UTC" for tz_utc()). */
const char *tz_name(const struct tz *tz);

/* The offset of local time from UTC at instant utc, in seconds east of
 * UTC (Europe/Paris in winter: 3600). */
long tz_offset_at(const struct tz *tz, time_t utc);

/*
 * The first instant after utc at which the zone's offset, DST flag or
 * abbreviation may change. Returns true and sets *out, or false when none
 * comes (fixed zone, or after the last transition of a zone whose footer
 * has no DST rule).
 */
bool tz_next_transition(time_t *out, const struct tz *tz, time_t utc);

/*
 * Break utc into local time: every field of struct tm including tm_wday,
 * tm_yday, tm_isdst, tm_gmtoff and tm_zone (see ownership above).
 */
void tz_to_local(const struct tz *tz, time_t utc, struct tm *out);

/*
 * utc as people read it in mails: "2026-11-26 09:15 (Europe/Paris)", the
 * local time to the minute and the zone's name. out gets at most len - 1
 * bytes; TZ_TEXT_MAX holds any zone name of the tz database.
 */
#define TZ_TEXT_MAX 96
void tz_text(const struct tz *tz, time_t utc, char *out, size_t len);

/*
 * The instant at which the local clock shows *local (tm_year, tm_mon,
 * tm_mday, tm_hour, tm_min, tm_sec; out-of-range fields are normalised
 * like timegm() does, so tm_mday = 32 is the 1st of the next month;
 * tm_isdst, tm_wday and tm_yday are ignored). Ambiguity is settled by one
 * rule instead of tm_isdst:
 * - a local time that occurs twice (autumn overlap) maps to its first
 *   occurrence: 2026-10-25 02:30 in Europe/Paris is 02:30 CEST, 00:30Z;
 * - a local time that does not exist (spring gap) maps forward by the
 *   length of the gap, i.e. it is read with the offset in force before
 *   the gap: 2026-03-29 02:30 in Europe/Paris is 03:30 CEST, 01:30Z.
 * Returns 0, or GC_EINVAL when the fields are out of any sane range.
 */
int tz_from_local(const struct tz *tz, const struct tm *local, time_t *out);

void tz_free(struct tz **tz);

/* Proleptic Gregorian calendar helpers, shared with calendar.c: days
 * since 1970-01-01 of a civil date (month 1-12; day may overflow), and
 * back. */
int64_t tz_days_from_civil(int64_t year, int month, int day);
void tz_civil_from_days(int64_t *year_r, int *month_r, int *day_r,
    int64_t days);

#endif
