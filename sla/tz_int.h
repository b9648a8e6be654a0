/*
 * tz_int.h - a time zone's layout, shared by tz.c (lookups) and
 * tz_parse.c (reading TZif data and POSIX TZ strings); not an API:
 * nothing outside sla/ includes this file.
 */
#ifndef GUICHET_SLA_TZ_INT_H
#define GUICHET_SLA_TZ_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "sla/tz.h"

#define TZ_T_LIMIT ((int64_t)1 << 52)
#define TZ_ABBR_MAX 31
#define DAY 86400

struct ttype {
	int32_t utoff;          /* seconds east of UTC */
	bool isdst;
	uint16_t abbr;          /* index into tz->chars */
};

enum rule_kind { RULE_JULIAN1, RULE_DAY0, RULE_MWD };

struct rule_date {
	enum rule_kind kind;
	int day;                /* Jn: 1-365; n: 0-365; Mm.w.d: d, 0-6 */
	int week;               /* Mm.w.d: w, 1-5 (5 = last) */
	int month;              /* Mm.w.d: m, 1-12 */
	int32_t time;           /* seconds after local midnight */
};

struct posix_rule {
	bool has_dst;
	int32_t std_off;        /* seconds east of UTC */
	int32_t dst_off;
	char std_abbr[TZ_ABBR_MAX + 1];
	char dst_abbr[TZ_ABBR_MAX + 1];
	struct rule_date start; /* DST starts (read in standard time) */
	struct rule_date end;   /* DST ends (read in DST) */
};

struct tz {
	char *name;
	size_t ntrans;
	int64_t *trans;         /* ascending UTC instants */
	uint8_t *trans_type;    /* type index of each transition */
	size_t ntypes;
	struct ttype *types;
	char *chars;            /* NUL-terminated abbreviations */
	size_t nchars;
	bool has_rule;
	struct posix_rule rule;
	int32_t min_off;        /* extremes of every offset, for */
	int32_t max_off;        /* tz_from_local()'s search window */
};

/* What a lookup yields. */
struct tinfo {
	int32_t off;
	bool isdst;
	const char *abbr;
};

#endif
