/*
 * policy.h - the SLA policy: calendars, priorities and their targets,
 * plans, organisations, qualification rules, escalation routes; and the
 * timers of a ticket
 *
 * sla_policy_load() reads the sections of the config that belong to the
 * SLA ([sla], [calendar NAME], [priority NAME], [plan NAME], [target
 * QUEUE], [organisation NAME], [rules], [route NAME]), checks every key
 * and reports each problem as file:line. What the config does not say
 * comes from the default support policy (policy.md), so that a config
 * without any of these sections gives:
 *   calendars "business" (Europe/Paris, mon-fri 09:00-18:00, the French
 *     public holidays of conf/defaults/holidays-fr.txt) and "24x7";
 *   priorities P1 15m/2h/8h, P2 1h/4h/2d, P3 4h/none/5d (acknowledge/
 *     workaround/resolve) on the business calendar;
 *   plans Basic, Pro, Enterprise (ranks 3, 2, 1), Enterprise's P1 timers
 *     on 24x7 and its organisations' CSM copied on P1;
 *   the security queue acknowledged within 24 business hours whatever the
 *     plan ([target security]);
 *   warnings at 80 %, a P1 update reminder after 1 h without a mail to
 *     the customer, an RCA due 5 business days after a P1 is resolved,
 *     resolved tickets closed after 7 days without an answer;
 *   the rules of conf/defaults/rules.conf, default priority P3, default
 *   plan Basic.
 * The keys are documented in conf/guichet.conf.example.
 *
 * Target units: "m" and "h" are business minutes and hours of the
 * timer's calendar, "d" business days (the calendar's usual working day:
 * 9 h on mon-fri 09:00-18:00, 24 h on 24x7), "w" business weeks.
 *
 * Files: sla/ does no I/O. Files are read through a struct sla_loader
 * that the caller provides. Paths are those of the config, already
 * resolved against the config's folder; time zones are asked for as
 * "zone:Europe/Paris" and the loader returns the bytes of that TZif file
 * (the daemon looks in $TZDIR, else /usr/share/zoneinfo). Without a
 * loader, or when it answers GC_ENOTFOUND for a zone, Europe/Paris falls
 * back to its POSIX rule and UTC to tz_utc(). Built-in files (default
 * rules and holidays) come from conf/embedded.h, never from the loader.
 *
 * Timers: sla_policy_timers() is a pure function of the ticket's state
 * (plan, priority, queue, creation, pauses, resolution, last update to
 * the customer...) and the policy: changing the priority or the plan
 * and calling it again recomputes every deadline from the ticket's
 * creation. An open pause (the ticket waits on the customer) leaves a
 * timer without a due instant until the pause ends.
 *
 * Ownership: sla_policy_load() returns a policy owned by the caller and
 * freed with sla_policy_free(); it copies what it needs from the conf
 * (which may be freed afterwards). It is immutable once loaded and may be
 * shared between threads. Every const char * handed out by these
 * functions (plan and priority names, calendar names, route addresses,
 * organisations, rules results) points into the policy and lives as long
 * as it.
 */
#ifndef GC_SLA_POLICY_H
#define GC_SLA_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/err.h"
#include "conf/conf.h"
#include "sla/calendar.h"
#include "sla/org.h"
#include "sla/rules.h"

#define SLA_MAX_NAME 64                 /* calendar, plan, priority... */
#define SLA_MAX_CALENDARS 32
#define SLA_MAX_PRIORITIES 16
#define SLA_MAX_PLANS 32
#define SLA_MAX_TARGETS 64              /* [target QUEUE] sections */
#define SLA_MAX_ROUTES 128
#define SLA_MAX_LIST 64                 /* addresses in a key */
#define SLA_MAX_FILE (4 * 1024 * 1024)  /* what a loader should cap at */
#define SLA_MAX_TIMERS 5
#define SLA_ROUTE_MAX_ADDRS 128
#define SLA_ROUTE_MAX_WEBHOOKS 4

/*
 * The file seam. read() stores a malloc'd buffer of *len_r bytes (which
 * the policy frees with free()) in *data_r and returns 0, or returns a
 * negative GC_E* code (GC_ENOTFOUND when there is no such file) with a
 * message in err. path is a resolved file path, or "zone:NAME" for the
 * TZif data of a time zone.
 */
struct sla_loader {
	int (*read)(void *arg, const char *path, char **data_r,
	    size_t *len_r, struct gc_err *err);
	void *arg;
};

struct sla_policy;

enum sla_timer_kind {
	SLA_TIMER_ACKNOWLEDGE,  /* first human reply to the customer */
	SLA_TIMER_WORKAROUND,   /* a workaround given */
	SLA_TIMER_RESOLVE,      /* resolved */
	SLA_TIMER_UPDATE,       /* P1: an update to the customer is due */
	SLA_TIMER_RCA,          /* P1: root-cause analysis after resolution */
	SLA_TIMER_COUNT
};

enum sla_level {
	SLA_LEVEL_NONE = 0,     /* nothing reached */
	SLA_LEVEL_WARNING = 1,  /* warn_at reached */
	SLA_LEVEL_BREACH = 2,   /* due_at reached */
};

/* What a ticket's timers depend on. Instants are UTC seconds; 0 means
 * "not (yet)". */
struct sla_ticket_state {
	const char *plan;       /* NULL or unknown: the default plan */
	const char *priority;   /* NULL or unknown: the default priority */
	const char *queue;      /* may be NULL */
	time_t created_at;
	const struct sla_pause *pauses;   /* waiting on the customer */
	size_t npauses;
	time_t acknowledged_at; /* first agent mail to the customer */
	time_t workaround_at;   /* workaround given */
	time_t resolved_at;     /* 0 when not resolved (or reopened) */
	time_t last_update_at;  /* last agent mail to the customer */
	time_t rca_sent_at;     /* RCA sent to the customer */
};

struct sla_timer {
	enum sla_timer_kind kind;
	const char *name;       /* "acknowledge", ... as in --json output */
	time_t start;           /* when its clock started */
	time_t due_at;          /* 0 when paused_open */
	time_t warn_at;         /* 0 when warnings are off, or paused */
	bool paused_open;       /* an open pause stops it before due */
	time_t met_at;          /* 0 when not met (never for update) */
	bool met_late;          /* met after due_at */
	long long target_seconds;       /* business seconds */
	const char *calendar;   /* the calendar it counts on */
};

/* The escalation route of a timer. */
struct sla_route {
	const char *name;       /* "route NAME" that matched, or "queue",
	                           "agents", or "oncall" alone */
	const char *addresses[SLA_ROUTE_MAX_ADDRS];
	size_t naddresses;
	const char *webhooks[SLA_ROUTE_MAX_WEBHOOKS];
	size_t nwebhooks;
	bool oncall;            /* the plan's on-call route is included */
};

/* The qualification of a new ticket. */
struct sla_qualification {
	const char *priority;   /* never NULL */
	bool priority_default;  /* no rule set it */
	const char *queue;      /* a rule's queue, else default_queue */
	bool queue_from_rule;
	const char *queue_ignored;      /* a rule's queue the config does
	                                   not know (built-in rules), or NULL */
	const char *plan;       /* never NULL */
	const struct org *org;  /* the sender's organisation, or NULL */
	const char *org_by;     /* "address" or "domain", or NULL */
	struct rules_result rules;      /* the detail */
};

/* The [sla] values. */
struct sla_settings {
	const char *default_plan;
	const char *default_priority;
	const char *calendar;   /* the business-hours calendar */
	int warn_permille;      /* 800 for 80 %; 0: no warnings */
	long long auto_close_after;     /* wall-clock seconds, 0: never */
	/* a customer's mail to a ticket closed less than this long ago
	 * (wall-clock seconds) reopens it; later, it opens a new ticket
	 * related to it; 0: always a new ticket */
	long long reopen_within;
	/* a pending ticket's customer reminded this long after it became
	 * pending, and the ticket closed this long after (wall-clock
	 * seconds; 0: never) */
	long long pending_remind_after;
	long long pending_close_after;
};

/*
 * Load the policy from the config. ld may be NULL when the config names
 * no file (see the top). Every problem goes to diag as "file:line:
 * message" (diag zero-initialised by the caller, who frees it). Returns 0
 * and *out, or GC_ECONFIG with *out NULL.
 */
int sla_policy_load(struct sla_policy **out, const struct conf *c,
    const struct sla_loader *ld, struct conf_diag *diag);

void sla_policy_free(struct sla_policy **p);

const struct sla_settings *sla_policy_settings(const struct sla_policy *p);

/* The canonical spelling of a plan or priority named in any case
 * ("enterprise" -> "Enterprise"), or NULL when the policy has none. */
const char *sla_policy_plan_name(const struct sla_policy *p,
    const char *name);
const char *sla_policy_priority_name(const struct sla_policy *p,
    const char *name);
/* Plans and priorities in definition order (built-in ones first). */
size_t sla_policy_plan_count(const struct sla_policy *p);
const char *sla_policy_plan_at(const struct sla_policy *p, size_t i);
size_t sla_policy_priority_count(const struct sla_policy *p);
const char *sla_policy_priority_at(const struct sla_policy *p, size_t i);
/* Whether a ticket may be in that queue: a [queue] section, a
 * mailbox's queue or an agent's. */
bool sla_policy_queue_known(const struct sla_policy *p, const char *queue);
/* Handling order: lower first (Enterprise 1, Pro 2, Basic 3). Unknown
 * plans get the default plan's rank. */
int sla_policy_plan_rank(const struct sla_policy *p, const char *plan);

/* The plans in definition order with their handling ranks, and the rank
 * of a plan the policy does not know (the default plan's): what SQL that
 * orders tickets as the policy does takes. plans (borrowed from p) and
 * ranks are malloc'd arrays of n; sla_plan_ranks_free() them. */
struct sla_plan_ranks {
	const char **plans;
	int *ranks;
	size_t n;
	int other;
};
void sla_policy_plan_ranks(const struct sla_policy *p,
    struct sla_plan_ranks *out);
void sla_plan_ranks_free(struct sla_plan_ranks *r);

/* The reports a plan's organisations get ([plan] reports): monthly for
 * Pro and Enterprise, quarterly for Enterprise, by default. */
enum sla_report { SLA_REPORT_MONTHLY, SLA_REPORT_QUARTERLY };
bool sla_policy_plan_reports(const struct sla_policy *p, const char *plan,
    enum sla_report r);

const struct calendar *sla_policy_calendar(const struct sla_policy *p,
    const char *name);
/* The support's own calendar ([sla] calendar, "business" by default):
 * its zone is the one agents' and customers' times are shown in. NULL
 * without a policy (p NULL) or without that calendar. */
const struct calendar *sla_policy_support_calendar(
    const struct sla_policy *p);
/* That calendar's zone; UTC without it. */
const struct tz *sla_policy_support_tz(const struct sla_policy *p);
const struct rules *sla_policy_rules(const struct sla_policy *p);
const struct org_table *sla_policy_orgs(const struct sla_policy *p);

/*
 * The plan of a sender (addr-spec) from the config's organisations: by
 * exact address, then domain and parent domains. *org_r (may be NULL)
 * gets the organisation's name, NULL for an unknown sender, who gets the
 * default plan. Organisations imported into the database are the
 * caller's to look up first.
 */
const char *sla_policy_plan_for(const struct sla_policy *p,
    const char *sender_addr, const char **org_r);

/*
 * Qualify a new mail: rules (priority, queue, tags), the sender's plan
 * (in->from), defaults for what no rule set. default_queue is the
 * mailbox's queue (may be NULL). Returns 0 or GC_EINVAL.
 */
int sla_policy_qualify(struct sla_qualification *out,
    const struct sla_policy *p, const struct rules_input *in,
    const char *default_queue);

/*
 * The timers of a ticket, in the order acknowledge, workaround, resolve,
 * update, rca, those that apply only: no workaround for a priority
 * without one, update only for an unresolved P1 (from the last update,
 * else creation), rca only for a resolved P1 (from the resolution, on the
 * plan's calendar, not the P1 one: "5 business days" for Enterprise too;
 * pauses not counted). Met timers are listed with met_at.
 * out has room for max timers (SLA_MAX_TIMERS is enough). Returns 0 and
 * *n_r, GC_ELIMIT when max is too small, or GC_EINVAL (instants outside
 * the calendar's range) with err.
 */
int sla_policy_timers(struct sla_timer *out, size_t max, size_t *n_r,
    const struct sla_policy *p, const struct sla_ticket_state *st,
    struct gc_err *err);

/*
 * Who is told when a timer of a ticket reaches a level: the first
 * [route] whose selectors all match (queue, plan, priority, timer,
 * level), else the queue's escalation_to and webhook_url, else the
 * queue's agents; plus, for a P1 of a plan with an on-call route
 * (oncall, oncall_webhook), that route at every level unless the
 * matching [route] says oncall = no. Addresses appear once. Returns 0
 * (out->naddresses and nwebhooks may both be 0 when nobody is known).
 */
int sla_policy_route(struct sla_route *out, const struct sla_policy *p,
    const char *queue, const char *plan, const char *priority,
    enum sla_timer_kind kind, enum sla_level level);

/* Every webhook URL a route can name (the [route]s', the queues',
 * the plans' oncall_webhook), each once, at most max of them into out
 * (borrowed from p); how many. For `check-config --connect`. */
size_t sla_policy_webhooks(const struct sla_policy *p, const char **out,
    size_t max);

/* The CSM to copy on a ticket: the organisation's (org_csm, may be NULL)
 * else the plan's csm, when the plan copies its CSM on this priority
 * (csm_on); NULL otherwise. */
const char *sla_policy_csm(const struct sla_policy *p, const char *plan,
    const char *priority, const char *org_csm);

/* When a resolved ticket closes by itself (resolved_at +
 * auto_close_after, wall clock), or 0 when never. */
time_t sla_policy_auto_close_at(const struct sla_policy *p,
    time_t resolved_at);

/* "acknowledge", "workaround", "resolve", "update", "rca"; and back
 * (returns 0 or GC_EINVAL). */
const char *sla_timer_kind_name(enum sla_timer_kind k);
int sla_timer_kind_parse(enum sla_timer_kind *out, const char *s);

#endif
