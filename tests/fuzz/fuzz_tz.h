/*
 * fuzz_tz.h - what the time zone targets check on a zone that parsed
 *
 * fuzz_check_tz() walks up to 48 transitions from year 1 on (and looks
 * at fixed instants besides), and at each instant t (and t - 1 at a
 * transition) checks what sla/tz.h promises: tz_to_local() fills every
 * field in range with tm_gmtoff equal to tz_offset_at(); the next
 * transition comes strictly after t; within years 1 to 9999,
 * tz_from_local() of that local time succeeds, gives an instant no later
 * than t (the first occurrence of an ambiguous time) and that instant
 * shows the same local time.
 */
#ifndef GC_TESTS_FUZZ_TZ_H
#define GC_TESTS_FUZZ_TZ_H

#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "sla/calendar.h"
#include "sla/tz.h"
#include "tests/fuzz/fuzz.h"

static inline void
fuzz_check_instant(const struct tz *tz, time_t t)
{
	struct tm tm, back;
	time_t r, n;
	long off = tz_offset_at(tz, t);
	int rc;

	memset(&tm, 0x55, sizeof(tm));
	tz_to_local(tz, t, &tm);
	FUZZ_CHECK(tm.tm_gmtoff == off, "tm_gmtoff %ld, offset %ld at %lld",
	    (long)tm.tm_gmtoff, off, (long long)t);
	FUZZ_CHECK(tm.tm_mon >= 0 && tm.tm_mon <= 11 && tm.tm_mday >= 1 &&
	    tm.tm_mday <= 31 && tm.tm_hour >= 0 && tm.tm_hour <= 23 &&
	    tm.tm_min >= 0 && tm.tm_min <= 59 && tm.tm_sec >= 0 &&
	    tm.tm_sec <= 59 && tm.tm_wday >= 0 && tm.tm_wday <= 6 &&
	    tm.tm_yday >= 0 && tm.tm_yday <= 365 && tm.tm_isdst >= 0,
	    "tz_to_local: a field out of range at %lld", (long long)t);
	FUZZ_CHECK(tm.tm_zone != NULL, "tm_zone NULL");
	fuzz_touch(tm.tm_zone, strlen(tm.tm_zone));

	/* tz.c clamps instants to +/-2^52 s: past that, "after" is moot. */
	if (t > -(1LL << 52) && t < (1LL << 52) &&
	    tz_next_transition(&n, tz, t))
		FUZZ_CHECK(n > t, "next transition %lld not after %lld",
		    (long long)n, (long long)t);

	if (t < CALENDAR_TIME_MIN + 2 * 86400 ||
	    t > CALENDAR_TIME_MAX - 2 * 86400)
		return;
	rc = tz_from_local(tz, &tm, &r);
	FUZZ_CHECK(rc == 0, "tz_from_local: %d for the local time of %lld",
	    rc, (long long)t);
	FUZZ_CHECK(r <= t, "tz_from_local gives %lld, later than %lld",
	    (long long)r, (long long)t);
	tz_to_local(tz, r, &back);
	FUZZ_CHECK(back.tm_year == tm.tm_year && back.tm_mon == tm.tm_mon &&
	    back.tm_mday == tm.tm_mday && back.tm_hour == tm.tm_hour &&
	    back.tm_min == tm.tm_min && back.tm_sec == tm.tm_sec,
	    "tz_from_local of the local time of %lld gives %lld, "
	    "another local time", (long long)t, (long long)r);
}

static inline void
fuzz_check_tz(const struct tz *tz)
{
	static const long long fixed[] = {
		CALENDAR_TIME_MIN, -2208988800LL, -1, 0, 1000000000LL,
		1774744200LL, 1792890000LL, 4102444800LL, CALENDAR_TIME_MAX,
		1LL << 53, -(1LL << 53),
	};
	time_t t = CALENDAR_TIME_MIN, n;

	FUZZ_CHECK(tz_name(tz) != NULL, "tz_name NULL");
	fuzz_touch(tz_name(tz), strlen(tz_name(tz)));
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		fuzz_check_instant(tz, (time_t)fixed[i]);
	for (int i = 0; i < 48 && tz_next_transition(&n, tz, t); i++) {
		if (n > CALENDAR_TIME_MAX)
			break;
		fuzz_check_instant(tz, n - 1);
		fuzz_check_instant(tz, n);
		t = n;
	}
}

#endif
