/*
 * report_send.h - the reports that go out by themselves: on the first
 * days of a month, the previous month's report of each Pro and
 * Enterprise organisation; of a quarter, the previous quarter's review
 * of each Enterprise organisation
 *
 * "The first days" are the first REPORT_CATCHUP_DAYS local days of the
 * period in the support's zone (sla_policy_support_tz()), so that a
 * daemon stopped on the 1st still sends when it comes back. Each report goes
 * to the organisation's report_to addresses (config), else its CSM, as
 * HTML with the text as its alternative and the CSV attached, through
 * the outbox. A row per organisation and period (report_sends), claimed
 * in the transaction of the outbox row, makes it go out once across
 * restarts and with several daemons.
 */
#ifndef GC_DESK_REPORT_SEND_H
#define GC_DESK_REPORT_SEND_H

#include "desk/desk.h"

#define REPORT_CATCHUP_DAYS 7
#define REPORT_SEND_BATCH 20    /* reports composed per scheduler pass */

/* Whether in->now is in the first days of a month, when reports may be
 * due (no database needed to know). */
bool report_send_days(const struct desk *in);

/* Queue the reports due at in->now, at most REPORT_SEND_BATCH, in the
 * caller's transaction; *queued_r counts them. A report that cannot be
 * made is recorded with its reason (and logged), not tried again; only a
 * temporary failure (GC_ETEMP) is returned. */
int report_send_due(struct desk *in, int *queued_r, struct gc_err *err);

#endif
