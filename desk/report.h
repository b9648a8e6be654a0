/*
 * report.h - an organisation's monthly or quarterly report: its period,
 * its figures read from the database, the calendars it counts business
 * time on (notify/report.h holds the model and writes it out)
 *
 * The period is a month ("2026-11") or a quarter ("2026-Q4") of the
 * organisation's time zone, which is the zone of the policy's business
 * calendar ([sla] calendar). Its figures hold at the earlier of its end
 * and the desk's clock. Durations count business time on each timer's
 * calendar (sla/calendar.h), the ticket's pauses left out, and the
 * report says which calendars that was.
 *
 * Ownership: report_build() returns a report owned by the caller, freed
 * with report_free(); it copies what it needs from the database and
 * borrows nothing.
 */
#ifndef GC_DESK_REPORT_H
#define GC_DESK_REPORT_H

#include <stdbool.h>
#include <time.h>

#include "desk/desk.h"
#include "notify/report.h"

struct tz;

/* An organisation known to the config or imported: its plan, language,
 * CSM and (config only) report_to, a comma-separated list. */
struct report_org {
	char name[256];         /* ORG_MAX_NAME and more */
	char plan[32];
	char language[8];
	char csm[256];
	char report_to[1024];
};

/* The organisation named name (exactly): the imported one first, as
 * qualification does. GC_ENOTFOUND with a message when none. */
int report_org_find(struct desk *in, const char *name,
    struct report_org *out, struct gc_err *err);

/*
 * Parse a period of kind: "YYYY-MM" (monthly) or "YYYY-QN" (quarterly,
 * N 1-4), years 1970-9999, into [start, end) of local midnights in tz
 * and its canonical label (at least 16 bytes). GC_EINVAL with a message
 * naming the expected form otherwise.
 */
int report_period_parse(enum report_kind kind, const char *s,
    const struct tz *tz, time_t *start_r, time_t *end_r, char *label,
    struct gc_err *err);

/* The period of kind that ended last before now ("the previous month")
 * in tz: its label and start. */
void report_period_previous(enum report_kind kind, const struct tz *tz,
    time_t now, char *label, time_t *start_r, time_t *end_r);

struct report_doc;

/*
 * Read the report of org for the period [start, end) labelled label.
 * GC_EINVAL when the period has not begun at in->now; GC_ETEMP and
 * others from the database.
 */
int report_build(struct report_doc **out, struct desk *in,
    const struct report_org *org, enum report_kind kind, const char *label,
    time_t start, time_t end, struct gc_err *err);
const struct report *report_doc_model(const struct report_doc *d);
void report_free(struct report_doc **d);

#endif
