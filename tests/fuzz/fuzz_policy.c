/*
 * fuzz_policy.c - fuzz target: sla/policy.h, the SLA sections of the
 * config ([sla], [calendar], [priority], [plan], [target], [organisation],
 * [rules], [route]) and the timers, qualification and routes they give
 *
 * The input is appended to a fixed valid base config (database, smtp, a
 * support mailbox and queue; its password file in a scratch folder made
 * once per process), so that mutations land in the policy's own
 * sections; the result goes through conf_load_buffer() and, when that
 * loads, sla_policy_load() with a loader that serves real time zones from
 * the system's zoneinfo (names of letters, digits, '_', '-', '+' and '/'
 * only), one small holidays file and one small rules file (by base name),
 * and GC_ENOTFOUND for anything else. Checked: GC_ECONFIG with a
 * diagnostic and no policy, or a policy whose every plan x priority gives
 * timers (acknowledge first) with warn_at <= due_at and due_at >= start,
 * a qualification with a plan and a priority, and routes within their
 * limits for every timer kind and level.
 * Seeds: tests/fuzz/corpus/policy/; dictionary tests/fuzz/dict/policy.dict.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/err.h"
#include "common/mem.h"
#include "common/util.h"
#include "conf/conf.h"
#include "sla/policy.h"
#include "tests/fuzz/fuzz.h"

static const char policy_base[] =
	"[database]\nconninfo = dbname=guichet\n"
	"[smtp]\nfrom = Support <support@example.com>\n"
	"[mailbox support]\nurl = imaps://127.0.0.1:9993\nuser = support\n"
	"password_file = secrets/support.pass\n"
	"address = support@example.com\nqueue = support\n"
	"[queue support]\nescalation_to = lead@example.com\n"
	"[queue security]\n";

static const char policy_holidays[] =
	"# fuzz holidays\n2026-12-25 Christmas\n2027-01-01\n";

static const char policy_rules[] =
	"[rule outage]\nmatch = subject: (?i)panne|down\npriority = P1\n"
	"[rule sec]\nmatch = text: (?i)cve-\\d+\nqueue = security\n";

static char policy_dir[64];
static char policy_sub[96];
static char policy_secret[128];

static void
policy_cleanup(void)
{
	unlink(policy_secret);
	rmdir(policy_sub);
	rmdir(policy_dir);
}

/* A scratch folder (once per process, removed at exit) holding the
 * mailbox's password file, for the config to load. */
static const char *
policy_scratch(void)
{
	const char *tmp = getenv("TMPDIR");
	FILE *f;

	if (policy_dir[0] != '\0')
		return policy_dir;
	snprintf(policy_dir, sizeof(policy_dir), "%s/gc-fuzz-policy.XXXXXX",
	    tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
	if (mkdtemp(policy_dir) == NULL)
		abort();
	snprintf(policy_sub, sizeof(policy_sub), "%s/secrets", policy_dir);
	snprintf(policy_secret, sizeof(policy_secret), "%s/support.pass",
	    policy_sub);
	if (mkdir(policy_sub, 0700) != 0 ||
	    (f = fopen(policy_secret, "w")) == NULL)
		abort();
	fputs("secret\n", f);
	fclose(f);
	/* conf refuses a secret file that group or others may read */
	if (chmod(policy_secret, 0600) != 0)
		abort();
	atexit(policy_cleanup);
	return policy_dir;
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

static int
policy_read(void *arg, const char *path, char **data_r, size_t *len_r,
    struct gc_err *err)
{
	const char *text = NULL;
	char file[512];

	(void)arg;
	if (strncmp(path, "zone:", 5) == 0) {
		const char *z = path + 5;

		if (z[0] == '\0' || z[0] == '/' || strstr(z, "..") != NULL ||
		    strspn(z, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
		    "vwxyz0123456789_-+/") != strlen(z) ||
		    strlen(z) > 200)
			return gc_err_set(err, GC_ENOTFOUND, "%s: no zone", z);
		snprintf(file, sizeof(file), "/usr/share/zoneinfo/%s", z);
		return file_read(data_r, len_r, file, SLA_MAX_FILE, err);
	}
	if (strcmp(base_name(path), "holidays.txt") == 0)
		text = policy_holidays;
	else if (strcmp(base_name(path), "rules.conf") == 0)
		text = policy_rules;
	if (text == NULL)
		return gc_err_set(err, GC_ENOTFOUND, "%s: no such file", path);
	*data_r = xstrdup(text);
	*len_r = strlen(text);
	return 0;
}

static void
check_timers(const struct sla_policy *p, const char *plan,
    const char *priority)
{
	struct sla_pause pause = { 1774771200LL, 1774857600LL };
	struct sla_ticket_state st = {
		.plan = plan, .priority = priority, .queue = "support",
		.created_at = 1774699200LL,     /* 2026-03-28 12:00Z */
		.pauses = &pause, .npauses = 1,
	};
	struct sla_timer t[SLA_MAX_TIMERS];
	struct gc_err err = { 0, "" };
	size_t n = 0;
	int rc;

	for (int round = 0; round < 2; round++) {
		if (round == 1) {
			st.acknowledged_at = st.created_at + 600;
			st.resolved_at = st.created_at + 86400 * 3;
			st.queue = "security";
		}
		rc = sla_policy_timers(t, SLA_MAX_TIMERS, &n, p, &st, &err);
		FUZZ_CHECK(rc == 0 || rc == GC_EINVAL,
		    "sla_policy_timers: %d %s", rc, err.msg);
		if (rc != 0)
			continue;
		FUZZ_CHECK(n <= SLA_MAX_TIMERS, "%zu timers", n);
		for (size_t i = 0; i < n; i++) {
			FUZZ_CHECK(t[i].name != NULL && t[i].calendar != NULL,
			    "timer %zu without name or calendar", i);
			FUZZ_CHECK(i == 0 || t[i].kind > t[i - 1].kind,
			    "timers out of order");
			if (t[i].due_at == 0)
				continue;
			FUZZ_CHECK(t[i].due_at >= t[i].start,
			    "%s due before it starts", t[i].name);
			FUZZ_CHECK(t[i].warn_at == 0 ||
			    t[i].warn_at <= t[i].due_at,
			    "%s warns after it is due", t[i].name);
		}
	}
}

static void
check_policy(const struct sla_policy *p)
{
	static const char *const to[] = { "support@example.com" };
	struct rules_input in = {
		"Panne en production", "CVE-2026-1234 found", "boss@acme.com",
		to, 1, NULL, 0, NULL, 0,
	};
	struct sla_qualification q;
	struct sla_route r;
	size_t np = sla_policy_plan_count(p), nq = sla_policy_priority_count(p);

	FUZZ_CHECK(np >= 1 && np <= SLA_MAX_PLANS, "%zu plans", np);
	FUZZ_CHECK(nq >= 1 && nq <= SLA_MAX_PRIORITIES, "%zu priorities",
	    nq);
	for (size_t i = 0; i < np; i++)
		for (size_t j = 0; j < nq; j++)
			check_timers(p, sla_policy_plan_at(p, i),
			    sla_policy_priority_at(p, j));
	check_timers(p, "no-such-plan", NULL);

	FUZZ_CHECK(sla_policy_qualify(&q, p, &in, "support") == 0,
	    "sla_policy_qualify");
	FUZZ_CHECK(q.priority != NULL && q.plan != NULL,
	    "qualification without priority or plan");
	for (int k = 0; k < SLA_TIMER_COUNT; k++)
		for (int lv = SLA_LEVEL_WARNING; lv <= SLA_LEVEL_BREACH;
		    lv++) {
			FUZZ_CHECK(sla_policy_route(&r, p, q.queue, q.plan,
			    q.priority, (enum sla_timer_kind)k,
			    (enum sla_level)lv) == 0, "sla_policy_route");
			FUZZ_CHECK(r.naddresses <= SLA_ROUTE_MAX_ADDRS &&
			    r.nwebhooks <= SLA_ROUTE_MAX_WEBHOOKS,
			    "route past its limits");
		}
	(void)sla_policy_csm(p, q.plan, q.priority, NULL);
	(void)sla_policy_auto_close_at(p, 1774699200LL);
}

static int
fuzz_policy(const uint8_t *data, size_t len)
{
	struct sla_loader ld = { policy_read, NULL };
	struct conf_diag diag = { 0 };
	struct conf *c = NULL;
	struct sla_policy *p = (struct sla_policy *)&diag;
	size_t blen = sizeof(policy_base) - 1;
	char *text = malloc(blen + len + 1);
	int rc;

	if (text == NULL)
		abort();
	memcpy(text, policy_base, blen);
	if (len > 0)
		memcpy(text + blen, data, len);
	rc = conf_load_buffer(&c, "fuzz.conf", policy_scratch(), text,
	    blen + len, &diag);
	free(text);
	if (rc != 0) {
		conf_diag_free(&diag);
		return 0;
	}
	rc = sla_policy_load(&p, c, &ld, &diag);
	conf_free(&c);          /* the policy copies what it needs */
	if (rc != 0) {
		FUZZ_CHECK(rc == GC_ECONFIG, "sla_policy_load: %d", rc);
		FUZZ_CHECK(p == NULL, "sla_policy_load failed but set *out");
		FUZZ_CHECK(diag.n > 0, "sla_policy_load failed silently");
		conf_diag_free(&diag);
		return 0;
	}
	FUZZ_CHECK(p != NULL, "sla_policy_load: 0 without a policy");
	check_policy(p);
	sla_policy_free(&p);
	FUZZ_CHECK(p == NULL, "sla_policy_free left the pointer");
	conf_diag_free(&diag);
	return 0;
}

FUZZ_TARGET(fuzz_policy)
