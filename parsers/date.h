/*
 * date.h - the Date field of real mail
 *
 * date_parse() reads an RFC 5322 date-time, its obsolete forms (RFC 5322
 * 4.3) and the forms mailers and gateways write that libetpan refuses or
 * misreads, whenever day, month, year, hour and minute can be told apart
 * without guessing:
 *   Thu, 26 Nov 2026 10:00:00 +0100         the standard form
 *   26 Nov 2026 10:00 +0100                 no weekday, no seconds
 *   Thu, 26 Nov 26 10:00:00 +0100           two-digit year (00-49 are
 *                                           20xx, 50-99 19xx)
 *   Thu, 26-Nov-2026 10:00:00 EST           obsolete zone names, dashes
 *   Thu, 26 Nov 2026 10:00:00 GMT+1         GMT/UTC with an offset,
 *   Thu, 26 Nov 2026 10:00:00 +01:00        offsets with a colon or in
 *                                           hours only
 *   Wednesday, April 03, 2002 5:56 AM       month first, full names,
 *                                           12-hour clock
 *   Thu Nov 26 10:00:00 CET 2026            asctime()
 *   2026-11-26T10:00:00Z, 2026-11-26 10:00  ISO 8601
 * Weekday names are skipped, not checked (they are often wrong), and so
 * is any word followed by a comma before the date (weekdays in other
 * languages); names of weekdays and months may be abbreviated ("Thur",
 * "Sept") and in any case; comments in parentheses are blanks. A zone
 * name that is not known (or a military letter other than Z) means UTC,
 * as RFC 5322 says ("-0000"), and so does a missing zone. All-numeric dates such as
 * "26/11/2026" are refused: day and month cannot be told apart. So is
 * anything left over that is not a comment or a zone name after a
 * numeric zone ("-0500 EST").
 *
 * date_make() checks and converts broken-down fields (as libetpan gives
 * them) in the same way.
 *
 * Pure code: no clock, no locale, no allocation.
 */
#ifndef GC_PARSERS_DATE_H
#define GC_PARSERS_DATE_H

#include <stddef.h>
#include <time.h>

#include "common/err.h"

/* Read the len bytes at s (a Date field value). On success *out is the
 * time in seconds since the epoch (UTC) and 0 is returned; GC_EPARSE
 * (err says why) when no date can be read reliably. */
int date_parse(time_t *out, const char *s, size_t len, struct gc_err *err);

/* *out from a date and time in a zone east of UTC by zone_minutes (so
 * -300 for EST). year: four digits, or two (00-49: 20xx, 50-99: 19xx),
 * or three (+1900); the result must lie in 1900-9999. sec may be 60 (a
 * leap second). Returns 0, or GC_EPARSE when a field is out of range. */
int date_make(time_t *out, int year, int month, int day, int hour, int min,
    int sec, int zone_minutes, struct gc_err *err);

#endif
