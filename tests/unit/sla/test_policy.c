/*
 * test_policy.c - sla/policy.c and sla/org.c: the SLA policy from the
 * config, ticket timers, escalation routes, organisations, CSV import
 *
 * The config under test is always parsed by conf_load_buffer() from a
 * base that holds only the keys of DESIGN.md (plus a security mailbox),
 * with SLA sections appended; the conf is freed as soon as the policy is
 * loaded, so that the policy is shown to keep nothing borrowed from it.
 * Files reach the policy through a loader that serves in-memory files by
 * path, zones from the system's zoneinfo, and other paths from disk
 * (tests/fixtures/policy, tests/fixtures/rules).
 *
 * The defaults are checked against a table written from policy.md (plan
 * x priority x timer -> business seconds and calendar), then deadlines
 * worked out by hand on the Paris calendar: Friday evening, weekend
 * nights, holidays, pauses, priority changes, RCA and update reminders,
 * the security queue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "common/util.h"
#include "sla/org.h"
#include "sla/policy.h"

#define FX FIXTURES_DIR "/policy"

/* ----- Fixtures ---------------------------------------------------- */

#define BASE \
	"[database]\n" \
	"conninfo = dbname=guichet\n" \
	"[smtp]\n" \
	"url = smtp://127.0.0.1:2525\n" \
	"from = Support <support@example.com>\n" \
	"[mailbox support]\n" \
	"url = imaps://127.0.0.1:9993\n" \
	"user = support\n" \
	"password_file = secrets/support.pass\n" \
	"address = support@example.com\n" \
	"queue = support\n" \
	"[mailbox security]\n" \
	"url = imaps://127.0.0.1:9993\n" \
	"user = security\n" \
	"password_file = secrets/support.pass\n" \
	"address = security@example.com\n" \
	"queue = security\n" \
	"[agent alice]\n" \
	"address = alice@example.com\n" \
	"queues = support, security\n" \
	"[agent bob]\n" \
	"address = bob@example.com\n" \
	"queues = security\n" \
	"[queue support]\n" \
	"escalation_to = oncall@example.com, lead@example.com\n" \
	"webhook_url = https://chat.example.com/hooks/support\n"

/* The same without the security queue. */
#define BASE_NO_SECURITY \
	"[database]\n" \
	"conninfo = dbname=guichet\n" \
	"[smtp]\n" \
	"url = smtp://127.0.0.1:2525\n" \
	"from = Support <support@example.com>\n" \
	"[mailbox support]\n" \
	"url = imaps://127.0.0.1:9993\n" \
	"user = support\n" \
	"password_file = secrets/support.pass\n" \
	"address = support@example.com\n" \
	"[agent alice]\n" \
	"address = alice@example.com\n" \
	"queues = support\n"

struct memfile {
	const char *path;
	const char *data;
};

struct fx_loader {
	const struct memfile *files;
	size_t nfiles;
	int zone_reads;
	int file_reads;
};

static int
fx_read(void *arg, const char *path, char **data_r, size_t *len_r,
    struct gc_err *err)
{
	struct fx_loader *fl = arg;
	char buf[512];

	for (size_t i = 0; i < fl->nfiles; i++)
		if (strcmp(fl->files[i].path, path) == 0) {
			fl->file_reads++;
			*data_r = strdup(fl->files[i].data);
			*len_r = strlen(fl->files[i].data);
			return 0;
		}
	if (strncmp(path, "zone:", 5) == 0) {
		const char *dir = getenv("TZDIR");

		fl->zone_reads++;
		snprintf(buf, sizeof(buf), "%s/%s",
		    dir != NULL ? dir : "/usr/share/zoneinfo", path + 5);
		path = buf;
	} else {
		fl->file_reads++;
	}
	return file_read(data_r, len_r, path, SLA_MAX_FILE, err);
}

static int
base_lines(const char *base)
{
	int n = 0;

	for (; *base; base++)
		n += *base == '\n';
	return n;
}

static struct conf *
load_conf(const char *base, const char *extra)
{
	char *text = xasprintf("%s%s", base, extra);
	struct conf_diag diag = { 0 };
	struct conf *c = NULL;

	if (conf_load_buffer(&c, "guichet.conf", FX, text, strlen(text),
	    &diag) != 0)
		fail_msg("conf: %s", diag.n ? diag.lines[0] : "?");
	conf_diag_free(&diag);
	free(text);
	return c;
}

static struct sla_policy *
load_with(const char *base, const char *extra, struct fx_loader *fl)
{
	struct conf *c = load_conf(base, extra);
	struct sla_loader ld = { fx_read, fl };
	struct conf_diag diag = { 0 };
	struct sla_policy *p = NULL;
	int rc = sla_policy_load(&p, c, fl != NULL ? &ld : NULL, &diag);

	if (rc != 0) {
		for (size_t i = 0; i < diag.n; i++)
			print_error("  %s\n", diag.lines[i]);
		fail_msg("sla_policy_load failed");
	}
	conf_diag_free(&diag);
	conf_free(&c);
	assert_non_null(p);
	return p;
}

static struct sla_policy *
load(const char *extra)
{
	struct fx_loader fl = { NULL, 0, 0, 0 };

	return load_with(BASE, extra, &fl);
}

/* Load extra that must fail; diagnostics in diag. */
static void
load_bad(struct conf_diag *diag, const char *extra,
    const struct memfile *files, size_t nfiles)
{
	struct conf *c = load_conf(BASE, extra);
	struct fx_loader fl = { files, nfiles, 0, 0 };
	struct sla_loader ld = { fx_read, &fl };
	struct sla_policy *p = (struct sla_policy *)1;

	assert_int_equal(sla_policy_load(&p, c, &ld, diag), GC_ECONFIG);
	assert_null(p);
	assert_true(diag->n > 0);
	conf_free(&c);
}

static bool
diag_has(const struct conf_diag *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->lines[i], needle) != NULL)
			return true;
	return false;
}

static void
need(const struct conf_diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
need(const struct conf_diag *d, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!diag_has(d, msg)) {
		for (size_t i = 0; i < d->n; i++)
			print_error("  got: %s\n", d->lines[i]);
		fail_msg("expected a diagnostic containing \"%s\"", msg);
	}
}

static time_t
T(const char *iso)
{
	time_t t;

	if (time_parse_iso8601(&t, iso) != 0)
		fail_msg("bad time %s", iso);
	return t;
}

static const char *
iso(time_t t, char *buf)
{
	if (t == 0)
		return strcpy(buf, "0");
	time_iso8601(buf, 32, t);
	return buf;
}

#define assert_time(got, want) do { \
	char b1_[32], b2_[32]; \
	time_t g_ = (got), w_ = (want); \
	if (g_ != w_) \
		fail_msg("%s: got %s, want %s", #got, iso(g_, b1_), \
		    iso(w_, b2_)); \
} while (0)

/* The timers of a state; *n_r how many. */
static size_t
timers(struct sla_timer out[SLA_MAX_TIMERS], const struct sla_policy *p,
    const struct sla_ticket_state *st)
{
	struct gc_err err = { 0 };
	size_t n = 0;

	if (sla_policy_timers(out, SLA_MAX_TIMERS, &n, p, st, &err) != 0)
		fail_msg("sla_policy_timers: %s", err.msg);
	return n;
}

static const struct sla_timer *
find_timer(const struct sla_timer *v, size_t n, enum sla_timer_kind k)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].kind == k)
			return &v[i];
	return NULL;
}

static const struct sla_timer *
timer_of(struct sla_timer v[SLA_MAX_TIMERS], const struct sla_policy *p,
    const struct sla_ticket_state *st, enum sla_timer_kind k)
{
	size_t n = timers(v, p, st);
	const struct sla_timer *t = find_timer(v, n, k);

	if (t == NULL)
		fail_msg("no %s timer", sla_timer_kind_name(k));
	return t;
}

/* ----- The defaults equal policy.md ------------------------------- */

#define H 3600LL
#define BD (9 * H)      /* a business day of mon-fri 09:00-18:00 */

struct default_row {
	const char *plan;
	const char *priority;
	enum sla_timer_kind kind;
	long long seconds;      /* -1: no such timer */
	const char *calendar;
};

static const struct default_row default_rows[] = {
	{ "Basic", "P1", SLA_TIMER_ACKNOWLEDGE, 15 * 60, "business" },
	{ "Basic", "P1", SLA_TIMER_WORKAROUND, 2 * H, "business" },
	{ "Basic", "P1", SLA_TIMER_RESOLVE, 8 * H, "business" },
	{ "Basic", "P1", SLA_TIMER_UPDATE, 1 * H, "business" },
	{ "Basic", "P2", SLA_TIMER_ACKNOWLEDGE, 1 * H, "business" },
	{ "Basic", "P2", SLA_TIMER_WORKAROUND, 4 * H, "business" },
	{ "Basic", "P2", SLA_TIMER_RESOLVE, 2 * BD, "business" },
	{ "Basic", "P2", SLA_TIMER_UPDATE, -1, NULL },
	{ "Basic", "P3", SLA_TIMER_ACKNOWLEDGE, 4 * H, "business" },
	{ "Basic", "P3", SLA_TIMER_WORKAROUND, -1, NULL },
	{ "Basic", "P3", SLA_TIMER_RESOLVE, 5 * BD, "business" },
	{ "Pro", "P1", SLA_TIMER_ACKNOWLEDGE, 15 * 60, "business" },
	{ "Pro", "P1", SLA_TIMER_WORKAROUND, 2 * H, "business" },
	{ "Pro", "P1", SLA_TIMER_RESOLVE, 8 * H, "business" },
	{ "Pro", "P1", SLA_TIMER_UPDATE, 1 * H, "business" },
	{ "Pro", "P2", SLA_TIMER_ACKNOWLEDGE, 1 * H, "business" },
	{ "Pro", "P2", SLA_TIMER_WORKAROUND, 4 * H, "business" },
	{ "Pro", "P2", SLA_TIMER_RESOLVE, 2 * BD, "business" },
	{ "Pro", "P3", SLA_TIMER_ACKNOWLEDGE, 4 * H, "business" },
	{ "Pro", "P3", SLA_TIMER_WORKAROUND, -1, NULL },
	{ "Pro", "P3", SLA_TIMER_RESOLVE, 5 * BD, "business" },
	{ "Enterprise", "P1", SLA_TIMER_ACKNOWLEDGE, 15 * 60, "24x7" },
	{ "Enterprise", "P1", SLA_TIMER_WORKAROUND, 2 * H, "24x7" },
	{ "Enterprise", "P1", SLA_TIMER_RESOLVE, 8 * H, "24x7" },
	{ "Enterprise", "P1", SLA_TIMER_UPDATE, 1 * H, "24x7" },
	{ "Enterprise", "P2", SLA_TIMER_ACKNOWLEDGE, 1 * H, "business" },
	{ "Enterprise", "P2", SLA_TIMER_WORKAROUND, 4 * H, "business" },
	{ "Enterprise", "P2", SLA_TIMER_RESOLVE, 2 * BD, "business" },
	{ "Enterprise", "P2", SLA_TIMER_UPDATE, -1, NULL },
	{ "Enterprise", "P3", SLA_TIMER_ACKNOWLEDGE, 4 * H, "business" },
	{ "Enterprise", "P3", SLA_TIMER_WORKAROUND, -1, NULL },
	{ "Enterprise", "P3", SLA_TIMER_RESOLVE, 5 * BD, "business" },
	/* RCA after a resolved P1: "5 business days", on the plan's
	 * calendar for every plan (not Enterprise's 24x7 of P1) */
	{ "Basic", "P1", SLA_TIMER_RCA, 5 * BD, "business" },
	{ "Pro", "P1", SLA_TIMER_RCA, 5 * BD, "business" },
	{ "Enterprise", "P1", SLA_TIMER_RCA, 5 * BD, "business" },
	{ "Basic", "P2", SLA_TIMER_RCA, -1, NULL },
};

static void
test_defaults_equal_policy(void **state)
{
	struct fx_loader fl = { NULL, 0, 0, 0 };
	struct sla_policy *p = load_with(BASE, "", &fl);
	const struct sla_settings *set = sla_policy_settings(p);
	const struct calendar *biz, *all;
	struct buf hours = BUF_INIT(256);

	(void)state;
	/* no file named by the config: only the Paris zone was read */
	assert_int_equal(fl.file_reads, 0);
	assert_int_equal(fl.zone_reads, 1);
	for (size_t i = 0; i < sizeof(default_rows) /
	    sizeof(default_rows[0]); i++) {
		const struct default_row *r = &default_rows[i];
		struct sla_ticket_state st = { 0 };
		struct sla_timer v[SLA_MAX_TIMERS];
		const struct sla_timer *t;
		size_t n;

		st.plan = r->plan;
		st.priority = r->priority;
		st.queue = "support";
		st.created_at = T("2026-03-02T10:00:00+01:00");
		if (r->kind == SLA_TIMER_RCA)
			st.resolved_at = T("2026-03-02T15:00:00+01:00");
		n = timers(v, p, &st);
		t = find_timer(v, n, r->kind);
		if (r->seconds < 0) {
			if (t != NULL)
				fail_msg("%s %s: unexpected %s timer",
				    r->plan, r->priority, t->name);
			continue;
		}
		if (t == NULL)
			fail_msg("%s %s: no %s timer", r->plan, r->priority,
			    sla_timer_kind_name(r->kind));
		if (t->target_seconds != r->seconds ||
		    strcmp(t->calendar, r->calendar) != 0)
			fail_msg("%s %s %s: %lld s on %s, want %lld s on %s",
			    r->plan, r->priority, t->name, t->target_seconds,
			    t->calendar, r->seconds, r->calendar);
		assert_string_equal(t->name, sla_timer_kind_name(r->kind));
	}
	assert_string_equal(set->default_plan, "Basic");
	assert_string_equal(set->default_priority, "P3");
	assert_string_equal(set->calendar, "business");
	assert_int_equal(set->warn_permille, 800);
	assert_int_equal(set->auto_close_after, 7 * 86400);
	assert_int_equal(set->reopen_within, 14 * 86400);
	assert_int_equal(set->pending_remind_after, 0);
	assert_int_equal(set->pending_close_after, 0);
	assert_int_equal(sla_policy_auto_close_at(p, 1000), 1000 + 7 * 86400);
	assert_int_equal(sla_policy_auto_close_at(p, 0), 0);

	biz = sla_policy_calendar(p, "business");
	all = sla_policy_calendar(p, "24x7");
	assert_non_null(biz);
	assert_non_null(all);
	assert_null(sla_policy_calendar(p, "nope"));
	assert_string_equal(tz_name(calendar_tz(biz)), "Europe/Paris");
	assert_int_equal(calendar_format_hours(&hours, biz), 0);
	assert_string_equal(buf_str(&hours), "mon-fri 09:00-18:00");
	assert_true(calendar_holiday_count(biz) >= 11 * 10);
	assert_true(calendar_always_open(all));
	buf_free(&hours);

	/* plans, priorities, ranks */
	assert_int_equal(sla_policy_plan_count(p), 3);
	assert_string_equal(sla_policy_plan_at(p, 2), "Enterprise");
	assert_int_equal(sla_policy_priority_count(p), 3);
	assert_string_equal(sla_policy_priority_name(p, "p2"), "P2");
	assert_string_equal(sla_policy_plan_name(p, "enterprise"),
	    "Enterprise");
	assert_null(sla_policy_plan_name(p, "Platinum"));
	assert_true(sla_policy_plan_rank(p, "Enterprise") <
	    sla_policy_plan_rank(p, "Pro"));
	assert_true(sla_policy_plan_rank(p, "Pro") <
	    sla_policy_plan_rank(p, "Basic"));
	assert_int_equal(sla_policy_plan_rank(p, "Unknown"),
	    sla_policy_plan_rank(p, "Basic"));

	/* the CSM is copied on Enterprise P1 only */
	assert_string_equal(sla_policy_csm(p, "Enterprise", "P1",
	    "jane@example.com"), "jane@example.com");
	assert_null(sla_policy_csm(p, "Enterprise", "P2",
	    "jane@example.com"));
	assert_null(sla_policy_csm(p, "Basic", "P1", "jane@example.com"));
	assert_null(sla_policy_csm(p, "Enterprise", "P1", NULL));

	/* the default rules */
	assert_true(rules_count(sla_policy_rules(p)) >= 5);
	sla_policy_free(&p);
	assert_null(p);
	sla_policy_free(&p);
}

static void
test_security_queue_default(void **state)
{
	struct sla_policy *p = load("");
	struct sla_ticket_state st = { 0 };
	struct sla_timer v[SLA_MAX_TIMERS];
	const struct sla_timer *t;
	static const char *const plans[] = { "Basic", "Pro", "Enterprise" };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		st.plan = plans[i];
		st.priority = "P1";
		st.queue = "security";
		/* Saturday 03:00: 24 business hours from Monday 09:00 is
		 * Wednesday 15:00, for every plan */
		st.created_at = T("2026-03-07T03:00:00+01:00");
		t = timer_of(v, p, &st, SLA_TIMER_ACKNOWLEDGE);
		assert_int_equal(t->target_seconds, 24 * H);
		assert_string_equal(t->calendar, "business");
		assert_time(t->due_at, T("2026-03-11T15:00:00+01:00"));
	}
	/* the other timers keep the plan's calendar: Enterprise P1
	 * workaround is 24/7 */
	t = timer_of(v, p, &st, SLA_TIMER_WORKAROUND);
	assert_string_equal(t->calendar, "24x7");
	assert_time(t->due_at, T("2026-03-07T05:00:00+01:00"));
	sla_policy_free(&p);
}

/* ----- Deadlines ---------------------------------------------------- */

struct deadline_row {
	const char *plan, *priority, *queue;
	const char *created;
	enum sla_timer_kind kind;
	const char *due, *warn;
};

static const struct deadline_row deadline_rows[] = {
	/* Friday 17:00 Paris: 1 h on Friday, 3 h on Monday */
	{ "Basic", "P3", "support", "2026-03-06T17:00:00+01:00",
	    SLA_TIMER_ACKNOWLEDGE, "2026-03-09T12:00:00+01:00",
	    "2026-03-09T11:12:00+01:00" },
	/* Enterprise P1 at Saturday 03:00: 24/7 */
	{ "Enterprise", "P1", "support", "2026-03-07T03:00:00+01:00",
	    SLA_TIMER_ACKNOWLEDGE, "2026-03-07T03:15:00+01:00",
	    "2026-03-07T03:12:00+01:00" },
	{ "Enterprise", "P1", "support", "2026-03-07T03:00:00+01:00",
	    SLA_TIMER_RESOLVE, "2026-03-07T11:00:00+01:00",
	    "2026-03-07T09:24:00+01:00" },
	/* Basic P1 at Saturday 03:00: from Monday's opening */
	{ "Basic", "P1", "support", "2026-03-07T03:00:00+01:00",
	    SLA_TIMER_ACKNOWLEDGE, "2026-03-09T09:15:00+01:00",
	    "2026-03-09T09:12:00+01:00" },
	{ "Pro", "P1", "support", "2026-03-07T03:00:00+01:00",
	    SLA_TIMER_WORKAROUND, "2026-03-09T11:00:00+01:00",
	    "2026-03-09T10:36:00+01:00" },
	/* P2 resolve: 2 business days = 18 h from Monday 10:00 */
	{ "Pro", "P2", "support", "2026-03-02T10:00:00+01:00",
	    SLA_TIMER_RESOLVE, "2026-03-04T10:00:00+01:00",
	    "2026-03-03T15:24:00+01:00" },
	/* P3 resolve: 5 business days = 45 h from Friday 17:00 */
	{ "Basic", "P3", "support", "2026-03-06T17:00:00+01:00",
	    SLA_TIMER_RESOLVE, "2026-03-13T17:00:00+01:00",
	    "2026-03-12T17:00:00+01:00" },
	/* over a holiday: Friday 8 May 2026 (Victoire 1945) */
	{ "Basic", "P3", "support", "2026-05-07T17:00:00+02:00",
	    SLA_TIMER_ACKNOWLEDGE, "2026-05-11T12:00:00+02:00",
	    "2026-05-11T11:12:00+02:00" },
	/* over the DST change of 29 March 2026 on a 24/7 calendar:
	 * real hours, not clock hours */
	{ "Enterprise", "P1", "support", "2026-03-29T01:30:00+01:00",
	    SLA_TIMER_WORKAROUND, "2026-03-29T04:30:00+02:00",
	    "2026-03-29T04:06:00+02:00" },
	/* no queue, unknown plan and priority: the defaults (Basic, P3) */
	{ "Platinum", "P9", NULL, "2026-03-06T17:00:00+01:00",
	    SLA_TIMER_ACKNOWLEDGE, "2026-03-09T12:00:00+01:00",
	    "2026-03-09T11:12:00+01:00" },
	{ NULL, NULL, NULL, "2026-03-06T17:00:00+01:00",
	    SLA_TIMER_ACKNOWLEDGE, "2026-03-09T12:00:00+01:00",
	    "2026-03-09T11:12:00+01:00" },
};

static void
check_deadlines(const struct sla_policy *p, const char *variant)
{
	for (size_t i = 0; i < sizeof(deadline_rows) /
	    sizeof(deadline_rows[0]); i++) {
		const struct deadline_row *r = &deadline_rows[i];
		struct sla_ticket_state st = { 0 };
		struct sla_timer v[SLA_MAX_TIMERS];
		const struct sla_timer *t;
		char b1[32], b2[32];

		st.plan = r->plan;
		st.priority = r->priority;
		st.queue = r->queue;
		st.created_at = T(r->created);
		t = timer_of(v, p, &st, r->kind);
		if (t->due_at != T(r->due) || t->warn_at != T(r->warn))
			fail_msg("%s: row %zu (%s %s %s from %s): due %s warn "
			    "%s", variant, i, r->plan, r->priority, t->name,
			    r->created, iso(t->due_at, b1),
			    iso(t->warn_at, b2));
		assert_int_equal(t->start, st.created_at);
		assert_false(t->paused_open);
		assert_int_equal(t->met_at, 0);
	}
}

static void
test_deadlines(void **state)
{
	struct sla_policy *p = load("");

	(void)state;
	check_deadlines(p, "zoneinfo");
	sla_policy_free(&p);
}

static void
test_no_loader_falls_back(void **state)
{
	struct sla_policy *p = load_with(BASE, "", NULL);

	(void)state;
	/* Europe/Paris from its POSIX rule: the same deadlines */
	check_deadlines(p, "no loader");
	sla_policy_free(&p);
}

static void
test_priority_and_plan_change(void **state)
{
	struct sla_policy *p = load("");
	struct sla_ticket_state st = { 0 };
	struct sla_timer v[SLA_MAX_TIMERS];
	const struct sla_timer *t;
	size_t n;

	(void)state;
	st.plan = "Basic";
	st.priority = "P3";
	st.queue = "support";
	st.created_at = T("2026-03-02T10:00:00+01:00");
	t = timer_of(v, p, &st, SLA_TIMER_ACKNOWLEDGE);
	assert_time(t->due_at, T("2026-03-02T14:00:00+01:00"));
	n = timers(v, p, &st);
	assert_int_equal(n, 2);         /* acknowledge, resolve */
	/* raised to P1 at 11:00: the deadlines count from creation */
	st.priority = "P1";
	n = timers(v, p, &st);
	assert_int_equal(n, 4);         /* + workaround, update */
	t = find_timer(v, n, SLA_TIMER_ACKNOWLEDGE);
	assert_time(t->start, T("2026-03-02T10:00:00+01:00"));
	assert_time(t->due_at, T("2026-03-02T10:15:00+01:00"));
	t = find_timer(v, n, SLA_TIMER_RESOLVE);
	assert_time(t->due_at, T("2026-03-02T18:00:00+01:00"));
	/* created Friday 17:50, the plan becomes Enterprise: P1 runs on
	 * 24x7 from creation */
	st.created_at = T("2026-03-06T17:50:00+01:00");
	t = timer_of(v, p, &st, SLA_TIMER_ACKNOWLEDGE);
	assert_time(t->due_at, T("2026-03-09T09:05:00+01:00"));
	st.plan = "Enterprise";
	t = timer_of(v, p, &st, SLA_TIMER_ACKNOWLEDGE);
	assert_time(t->due_at, T("2026-03-06T18:05:00+01:00"));
	assert_string_equal(t->calendar, "24x7");
	sla_policy_free(&p);
}

static void
test_pauses(void **state)
{
	struct sla_policy *p = load("");
	struct sla_ticket_state st = { 0 };
	struct sla_timer v[SLA_MAX_TIMERS];
	const struct sla_timer *t;
	struct sla_pause night = { T("2026-03-02T16:00:00+01:00"),
		T("2026-03-03T11:00:00+01:00") };
	struct sla_pause open = { T("2026-03-02T16:00:00+01:00"), 0 };
	struct sla_pause late_open = { T("2026-03-03T09:30:00+01:00"), 0 };
	struct sla_pause e_night = { T("2026-03-07T03:05:00+01:00"),
		T("2026-03-07T08:00:00+01:00") };

	(void)state;
	st.plan = "Basic";
	st.priority = "P3";
	st.queue = "support";
	st.created_at = T("2026-03-02T15:00:00+01:00");
	/* without pause: 3 h on Monday, 1 h on Tuesday */
	t = timer_of(v, p, &st, SLA_TIMER_ACKNOWLEDGE);
	assert_time(t->due_at, T("2026-03-03T10:00:00+01:00"));
	/* pending from Monday 16:00 to Tuesday 11:00: 1 h before, 3 h
	 * after the customer's answer */
	st.pauses = &night;
	st.npauses = 1;
	t = timer_of(v, p, &st, SLA_TIMER_ACKNOWLEDGE);
	assert_time(t->due_at, T("2026-03-03T14:00:00+01:00"));
	assert_time(t->warn_at, T("2026-03-03T13:12:00+01:00"));
	/* still pending: no deadline, and the warning is not reached */
	st.pauses = &open;
	t = timer_of(v, p, &st, SLA_TIMER_ACKNOWLEDGE);
	assert_true(t->paused_open);
	assert_int_equal(t->due_at, 0);
	assert_int_equal(t->warn_at, 0);
	/* pending from after the warning instant */
	st.pauses = &late_open;
	t = timer_of(v, p, &st, SLA_TIMER_ACKNOWLEDGE);
	assert_true(t->paused_open);
	assert_int_equal(t->due_at, 0);
	assert_time(t->warn_at, T("2026-03-03T09:12:00+01:00"));
	/* Enterprise P1 on 24/7: a pause across the night delays by its
	 * length */
	st.plan = "Enterprise";
	st.priority = "P1";
	st.created_at = T("2026-03-07T03:00:00+01:00");
	st.pauses = &e_night;
	t = timer_of(v, p, &st, SLA_TIMER_ACKNOWLEDGE);
	assert_time(t->due_at, T("2026-03-07T08:10:00+01:00"));
	sla_policy_free(&p);
}

static void
test_update_and_rca(void **state)
{
	struct sla_policy *p = load("");
	struct sla_ticket_state st = { 0 };
	struct sla_timer v[SLA_MAX_TIMERS];
	const struct sla_timer *t;
	size_t n;

	(void)state;
	st.plan = "Basic";
	st.priority = "P1";
	st.queue = "support";
	st.created_at = T("2026-03-02T10:00:00+01:00");
	/* no update yet: an hour from creation */
	t = timer_of(v, p, &st, SLA_TIMER_UPDATE);
	assert_time(t->start, st.created_at);
	assert_time(t->due_at, T("2026-03-02T11:00:00+01:00"));
	/* the last mail to the customer at 11:00: the next by 12:00 */
	st.acknowledged_at = T("2026-03-02T10:05:00+01:00");
	st.last_update_at = T("2026-03-02T11:00:00+01:00");
	t = timer_of(v, p, &st, SLA_TIMER_UPDATE);
	assert_time(t->start, st.last_update_at);
	assert_time(t->due_at, T("2026-03-02T12:00:00+01:00"));
	assert_time(t->warn_at, T("2026-03-02T11:48:00+01:00"));
	assert_int_equal(t->met_at, 0);
	/* a Basic P1's reminder waits for business hours */
	st.last_update_at = T("2026-03-06T17:30:00+01:00");
	t = timer_of(v, p, &st, SLA_TIMER_UPDATE);
	assert_time(t->due_at, T("2026-03-09T09:30:00+01:00"));
	/* acknowledged in time: met, not late */
	t = timer_of(v, p, &st, SLA_TIMER_ACKNOWLEDGE);
	assert_time(t->met_at, T("2026-03-02T10:05:00+01:00"));
	assert_false(t->met_late);
	st.acknowledged_at = T("2026-03-02T10:20:00+01:00");
	t = timer_of(v, p, &st, SLA_TIMER_ACKNOWLEDGE);
	assert_true(t->met_late);

	/* resolved Tuesday 15:00: no more reminders, an RCA due 5
	 * business days later (3 h + 4 days + 6 h) */
	st.resolved_at = T("2026-03-03T15:00:00+01:00");
	n = timers(v, p, &st);
	assert_null(find_timer(v, n, SLA_TIMER_UPDATE));
	t = find_timer(v, n, SLA_TIMER_RCA);
	assert_non_null(t);
	assert_time(t->start, st.resolved_at);
	assert_time(t->due_at, T("2026-03-10T15:00:00+01:00"));
	assert_int_equal(t->met_at, 0);
	/* the workaround and resolve timers are met by the resolution */
	t = find_timer(v, n, SLA_TIMER_RESOLVE);
	assert_time(t->met_at, st.resolved_at);
	assert_true(t->met_late);       /* 8 business hours: Monday 18:00 */
	t = find_timer(v, n, SLA_TIMER_WORKAROUND);
	assert_time(t->met_at, st.resolved_at);
	st.workaround_at = T("2026-03-02T11:00:00+01:00");
	t = timer_of(v, p, &st, SLA_TIMER_WORKAROUND);
	assert_time(t->met_at, st.workaround_at);
	assert_false(t->met_late);
	/* the RCA sent */
	st.rca_sent_at = T("2026-03-05T10:00:00+01:00");
	t = timer_of(v, p, &st, SLA_TIMER_RCA);
	assert_time(t->met_at, st.rca_sent_at);
	/* Enterprise: its P1 runs on 24x7, the RCA still on 5 business
	 * days (policy.md), not Sunday's 15:00 */
	st.plan = "Enterprise";
	st.rca_sent_at = 0;
	t = timer_of(v, p, &st, SLA_TIMER_RCA);
	assert_time(t->due_at, T("2026-03-10T15:00:00+01:00"));
	t = timer_of(v, p, &st, SLA_TIMER_ACKNOWLEDGE);
	assert_string_equal(t->calendar, "24x7");
	/* a P2 has neither */
	st.priority = "P2";
	n = timers(v, p, &st);
	assert_null(find_timer(v, n, SLA_TIMER_RCA));
	assert_null(find_timer(v, n, SLA_TIMER_UPDATE));
	sla_policy_free(&p);
}

static void
test_timers_errors(void **state)
{
	struct sla_policy *p = load("");
	struct sla_ticket_state st = { 0 };
	struct sla_timer v[SLA_MAX_TIMERS];
	struct gc_err err = { 0 };
	size_t n = 99;

	(void)state;
	st.priority = "P1";
	st.created_at = T("2026-03-02T10:00:00+01:00");
	assert_int_equal(sla_policy_timers(v, 2, &n, p, &st, &err),
	    GC_ELIMIT);
	assert_int_equal(n, 0);
	st.created_at = (time_t)CALENDAR_TIME_MAX;
	assert_int_equal(sla_policy_timers(v, SLA_MAX_TIMERS, &n, p, &st,
	    &err), GC_EINVAL);
	assert_non_null(strstr(err.msg, "acknowledge"));
	assert_int_equal(sla_policy_timers(v, SLA_MAX_TIMERS, &n, p, NULL,
	    &err), GC_EINVAL);
	sla_policy_free(&p);
}

/* ----- Config ------------------------------------------------------ */

static void
test_config_overrides(void **state)
{
	static const struct memfile files[] = {
		{ FX "/my-rules.conf",
		    "[rule gold]\nmatch = subject: (?i)gold\npriority = P4\n"
		    "queue = security\n" },
	};
	struct fx_loader fl = { files, 1, 0, 0 };
	struct sla_policy *p = load_with(BASE,
	    "[sla]\n"
	    "warn_at = 75%\n"
	    "default_plan = pro\n"
	    "default_priority = P2\n"
	    "calendar = office\n"
	    "p1_update_every = 30m\n"
	    "rca_due = none\n"
	    "auto_close_after = never\n"
	    "reopen_within = never\n"
	    "[calendar office]\n"
	    "timezone = America/New_York\n"
	    "hours = mon-fri 08:00-12:00,13:00-17:00\n"
	    "holidays_file = holidays-test.txt\n"
	    "holidays = 2026-03-06\n"
	    "[calendar business]\n"
	    "holidays_file = none\n"
	    "[priority P2]\n"
	    "acknowledge = 30m\n"
	    "[priority P4]\n"
	    "acknowledge = 1d\n"
	    "workaround = none\n"
	    "resolve = 1w\n"
	    "[plan Gold]\n"
	    "calendar = 24x7\n"
	    "rank = 0\n"
	    "csm = csm@example.com\n"
	    "csm_on = P1, P2\n"
	    "[target security]\n"
	    "acknowledge = 12h\n"
	    "calendar = 24x7\n"
	    "[rules]\n"
	    "file = my-rules.conf\n", &fl);
	const struct sla_settings *set = sla_policy_settings(p);
	struct sla_ticket_state st = { 0 };
	struct sla_timer v[SLA_MAX_TIMERS];
	const struct sla_timer *t;
	size_t n;

	(void)state;
	assert_int_equal(fl.file_reads, 2);     /* holidays, rules */
	assert_int_equal(set->warn_permille, 750);
	assert_string_equal(set->default_plan, "Pro");
	assert_string_equal(set->default_priority, "P2");
	assert_string_equal(set->calendar, "office");
	assert_int_equal(set->auto_close_after, 0);
	assert_int_equal(set->reopen_within, 0);
	assert_int_equal(sla_policy_auto_close_at(p, 1000), 0);
	assert_int_equal(calendar_holiday_count(sla_policy_calendar(p,
	    "office")), 3);
	assert_int_equal(calendar_holiday_count(sla_policy_calendar(p,
	    "business")), 0);

	/* Pro P2 on "office" (8 h days, New York): Wednesday 4 and
	 * Thursday 5 and Friday 6 March are holidays */
	st.priority = "P2";
	st.queue = "support";
	st.created_at = T("2026-03-03T16:45:00-05:00");
	n = timers(v, p, &st);
	t = find_timer(v, n, SLA_TIMER_ACKNOWLEDGE);
	assert_int_equal(t->target_seconds, 30 * 60);
	assert_string_equal(t->calendar, "office");
	assert_time(t->due_at, T("2026-03-09T08:15:00-04:00"));
	/* 75 %: 22.5 minutes */
	assert_time(t->warn_at, T("2026-03-09T08:07:30-04:00"));
	t = find_timer(v, n, SLA_TIMER_RESOLVE);
	assert_int_equal(t->target_seconds, 2 * 8 * H);

	/* a new priority with days and weeks */
	st.priority = "P4";
	n = timers(v, p, &st);
	assert_int_equal(n, 2);
	assert_int_equal(find_timer(v, n, SLA_TIMER_ACKNOWLEDGE)->
	    target_seconds, 8 * H);
	assert_int_equal(find_timer(v, n, SLA_TIMER_RESOLVE)->
	    target_seconds, 5 * 8 * H);
	/* on a 24x7 plan, a day is 24 h */
	st.plan = "Gold";
	n = timers(v, p, &st);
	assert_int_equal(find_timer(v, n, SLA_TIMER_ACKNOWLEDGE)->
	    target_seconds, 24 * H);
	assert_int_equal(sla_policy_plan_rank(p, "Gold"), 0);
	assert_string_equal(sla_policy_csm(p, "Gold", "P2", NULL),
	    "csm@example.com");
	assert_string_equal(sla_policy_csm(p, "Gold", "P2", "x@y.com"),
	    "x@y.com");
	assert_null(sla_policy_csm(p, "Gold", "P3", NULL));

	/* P1: update every 30 min, no RCA */
	st.priority = "P1";
	st.plan = "Basic";
	st.created_at = T("2026-03-09T10:00:00-04:00");
	t = timer_of(v, p, &st, SLA_TIMER_UPDATE);
	assert_int_equal(t->target_seconds, 30 * 60);
	st.resolved_at = T("2026-03-09T11:00:00-04:00");
	n = timers(v, p, &st);
	assert_null(find_timer(v, n, SLA_TIMER_RCA));

	/* the security target on 24x7 */
	st.queue = "security";
	st.created_at = T("2026-03-07T03:00:00+01:00");
	t = timer_of(v, p, &st, SLA_TIMER_ACKNOWLEDGE);
	assert_time(t->due_at, T("2026-03-07T15:00:00+01:00"));

	/* the rules of the config */
	assert_int_equal(rules_count(sla_policy_rules(p)), 1);
	sla_policy_free(&p);
}

static void
test_config_rules_fixture(void **state)
{
	struct fx_loader fl = { NULL, 0, 0, 0 };
	struct sla_policy *p = load_with(BASE,
	    "[queue billing]\n"
	    "[priority P4]\n"
	    "acknowledge = 1d\n"
	    "workaround = none\n"
	    "resolve = 10d\n"
	    "[rules]\n"
	    "file = ../rules/custom.conf\n", &fl);
	struct sla_qualification q;
	struct rules_input in = { 0 };

	(void)state;
	in.subject = "Gold customer: facture";
	in.from = "x@nowhere.org";
	assert_int_equal(sla_policy_qualify(&q, p, &in, "support"), 0);
	assert_string_equal(q.priority, "P4");
	assert_false(q.priority_default);
	assert_string_equal(q.queue, "billing");
	assert_true(q.queue_from_rule);
	assert_string_equal(q.plan, "Basic");
	assert_null(q.org);
	sla_policy_free(&p);
}

static void
test_config_errors(void **state)
{
	static const struct memfile files[] = {
		{ FX "/bad-rules.conf",
		    "# bad\n[rule x]\nmatch = subject: (oops\npriority = P1\n"
		    "[rule y]\nmatch = subject: ok\npriority = P7\n"
		    "[rule z]\nmatch = subject: ok\nqueue = nowhere\n" },
		{ FX "/bad-holidays.txt", "2026-01-01 ok\n2026-02-30 no\n" },
	};
	struct conf_diag d = { 0 };
	int b = base_lines(BASE);

	(void)state;
	load_bad(&d,
	    "[sla]\n"                                   /* b+1 */
	    "warn_at = 120%\n"
	    "default_plan = Platinum\n"
	    "calendar = nowhere\n"
	    "colour = blue\n"                           /* b+5 */
	    "p1_update_every = soon\n"
	    "[calendar mars]\n"
	    "timezone = Mars/Olympus\n"
	    "hours = mon-fri 09:00-18:00\n"
	    "[calendar broken]\n"                       /* b+10 */
	    "hours = mon-fry 09:00-18:00\n"
	    "[calendar empty]\n"
	    "timezone = UTC\n"
	    "[calendar hol]\n"
	    "hours = mon-fri 09:00-17:00\n"             /* b+15 */
	    "holidays_file = bad-holidays.txt\n"
	    "holidays = 2026-13-01\n"
	    "[calendar business]\n"
	    "hours = mon-fri 08:00-18:00\n"
	    "[calendar business]\n"                     /* b+20 */
	    "hours = mon-fri 08:00-18:00\n"
	    "[priority P2]\n"
	    "acknowledge = none\n"
	    "workaround = 4x\n"
	    "[priority P5]\n"                           /* b+25 */
	    "acknowledge = 1h\n"
	    "[plan Gold]\n"
	    "p1_calendar = moon\n"
	    "oncall = not-an-address\n"
	    "oncall_webhook = ftp://x\n"                /* b+30 */
	    "rank = first\n"
	    "[target nowhere]\n"
	    "acknowledge = 1h\n"
	    "[organisation acme]\n"
	    "domains = acme.com\n"                      /* b+35 */
	    "plan = Platinum\n"
	    "[organisation acme2]\n"
	    "domains = ACME.com\n"
	    "plan = Basic\n"
	    "[route r1]\n"                              /* b+40 */
	    "priority = P1\n"
	    "[route r2]\n"
	    "queue = nowhere\n"
	    "level = panic\n"
	    "to = lead@example.com\n"                   /* b+45 */
	    "[rules]\n"
	    "file = bad-rules.conf\n"
	    "[sla]\n",                                  /* b+48 */
	    files, 2);
	need(&d, "guichet.conf:%d: [sla] warn_at: \"120%%\" is not a "
	    "fraction", b + 2);
	need(&d, "guichet.conf:%d: [sla] default_plan: \"Platinum\" is not "
	    "a plan", b + 3);
	need(&d, "guichet.conf:%d: [sla] calendar: no calendar \"nowhere\"",
	    b + 4);
	need(&d, "guichet.conf:%d: [sla] unknown key \"colour\"", b + 5);
	need(&d, "guichet.conf:%d: [sla] p1_update_every: \"soon\" is not "
	    "a target", b + 6);
	need(&d, "guichet.conf:%d: timezone Mars/Olympus:", b + 8);
	need(&d, "guichet.conf:%d: [calendar broken] hours: \"mon-fry\": "
	    "unknown day", b + 11);
	need(&d, "guichet.conf:%d: [calendar empty] missing key \"hours\"",
	    b + 12);
	need(&d, "bad-holidays.txt:2:");
	need(&d, "guichet.conf:%d: [calendar hol] holidays: \"2026-13-01\" "
	    "is not a date", b + 17);
	need(&d, "guichet.conf:%d: [calendar business] already defined at "
	    "guichet.conf:%d", b + 20, b + 18);
	need(&d, "guichet.conf:%d: [priority P2] acknowledge: \"none\" is "
	    "not a target", b + 23);
	need(&d, "guichet.conf:%d: [priority P2] workaround: \"4x\" is not "
	    "a target", b + 24);
	need(&d, "guichet.conf:%d: [priority P5] missing key \"workaround\"",
	    b + 25);
	need(&d, "guichet.conf:%d: [plan Gold] p1_calendar: no calendar "
	    "\"moon\"", b + 28);
	need(&d, "guichet.conf:%d: [plan Gold] oncall: \"not-an-address\" "
	    "is not a mail address", b + 29);
	need(&d, "guichet.conf:%d: [plan Gold] oncall_webhook: \"ftp://x\"",
	    b + 30);
	need(&d, "guichet.conf:%d: [plan Gold] rank: \"first\"", b + 31);
	need(&d, "guichet.conf:%d: [target nowhere]: no queue \"nowhere\"",
	    b + 32);
	need(&d, "guichet.conf:%d: [organisation acme] plan: \"Platinum\" is "
	    "not a plan", b + 34);
	need(&d, "guichet.conf:%d: [organisation acme2] domain \"acme.com\" "
	    "already belongs to acme (guichet.conf:%d)", b + 38, b + 34);
	need(&d, "guichet.conf:%d: [route r1] sends nowhere", b + 40);
	need(&d, "guichet.conf:%d: [route r2] level: \"panic\"", b + 44);
	need(&d, "guichet.conf:%d: [route r2] queue: no queue \"nowhere\"",
	    b + 43);
	need(&d, FX "/bad-rules.conf:3: rule x: match: bad pattern: missing "
	    "closing parenthesis");
	need(&d, "guichet.conf:%d: [sla] section repeated", b + 48);
	conf_diag_free(&d);

	/* the rules file's own problems once its syntax is right */
	{
		static const struct memfile f2[] = {
			{ FX "/r.conf", "[rule y]\nmatch = subject: ok\n"
			    "priority = P7\n\n[rule z]\nmatch = subject: ok\n"
			    "queue = nowhere\n" },
		};

		load_bad(&d, "[rules]\nfile = r.conf\n", f2, 1);
		need(&d, FX "/r.conf:3: rule y: priority \"P7\" is not a "
		    "priority of the policy");
		need(&d, FX "/r.conf:7: rule z: no queue \"nowhere\"");
		conf_diag_free(&d);
	}
	/* the wall-clock durations of [sla] */
	load_bad(&d, "[sla]\nauto_close_after = soon\nreopen_within = -3d\n",
	    NULL, 0);
	need(&d, "guichet.conf:%d: [sla] auto_close_after: \"soon\" is not a "
	    "duration (e.g. 7d, or never)", b + 2);
	need(&d, "guichet.conf:%d: [sla] reopen_within: \"-3d\" is not a "
	    "duration (e.g. 14d, or never)", b + 3);
	conf_diag_free(&d);
	load_bad(&d, "[sla]\nreopen_within = 3661d\n", NULL, 0);
	need(&d, "reopen_within: \"3661d\" is not a duration");
	conf_diag_free(&d);
	load_bad(&d, "[sla]\npending_remind_after = 3d\n"
	    "pending_close_after = 72h\n", NULL, 0);
	need(&d, "guichet.conf:%d: [sla] pending_close_after: \"72h\" is not "
	    "after pending_remind_after", b + 3);
	conf_diag_free(&d);
	{
		struct sla_policy *p = load("[sla]\npending_remind_after = 3d\n"
		    "pending_close_after = 10d\n");

		assert_int_equal(sla_policy_settings(p)->pending_remind_after,
		    3 * 86400);
		assert_int_equal(sla_policy_settings(p)->pending_close_after,
		    10 * 86400);
		sla_policy_free(&p);
	}
	/* a rules file that cannot be read */
	load_bad(&d, "[rules]\nfile = missing.conf\n", NULL, 0);
	need(&d, "guichet.conf:%d: [rules] file: " FX "/missing.conf:",
	    b + 2);
	conf_diag_free(&d);
	/* a zone name that is not one never reaches the loader */
	{
		struct conf *c = load_conf(BASE, "[calendar x]\n"
		    "timezone = ../../etc/passwd\nhours = 24/7\n");
		struct fx_loader fl = { NULL, 0, 0, 0 };
		struct sla_loader ld = { fx_read, &fl };
		struct sla_policy *p = NULL;

		assert_int_equal(sla_policy_load(&p, c, &ld, &d), GC_ECONFIG);
		need(&d, "guichet.conf:%d: [calendar x] timezone: "
		    "\"../../etc/passwd\" is not a zone name", b + 2);
		assert_int_equal(fl.zone_reads, 1);     /* Europe/Paris */
		conf_diag_free(&d);
		conf_free(&c);
	}
	/* sections that need or refuse a name */
	load_bad(&d, "[calendar]\nhours = 24/7\n[rules x]\n", NULL, 0);
	need(&d, "guichet.conf:%d: [calendar] needs a name", b + 1);
	need(&d, "guichet.conf:%d: [rules x] takes no name", b + 3);
	conf_diag_free(&d);
}

/* ----- Organisations ------------------------------------------------ */

static void
test_org_lookup(void **state)
{
	struct sla_policy *p = load(
	    "[organisation acme]\n"
	    "domains = acme.com, acme.fr\n"
	    "addresses = Boss@Gmail.com\n"
	    "plan = Enterprise\n"
	    "language = en\n"
	    "csm = jane@example.com\n"
	    "[organization acme-eu]\n"
	    "domains = eu.acme.com\n"
	    "plan = pro\n");
	static const struct {
		const char *addr, *plan, *org;
	} rows[] = {
		{ "x@acme.com", "Enterprise", "acme" },
		{ "X@ACME.FR", "Enterprise", "acme" },
		{ "a@mail.acme.com", "Enterprise", "acme" },
		{ "a@eu.acme.com", "Pro", "acme-eu" },
		{ "a@x.y.eu.acme.com", "Pro", "acme-eu" },
		{ "boss@gmail.com", "Enterprise", "acme" },
		{ "other@gmail.com", "Basic", NULL },
		{ "x@notacme.com", "Basic", NULL },
		{ "x@acme.com.evil.org", "Basic", NULL },
		{ "acme.com@evil.org", "Basic", NULL },
		{ "", "Basic", NULL },
	};
	const struct org *o;
	const char *by;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *org = "?";
		const char *plan = sla_policy_plan_for(p, rows[i].addr, &org);

		if (strcmp(plan, rows[i].plan) != 0 || (rows[i].org == NULL ?
		    org != NULL : (org == NULL || strcmp(org,
		    rows[i].org) != 0)))
			fail_msg("%s: plan %s org %s", rows[i].addr, plan,
			    org ? org : "-");
	}
	assert_string_equal(sla_policy_plan_for(p, NULL, NULL), "Basic");
	o = org_table_lookup(sla_policy_orgs(p), "BOSS@gmail.com", &by);
	assert_non_null(o);
	assert_string_equal(by, "address");
	assert_string_equal(o->language, "en");
	assert_string_equal(o->csm, "jane@example.com");
	assert_string_equal(o->addresses[0], "boss@gmail.com");
	assert_int_equal(o->ndomains, 2);
	assert_string_equal(o->file, "guichet.conf");
	assert_int_equal(o->line, base_lines(BASE) + 1);
	o = org_table_lookup(sla_policy_orgs(p), "z@acme.fr", &by);
	assert_string_equal(by, "domain");
	/* the csm of the organisation, copied on Enterprise P1 */
	assert_string_equal(sla_policy_csm(p, "Enterprise", "P1", o->csm),
	    "jane@example.com");
	sla_policy_free(&p);

	/* in the config, an organisation may name only where its reports
	 * go: its plan is [sla] default_plan's (set after it, too), its
	 * people come from `customers import` under its name */
	p = load("[organisation lean]\n"
	    "report_to = cto@lean.example\n"
	    "[sla]\n"
	    "default_plan = Pro\n");
	o = org_table_find(sla_policy_orgs(p), "lean");
	assert_non_null(o);
	assert_string_equal(o->plan, "Pro");
	assert_int_equal(o->ndomains + o->naddresses, 0);
	assert_string_equal(sla_policy_plan_for(p, "x@lean.example", NULL),
	    "Pro");
	sla_policy_free(&p);
}

static void
test_plan_reports(void **state)
{
	struct sla_policy *p = load("");

	(void)state;
	/* policy.md: Pro monthly, Enterprise monthly and quarterly */
	assert_false(sla_policy_plan_reports(p, "Basic", SLA_REPORT_MONTHLY));
	assert_true(sla_policy_plan_reports(p, "Pro", SLA_REPORT_MONTHLY));
	assert_false(sla_policy_plan_reports(p, "Pro", SLA_REPORT_QUARTERLY));
	assert_true(sla_policy_plan_reports(p, "enterprise",
	    SLA_REPORT_QUARTERLY));
	assert_false(sla_policy_plan_reports(p, "Gold", SLA_REPORT_MONTHLY));
	sla_policy_free(&p);
	p = load("[plan Gold]\nreports = quarterly, monthly\n"
	    "[plan Enterprise]\nreports = none\n");
	assert_true(sla_policy_plan_reports(p, "Gold", SLA_REPORT_MONTHLY));
	assert_true(sla_policy_plan_reports(p, "Gold", SLA_REPORT_QUARTERLY));
	assert_false(sla_policy_plan_reports(p, "Enterprise",
	    SLA_REPORT_MONTHLY));
	sla_policy_free(&p);
}

static void
test_org_table(void **state)
{
	struct org_table *t = org_table_new();
	struct org_spec sp = { 0 };
	struct gc_err err = { 0 };

	(void)state;
	sp.name = "Acme";
	sp.plan = "Pro";
	sp.domains = "@acme.com; acme.fr acme.com";
	sp.file = "orgs.csv";
	sp.line = 2;
	assert_int_equal(org_table_add(t, &sp, &err), 0);
	assert_int_equal(org_table_get(t, 0)->ndomains, 2);   /* repeat */
	assert_string_equal(org_table_get(t, 0)->domains[0], "acme.com");
	/* atomic: a failed add leaves no trace */
	sp.name = "Other";
	sp.domains = "other.com acme.fr";
	sp.line = 3;
	assert_int_equal(org_table_add(t, &sp, &err), GC_EDUP);
	assert_string_equal(err.msg, "domain \"acme.fr\" already belongs to "
	    "Acme (orgs.csv:2)");
	assert_null(org_table_lookup(t, "x@other.com", NULL));
	assert_int_equal(org_table_count(t), 1);
	sp.domains = "other.com";
	assert_int_equal(org_table_add(t, &sp, &err), 0);
	/* the same name twice */
	sp.domains = "third.com";
	assert_int_equal(org_table_add(t, &sp, &err), GC_EDUP);
	assert_non_null(strstr(err.msg, "already defined (orgs.csv:3)"));
	/* fields */
	sp.name = "Bad";
	sp.domains = "bad..com";
	assert_int_equal(org_table_add(t, &sp, &err), GC_EINVAL);
	assert_non_null(strstr(err.msg, "domain \"bad..com\" is not"));
	sp.domains = NULL;
	sp.addresses = "no-at-sign";
	assert_int_equal(org_table_add(t, &sp, &err), GC_EINVAL);
	sp.addresses = NULL;
	assert_int_equal(org_table_add(t, &sp, &err), GC_EINVAL);
	assert_string_equal(err.msg, "needs at least one domain or address");
	sp.addresses = "a@bad.com";
	sp.language = "de";
	assert_int_equal(org_table_add(t, &sp, &err), GC_EINVAL);
	sp.language = NULL;
	sp.plan = "";
	assert_int_equal(org_table_add(t, &sp, &err), GC_EINVAL);
	assert_string_equal(err.msg, "plan: empty");
	assert_int_equal(org_table_count(t), 2);
	assert_non_null(org_table_find(t, "Other"));
	assert_null(org_table_find(t, "other"));
	/* syntax helpers */
	assert_true(org_valid_domain("a-b.example.co.uk"));
	assert_true(org_valid_domain("xn--caf-dma.fr"));
	assert_false(org_valid_domain("example"));
	assert_false(org_valid_domain("-a.com"));
	assert_false(org_valid_domain("a-.com"));
	assert_false(org_valid_domain("a.com."));
	assert_false(org_valid_domain("a b.com"));
	assert_true(org_valid_address("first.last+tag@example.com"));
	assert_false(org_valid_address("@example.com"));
	assert_false(org_valid_address("a b@example.com"));
	assert_false(org_valid_address("a@example"));
	org_table_free(&t);
	assert_null(t);
}

static void
test_org_lookup_keys(void **state)
{
	struct arena a;
	const char *k[8];

	(void)state;
	arena_init(&a, 1024);
	assert_int_equal(org_lookup_keys(k, 8, &a, "Jane@EU.Acme.com"), 3);
	assert_string_equal(k[0], "jane@eu.acme.com");
	assert_string_equal(k[1], "eu.acme.com");
	assert_string_equal(k[2], "acme.com");
	assert_int_equal(org_lookup_keys(k, 2, &a, "jane@eu.acme.com"), 2);
	assert_string_equal(k[1], "eu.acme.com");
	assert_int_equal(org_lookup_keys(k, 8, &a, "acme.fr"), 1);
	assert_string_equal(k[0], "acme.fr");
	assert_int_equal(org_lookup_keys(k, 8, &a, "root@localhost"), 1);
	assert_int_equal(org_lookup_keys(k, 8, &a, ""), 0);
	assert_int_equal(org_lookup_keys(k, 8, &a, NULL), 0);
	arena_free(&a);
}

static void
test_org_table_many(void **state)
{
	struct org_table *t = org_table_new();
	struct gc_err err = { 0 };
	char name[32], dom[64];
	const struct org *o;

	(void)state;
	/* enough to grow the indexes several times */
	for (int i = 0; i < 5000; i++) {
		struct org_spec sp = { 0 };

		snprintf(name, sizeof(name), "org%d", i);
		snprintf(dom, sizeof(dom), "d%d.example.com", i);
		sp.name = name;
		sp.plan = "Basic";
		sp.domains = dom;
		assert_int_equal(org_table_add(t, &sp, &err), 0);
	}
	o = org_table_lookup(t, "someone@mail.d4321.example.com", NULL);
	assert_non_null(o);
	assert_string_equal(o->name, "org4321");
	assert_null(org_table_lookup(t, "someone@d5000.example.com", NULL));
	org_table_free(&t);
}

/* ----- CSV --------------------------------------------------------- */

static struct org_table *
csv_ok(const char *text)
{
	struct conf_diag d = { 0 };
	struct org_table *t = NULL;

	if (org_csv_parse(&t, "orgs.csv", text, strlen(text), &d) != 0) {
		for (size_t i = 0; i < d.n; i++)
			print_error("  %s\n", d.lines[i]);
		fail_msg("org_csv_parse failed");
	}
	conf_diag_free(&d);
	return t;
}

static void
csv_bad(const char *text, const char *needle)
{
	struct conf_diag d = { 0 };
	struct org_table *t = (struct org_table *)1;

	assert_int_equal(org_csv_parse(&t, "orgs.csv", text, strlen(text),
	    &d), GC_ECONFIG);
	assert_null(t);
	need(&d, "%s", needle);
	conf_diag_free(&d);
}

static void
test_csv_fixture(void **state)
{
	char *text;
	size_t len;
	struct gc_err err = { 0 };
	struct conf_diag d = { 0 };
	struct org_table *t = NULL;
	const struct org *o;

	(void)state;
	if (file_read(&text, &len, FX "/orgs.csv", 1 << 20, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(org_csv_parse(&t, "orgs.csv", text, len, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(org_table_count(t), 5);
	o = org_table_lookup(t, "x@acme.fr", NULL);
	assert_string_equal(o->name, "Acme");
	assert_string_equal(o->plan, "Enterprise");
	assert_string_equal(o->language, "en");
	assert_string_equal(o->csm, "jane@example.com");
	assert_int_equal(o->line, 2);
	o = org_table_lookup(t, "x@beta.io", NULL);
	assert_string_equal(o->name, "Beta, Inc.");
	assert_null(o->language);
	assert_null(o->csm);
	o = org_table_lookup(t, "cto@yahoo.fr", NULL);
	assert_string_equal(o->name, "Gamma SARL");
	assert_non_null(org_table_lookup(t, "a@gamma.com", NULL));
	/* a quoted field over two lines */
	o = org_table_lookup(t, "a@delta.store", NULL);
	assert_string_equal(o->name, "Delta \"The Shop\"");
	assert_string_equal(o->plan, "pro");
	assert_int_equal(o->line, 5);
	/* the record after it knows its line */
	o = org_table_lookup(t, "solo@hotmail.com", NULL);
	assert_int_equal(o->line, 7);
	assert_int_equal(o->ndomains, 0);
	org_table_free(&t);
	free(text);
}

static void
test_csv_forms(void **state)
{
	struct org_table *t;
	const struct org *o;

	(void)state;
	/* BOM, CRLF, columns in another order, singular names, spaces,
	 * blank lines, no final newline */
	t = csv_ok("\xEF\xBB\xBFPlan, Name ,domain\r\n"
	    "\r\n"
	    "Pro , Zeta , zeta.com\r\n"
	    "Basic,Eta,\"eta.com; eta.net\"");
	assert_int_equal(org_table_count(t), 2);
	o = org_table_lookup(t, "a@eta.net", NULL);
	assert_string_equal(o->name, "Eta");
	assert_int_equal(o->line, 4);
	o = org_table_get(t, 0);
	assert_string_equal(o->name, "Zeta");
	assert_string_equal(o->plan, "Pro");
	org_table_free(&t);
	/* ';' separators (spreadsheets in French) */
	t = csv_ok("name;domains;addresses;plan\n"
	    "Théta;theta.fr;\"a@b.fr, c@d.fr\";Enterprise\n");
	o = org_table_lookup(t, "c@d.fr", NULL);
	assert_string_equal(o->name, "Théta");
	org_table_free(&t);
	/* header only */
	t = csv_ok("name,domains,plan\n");
	assert_int_equal(org_table_count(t), 0);
	org_table_free(&t);
}

static void
test_csv_errors(void **state)
{
	struct conf_diag d = { 0 };
	struct org_table *t = NULL;
	static const char nul[] = "name,domains,plan\nA,a.com,Pro\0\n";

	(void)state;
	csv_bad("", "orgs.csv: empty: expected a header line");
	csv_bad("name,domains,plan,colour\n", "orgs.csv:1: unknown column "
	    "\"colour\"");
	csv_bad("name,domains\nA,a.com\n", "orgs.csv:1: no \"plan\" column");
	csv_bad("plan,domains\n", "orgs.csv:1: no \"name\" column");
	csv_bad("name,plan\n", "orgs.csv:1: no \"domains\" nor "
	    "\"addresses\" column");
	csv_bad("name,domains,plan,domain\n", "orgs.csv:1: column \"domain\" "
	    "named twice");
	csv_bad("name,domains,plan\nA,a.com\n", "orgs.csv:2: 2 fields where "
	    "the header has 3");
	csv_bad("name,domains,plan\nA,a.com,Pro\nB,bad_domain,Pro\n",
	    "orgs.csv:3: domain \"bad_domain\" is not a mail domain");
	csv_bad("name,domains,plan\nA,a.com,Pro\nB,\"b.com\nb.net\",Pro\n"
	    "C,A.COM,Basic\n",
	    "orgs.csv:5: domain \"a.com\" already belongs to A (orgs.csv:2)");
	csv_bad("name,domains,plan\nA,\"a.com,Pro\nB,b.com,Pro\n",
	    "orgs.csv:2: unterminated quoted field");
	csv_bad("name,domains,plan\nA \"x\",a.com,Pro\n", "orgs.csv:2: quote "
	    "inside an unquoted field");
	csv_bad("name,domains,plan\n\"A\"x,a.com,Pro\n", "orgs.csv:2: text "
	    "after a closing quote");
	csv_bad("name,domains,plan,language\nA,a.com,Pro,de\n", "orgs.csv:2: "
	    "language: \"de\"");
	csv_bad("name,domains,plan,csm\nA,a.com,Pro,nobody\n", "orgs.csv:2: "
	    "csm: \"nobody\" is not a mail address");
	csv_bad("name,domains,plan\nA,a.com,\n", "orgs.csv:2: plan: empty");
	csv_bad("name,domains,plan\n,a.com,Pro\n", "orgs.csv:2: name: empty");
	csv_bad("name,domains,plan\nA,,Pro\n", "orgs.csv:2: needs at least "
	    "one domain or address");
	csv_bad("name,domains,plan\nSoci\xe9t\xe9,a.com,Pro\n", "orgs.csv:2: "
	    "field 1 is not UTF-8 text");
	/* every bad row is reported, good rows around them do not hide
	 * them */
	{
		const char *text = "name,domains,plan\nA,a.com,Pro\n"
		    "B,b..com,Pro\nC,c.com,Pro\nD,,Pro\n";

		assert_int_equal(org_csv_parse(&t, "orgs.csv", text,
		    strlen(text), &d), GC_ECONFIG);
	}
	assert_int_equal(d.n, 2);
	need(&d, "orgs.csv:3:");
	need(&d, "orgs.csv:5:");
	conf_diag_free(&d);
	assert_int_equal(org_csv_parse(&t, "orgs.csv", nul, sizeof(nul) - 1,
	    &d), GC_ECONFIG);
	need(&d, "orgs.csv: the file contains a NUL byte");
	conf_diag_free(&d);
}

/* ----- Routes ------------------------------------------------------ */

static bool
route_has(const struct sla_route *r, const char *addr)
{
	for (size_t i = 0; i < r->naddresses; i++)
		if (strcmp(r->addresses[i], addr) == 0)
			return true;
	return false;
}

static void
test_routes(void **state)
{
	struct sla_policy *p = load(
	    "[plan Enterprise]\n"
	    "oncall = pager@example.com, oncall@example.com\n"
	    "oncall_webhook = https://pager.example.com/hook\n"
	    "[route managers]\n"
	    "queue = support\n"
	    "priority = P2\n"
	    "timer = resolve\n"
	    "level = breach\n"
	    "to = manager@example.com\n"
	    "[route quiet]\n"
	    "plan = Enterprise\n"
	    "priority = P1\n"
	    "timer = rca\n"
	    "to = quality@example.com\n"
	    "oncall = no\n");
	struct sla_route r;

	(void)state;
	/* the queue's escalation route */
	assert_int_equal(sla_policy_route(&r, p, "support", "Basic", "P3",
	    SLA_TIMER_ACKNOWLEDGE, SLA_LEVEL_WARNING), 0);
	assert_string_equal(r.name, "queue");
	assert_int_equal(r.naddresses, 2);
	assert_string_equal(r.addresses[0], "oncall@example.com");
	assert_string_equal(r.addresses[1], "lead@example.com");
	assert_int_equal(r.nwebhooks, 1);
	assert_string_equal(r.webhooks[0],
	    "https://chat.example.com/hooks/support");
	assert_false(r.oncall);
	/* a P1 without news for the customer: its agents are reminded
	 * too, the escalation route beside them */
	sla_policy_route(&r, p, "support", "Basic", "P1", SLA_TIMER_UPDATE,
	    SLA_LEVEL_WARNING);
	assert_string_equal(r.name, "queue");
	assert_int_equal(r.naddresses, 3);
	assert_true(route_has(&r, "alice@example.com"));
	assert_true(route_has(&r, "lead@example.com"));
	assert_false(route_has(&r, "bob@example.com"));
	/* a queue without escalation route: its agents */
	sla_policy_route(&r, p, "security", "Pro", "P2",
	    SLA_TIMER_ACKNOWLEDGE, SLA_LEVEL_BREACH);
	assert_string_equal(r.name, "agents");
	assert_int_equal(r.naddresses, 2);
	assert_true(route_has(&r, "alice@example.com"));
	assert_true(route_has(&r, "bob@example.com"));
	assert_int_equal(r.nwebhooks, 0);
	/* Enterprise P1: the on-call route too, at every level, each
	 * address once */
	sla_policy_route(&r, p, "support", "Enterprise", "P1",
	    SLA_TIMER_ACKNOWLEDGE, SLA_LEVEL_BREACH);
	assert_true(r.oncall);
	assert_int_equal(r.naddresses, 3);
	assert_true(route_has(&r, "pager@example.com"));
	assert_true(route_has(&r, "lead@example.com"));
	assert_int_equal(r.nwebhooks, 2);
	assert_string_equal(r.webhooks[1], "https://pager.example.com/hook");
	sla_policy_route(&r, p, "support", "Enterprise", "P2",
	    SLA_TIMER_ACKNOWLEDGE, SLA_LEVEL_BREACH);
	assert_false(r.oncall);
	/* a [route] by selectors */
	sla_policy_route(&r, p, "support", "Pro", "p2", SLA_TIMER_RESOLVE,
	    SLA_LEVEL_BREACH);
	assert_string_equal(r.name, "managers");
	assert_int_equal(r.naddresses, 1);
	assert_string_equal(r.addresses[0], "manager@example.com");
	assert_int_equal(r.nwebhooks, 0);
	sla_policy_route(&r, p, "support", "Pro", "P2", SLA_TIMER_RESOLVE,
	    SLA_LEVEL_WARNING);
	assert_string_equal(r.name, "queue");
	sla_policy_route(&r, p, "security", "Pro", "P2", SLA_TIMER_RESOLVE,
	    SLA_LEVEL_BREACH);
	assert_string_equal(r.name, "agents");
	/* oncall = no leaves the on-call route out */
	sla_policy_route(&r, p, "support", "Enterprise", "P1",
	    SLA_TIMER_RCA, SLA_LEVEL_BREACH);
	assert_string_equal(r.name, "quiet");
	assert_false(r.oncall);
	assert_int_equal(r.naddresses, 1);
	/* an unknown queue: nobody, but Enterprise P1 still has on-call */
	sla_policy_route(&r, p, "nowhere", "Basic", "P1",
	    SLA_TIMER_ACKNOWLEDGE, SLA_LEVEL_BREACH);
	assert_null(r.name);
	assert_int_equal(r.naddresses + r.nwebhooks, 0);
	sla_policy_route(&r, p, NULL, "Enterprise", "P1",
	    SLA_TIMER_ACKNOWLEDGE, SLA_LEVEL_BREACH);
	assert_string_equal(r.name, "oncall");
	assert_int_equal(r.naddresses, 2);
	assert_int_equal(sla_policy_route(NULL, p, NULL, NULL, NULL,
	    SLA_TIMER_ACKNOWLEDGE, SLA_LEVEL_BREACH), GC_EINVAL);
	sla_policy_free(&p);
}

/* ----- Qualification ----------------------------------------------- */

static void
test_qualify(void **state)
{
	struct sla_policy *p = load(
	    "[organisation acme]\n"
	    "domains = acme.com\n"
	    "plan = Enterprise\n");
	struct sla_policy *p2;
	struct sla_qualification q;
	struct rules_input in = { 0 };

	(void)state;
	in.subject = "Panne de production";
	in.from = "it@acme.com";
	assert_int_equal(sla_policy_qualify(&q, p, &in, "support"), 0);
	assert_string_equal(q.priority, "P1");
	assert_false(q.priority_default);
	assert_string_equal(q.rules.priority_by.rule, "p1-outage");
	assert_string_equal(q.queue, "support");
	assert_false(q.queue_from_rule);
	assert_string_equal(q.plan, "Enterprise");
	assert_string_equal(q.org->name, "acme");
	assert_string_equal(q.org_by, "domain");
	/* no rule: the default priority and plan */
	in.subject = "Question about an invoice";
	in.from = "someone@elsewhere.org";
	sla_policy_qualify(&q, p, &in, "support");
	assert_string_equal(q.priority, "P3");
	assert_true(q.priority_default);
	assert_string_equal(q.plan, "Basic");
	assert_null(q.org);
	/* the security rule moves the ticket to a queue that exists */
	in.subject = "Vulnerability report";
	sla_policy_qualify(&q, p, &in, "support");
	assert_string_equal(q.queue, "security");
	assert_true(q.queue_from_rule);
	assert_null(q.queue_ignored);
	sla_policy_free(&p);
	/* ...and is ignored where there is no security queue */
	p2 = load_with(BASE_NO_SECURITY, "", &(struct fx_loader){ 0 });
	sla_policy_qualify(&q, p2, &in, "support");
	assert_string_equal(q.queue, "support");
	assert_false(q.queue_from_rule);
	assert_string_equal(q.queue_ignored, "security");
	/* and its security target does not apply to a missing queue */
	assert_int_equal(sla_policy_qualify(&q, p2, NULL, NULL), GC_EINVAL);
	sla_policy_free(&p2);
}

static void
test_kind_names(void **state)
{
	enum sla_timer_kind k;

	(void)state;
	for (int i = 0; i < SLA_TIMER_COUNT; i++) {
		assert_int_equal(sla_timer_kind_parse(&k,
		    sla_timer_kind_name((enum sla_timer_kind)i)), 0);
		assert_int_equal(k, i);
	}
	assert_string_equal(sla_timer_kind_name(SLA_TIMER_RCA), "rca");
	assert_int_equal(sla_timer_kind_parse(&k, "ack"), GC_EINVAL);
}

/* Every webhook a route can name, each once, for check-config --connect:
 * a [route]'s, the queue's, a plan's on-call; at most max. */
static void
test_route_webhooks(void **state)
{
	struct sla_policy *p = load(
	    "[plan Enterprise]\n"
	    "oncall = pager@example.com\n"
	    "oncall_webhook = https://pager.example.com/hook\n"
	    "[plan Pro]\n"
	    "oncall = pager@example.com\n"
	    "oncall_webhook = https://pager.example.com/hook\n"
	    "[route managers]\n"
	    "queue = support\n"
	    "webhook_url = https://managers.example.com/h\n"
	    "[route again]\n"
	    "queue = security\n"
	    "webhook_url = https://chat.example.com/hooks/support\n");
	const char *urls[8];

	(void)state;
	assert_int_equal(sla_policy_webhooks(p, urls, 8), 3);
	assert_string_equal(urls[0], "https://managers.example.com/h");
	assert_string_equal(urls[1], "https://chat.example.com/hooks/support");
	assert_string_equal(urls[2], "https://pager.example.com/hook");
	assert_int_equal(sla_policy_webhooks(p, urls, 2), 2);
	assert_int_equal(sla_policy_webhooks(p, urls, 0), 0);
	sla_policy_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_equal_policy),
		cmocka_unit_test(test_security_queue_default),
		cmocka_unit_test(test_deadlines),
		cmocka_unit_test(test_no_loader_falls_back),
		cmocka_unit_test(test_priority_and_plan_change),
		cmocka_unit_test(test_pauses),
		cmocka_unit_test(test_update_and_rca),
		cmocka_unit_test(test_timers_errors),
		cmocka_unit_test(test_config_overrides),
		cmocka_unit_test(test_config_rules_fixture),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_org_lookup),
		cmocka_unit_test(test_plan_reports),
		cmocka_unit_test(test_org_table),
		cmocka_unit_test(test_org_lookup_keys),
		cmocka_unit_test(test_org_table_many),
		cmocka_unit_test(test_csv_fixture),
		cmocka_unit_test(test_csv_forms),
		cmocka_unit_test(test_csv_errors),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_route_webhooks),
		cmocka_unit_test(test_qualify),
		cmocka_unit_test(test_kind_names),
	};

	/* git keeps no permission bits, and conf refuses a secret file that
	 * group or others may read */
	if (chmod(FX "/secrets/support.pass", 0600) != 0) {
		perror(FX "/secrets/support.pass");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
