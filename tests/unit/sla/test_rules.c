/*
 * test_rules.c - sla/rules.c: the rules file, matching, limits, defaults
 *
 * First the default rules (conf/defaults/rules.conf, as embedded in the
 * binary) over a table of French and English subjects and texts, with
 * the priority and queue a person would give them, false positives
 * included ("download", "shutdown of the test environment"). Then small
 * rules files written here for each feature: first match wins per field,
 * tags add up, AND of match lines, unless, header/sender/recipient
 * fields, case, folded lines, and every error with its file:line. Last,
 * hostile input: catastrophic backtracking ends as a "match limit"
 * outcome, oversize and invalid UTF-8 fields, and the fuzz entry point.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/mem.h"
#include "conf/embedded.h"
#include "sla/rules.h"

/* ----- Helpers ----------------------------------------------------- */

static struct rules *
load_ok(const char *text)
{
	struct conf_diag diag = { 0 };
	struct rules *r = NULL;

	if (rules_load(&r, "t.conf", text, strlen(text), &diag) != 0)
		fail_msg("rules_load: %s", diag.n ? diag.lines[0] : "?");
	assert_int_equal(diag.n, 0);
	conf_diag_free(&diag);
	assert_non_null(r);
	return r;
}

/* Load text that must fail; the diagnostics are returned in diag. */
static void
load_bad(struct conf_diag *diag, const char *text)
{
	struct rules *r = (struct rules *)1;

	assert_int_equal(rules_load(&r, "t.conf", text, strlen(text), diag),
	    GC_ECONFIG);
	assert_null(r);
	assert_true(diag->n > 0);
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
expect_diag(const char *text, const char *needle)
{
	struct conf_diag diag = { 0 };

	load_bad(&diag, text);
	if (!diag_has(&diag, needle)) {
		for (size_t i = 0; i < diag.n; i++)
			print_error("  got: %s\n", diag.lines[i]);
		fail_msg("expected a diagnostic containing \"%s\"", needle);
	}
	conf_diag_free(&diag);
}

static struct rules_result
eval_st(const struct rules *r, const char *subject, const char *text)
{
	struct rules_input in = { 0 };
	struct rules_result res;

	in.subject = subject;
	in.text = text;
	assert_int_equal(rules_eval(&res, r, &in), 0);
	return res;
}

static bool
has_tag(const struct rules_result *res, const char *tag)
{
	for (size_t i = 0; i < res->ntags; i++)
		if (strcmp(res->tags[i], tag) == 0)
			return true;
	return false;
}

static struct rules *
load_defaults(void)
{
	const struct embedded_file *f =
	    embedded_find("conf/defaults/rules.conf");
	struct conf_diag diag = { 0 };
	struct rules *r = NULL;

	assert_non_null(f);
	if (rules_load(&r, "rules.conf", f->data, f->len, &diag) != 0)
		fail_msg("default rules: %s", diag.n ? diag.lines[0] : "?");
	conf_diag_free(&diag);
	return r;
}

/* ----- The default rules ------------------------------------------ */

struct default_case {
	const char *subject;
	const char *text;
	const char *priority;   /* NULL: no rule sets one (P3 by default) */
	const char *queue;      /* NULL: the mailbox's queue */
};

static const struct default_case default_cases[] = {
	/* P1, English */
	{ "Production down since 8am", NULL, "P1", NULL },
	{ "Outage on the EU cluster", NULL, "P1", NULL },
	{ "The API is down", NULL, "P1", NULL },
	{ "Server down!!", NULL, "P1", NULL },
	{ "Help", "Our database went down twice tonight.", "P1", NULL },
	{ "Login", "Since 9:00 the application is completely unavailable "
	    "for all our users.", "P1", NULL },
	{ "Data loss after the last update", NULL, "P1", NULL },
	{ "Export", "All the invoices of March: the data was deleted "
	    "overnight", "P1", NULL },
	{ "Corrupted files in the archive", NULL, "P1", NULL },
	{ "URGENT - payment run blocked", NULL, "P1", NULL },
	{ "Emergency", "This is critical for our closing today", "P1",
	    NULL },
	{ "Everything", "Nothing works anymore since the upgrade", "P1",
	    NULL },
	/* P1, French */
	{ "Panne générale du service", NULL, "P1", NULL },
	{ "PANNE", NULL, "P1", NULL },
	{ "Site indisponible", NULL, "P1", NULL },
	{ "Question", "Notre plateforme est hors service depuis 7h.", "P1",
	    NULL },
	{ "Production arrêtée depuis 10h", NULL, "P1", NULL },
	{ "Arrêt total de la production", NULL, "P1", NULL },
	{ "Perte de données sur le compte client", NULL, "P1", NULL },
	{ "Base de données corrompue", NULL, "P1", NULL },
	{ "Urgent : export bloquant pour la clôture", NULL, "P1", NULL },
	{ "Aide", "Plus rien ne fonctionne depuis la mise à jour.", "P1",
	    NULL },
	/* Not P1: words that look like it */
	{ "Cannot download the invoice", NULL, NULL, NULL },
	{ "How do I shut down my account?", NULL, NULL, NULL },
	{ "Planned shutdown of the test environment", NULL, NULL, NULL },
	{ "Drop-down menu shows wrong values", NULL, NULL, NULL },
	{ "Scroll down does not load more items", NULL, NULL, NULL },
	{ "Breakdown of the monthly costs", NULL, NULL, NULL },
	{ "Panneau d'administration : une question", NULL, NULL, NULL },
	{ "Guide de dépannage", NULL, NULL, NULL },
	{ "Data loss prevention settings", NULL, NULL, NULL },
	{ "Urgent: question about our invoice", NULL, NULL, NULL },
	{ "Is the blocking of spam configurable?", NULL, NULL, NULL },
	{ "Test environment down", NULL, NULL, NULL },
	{ "[staging] outage of the mail relay", NULL, NULL, NULL },
	{ "Outage on the staging server", NULL, NULL, NULL },
	{ "Panne sur l'environnement de recette", NULL, NULL, NULL },
	{ "Maintenance planifiée : coupure du service samedi", NULL, NULL,
	    NULL },
	{ "Scheduled maintenance: is the API down on Sunday?", NULL, NULL,
	    NULL },
	/* P2 */
	{ "Application très lente depuis ce matin", NULL, "P2", NULL },
	{ "Degraded performance on search", NULL, "P2", NULL },
	{ "Service dégradé", NULL, "P2", NULL },
	{ "SERVICE DÉGRADÉ", NULL, "P2", NULL },
	{ "Erreur 500 sur la page de paiement", NULL, "P2", NULL },
	{ "Getting HTTP 502 errors", NULL, "P2", NULL },
	{ "503 Service Unavailable on login", NULL, "P2", NULL },
	{ "Reports", "The requests timed out three times this morning",
	    "P2", NULL },
	{ "The dashboard is slow", NULL, "P2", NULL },
	{ "Lenteurs sur l'interface", NULL, "P2", NULL },
	{ "Synchronisation", "Le service est partiellement indisponible",
	    "P1", NULL },   /* "indisponible" is P1 and P1 comes first */
	{ "Problème de performances sur l'export", NULL, "P2", NULL },
	{ "Erreurs intermittentes", NULL, "P2", NULL },
	{ "500 users to import", NULL, NULL, NULL },
	/* Security queue */
	{ "Vulnerability in your login form", NULL, NULL, "security" },
	{ "Faille XSS dans le formulaire", NULL, NULL, "security" },
	{ "Question", "Is your appliance affected by CVE-2024-3094?", NULL,
	    "security" },
	{ "Security: exposed admin panel", NULL, NULL, "security" },
	{ "[Sécurité] mot de passe en clair", NULL, NULL, "security" },
	{ "Vulnérabilité critique", NULL, NULL, "security" },
	{ "Security issue: production down after an attack", NULL, "P1",
	    "security" },
	{ "Security question about passwords", NULL, NULL, NULL },
	{ "Paramètres de sécurité du compte", NULL, NULL, NULL },
	/* Everything else: no rule (default priority) */
	{ "Question about my invoice", "How can I get a copy?", NULL, NULL },
	{ "Comment changer mon mot de passe ?", NULL, NULL, NULL },
	{ "Feature request: dark mode", NULL, NULL, NULL },
};

/* Every case of the table, on r. */
static void
check_default_cases(const struct rules *r)
{
	int bad = 0;

	assert_true(rules_count(r) >= 5);
	for (size_t i = 0; i < sizeof(default_cases) /
	    sizeof(default_cases[0]); i++) {
		const struct default_case *c = &default_cases[i];
		struct rules_result res = eval_st(r, c->subject, c->text);
		bool okp = (c->priority == NULL) ? res.priority == NULL :
		    (res.priority && strcmp(res.priority, c->priority) == 0);
		bool okq = (c->queue == NULL) ? res.queue == NULL :
		    (res.queue && strcmp(res.queue, c->queue) == 0);

		if (!okp || !okq) {
			print_error("\"%s\" / \"%s\": got %s (rule %s), "
			    "queue %s; expected %s, queue %s\n", c->subject,
			    c->text ? c->text : "",
			    res.priority ? res.priority : "-",
			    res.priority_by.rule ? res.priority_by.rule : "-",
			    res.queue ? res.queue : "-",
			    c->priority ? c->priority : "-",
			    c->queue ? c->queue : "-");
			bad++;
		}
		assert_int_equal(res.nlimited, 0);
	}
	assert_int_equal(bad, 0);
}

static void
test_default_rules(void **state)
{
	struct rules *r = load_defaults();

	(void)state;
	check_default_cases(r);
	rules_free(&r);
	assert_null(r);
}

static void
test_default_rules_detail(void **state)
{
	struct rules *r = load_defaults();
	struct rules_result res;
	struct rules_header hdr[] = { { "x-priority", "1 (Highest)" } };
	struct rules_input in = { 0 };

	(void)state;
	res = eval_st(r, "Panne", NULL);
	assert_string_equal(res.priority_by.rule, "p1-outage");
	assert_string_equal(res.priority_by.file, "rules.conf");
	assert_true(res.priority_by.line > 1);
	assert_true(has_tag(&res, "outage"));
	/* header tag, not a priority */
	in.subject = "Hello";
	in.headers = hdr;
	in.nheaders = 1;
	assert_int_equal(rules_eval(&res, r, &in), 0);
	assert_null(res.priority);
	assert_true(has_tag(&res, "marked-urgent"));
	rules_free(&r);
}

/* The shipped spam rule: the filter's verdict holds the mail, in any of
 * the three headers, and only a "yes". */
static void
test_default_spam_hold(void **state)
{
	static const char *const yes[][2] = {
		{ "X-Spam-Flag", "YES" },
		{ "x-spam-status", "Yes, score=14.2 required=5.0 tests=..." },
		{ "X-Spam", " yes" },
	};
	static const char *const no[][2] = {
		{ "X-Spam-Flag", "NO" },
		{ "X-Spam-Status", "No, score=-0.1 required=5.0" },
		{ "X-Spam-Level", "yes" },
		{ "X-Spam", "Yesterday" },
		{ "Subject", "yes" },
	};
	struct rules *r = load_defaults();
	struct rules_result res;
	struct rules_input in = { 0 };

	(void)state;
	in.subject = "Panne totale";
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		struct rules_header h = { yes[i][0], yes[i][1] };

		in.headers = &h;
		in.nheaders = 1;
		assert_int_equal(rules_eval(&res, r, &in), 0);
		assert_non_null(res.hold);
		assert_string_equal(res.hold, "spam");
		assert_string_equal(res.hold_by.rule, "spam");
		/* the other rules still say what they would have */
		assert_string_equal(res.priority, "P1");
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		struct rules_header h = { no[i][0], no[i][1] };

		in.headers = &h;
		in.nheaders = 1;
		assert_int_equal(rules_eval(&res, r, &in), 0);
		assert_null(res.hold);
		assert_null(res.hold_by.rule);
	}
	rules_free(&r);
}

/* ----- Features ------------------------------------------------------ */

static void
test_hold_first_wins(void **state)
{
	struct rules *r = load_ok(
	    "[rule a]\n"
	    "match = subject: foo\n"
	    "priority = P2\n"
	    "\n"
	    "[rule b]\n"
	    "match = subject: fo+\n"
	    "hold = junk\n"
	    "\n"
	    "[rule c]\n"
	    "match = subject: foo\n"
	    "hold = spam\n");
	struct rules_result res = eval_st(r, "a foo", NULL);
	struct rules_info ri;

	(void)state;
	assert_string_equal(res.hold, "junk");
	assert_string_equal(res.hold_by.rule, "b");
	assert_int_equal(res.hold_by.line, 5);
	assert_string_equal(res.priority, "P2");
	res = eval_st(r, "bar", NULL);
	assert_null(res.hold);
	assert_int_equal(rules_get(&ri, r, 2), 0);
	assert_string_equal(ri.hold, "spam");
	assert_int_equal(ri.hold_line, 11);
	assert_int_equal(rules_get(&ri, r, 0), 0);
	assert_null(ri.hold);
	rules_free(&r);
}

static void
test_first_match_per_field(void **state)
{
	struct rules *r = load_ok(
	    "[rule a]\n"
	    "match = subject: foo\n"
	    "priority = P2\n"
	    "tags = one\n"
	    "\n"
	    "[rule b]\n"
	    "match = subject: foo\n"
	    "priority = P1\n"
	    "queue = q1\n"
	    "tags = two, one\n"
	    "\n"
	    "[rule c]\n"
	    "match = subject: fo+\n"
	    "queue = q2\n"
	    "tags = three\n");
	struct rules_result res = eval_st(r, "a foo", NULL);

	(void)state;
	assert_string_equal(res.priority, "P2");
	assert_string_equal(res.priority_by.rule, "a");
	assert_int_equal(res.priority_by.line, 1);
	assert_string_equal(res.queue, "q1");
	assert_string_equal(res.queue_by.rule, "b");
	assert_int_equal(res.queue_by.line, 6);
	assert_int_equal(res.ntags, 3);
	assert_string_equal(res.tags[0], "one");
	assert_string_equal(res.tags[1], "two");
	assert_string_equal(res.tags[2], "three");
	assert_int_equal(res.nmatched, 3);
	assert_string_equal(res.matched[2].rule, "c");
	/* only c */
	res = eval_st(r, "fooo", NULL);
	assert_string_equal(res.priority, "P2");
	res = eval_st(r, "fo", NULL);
	assert_null(res.priority);
	assert_string_equal(res.queue, "q2");
	assert_int_equal(res.nmatched, 1);
	/* none */
	res = eval_st(r, "bar", NULL);
	assert_null(res.priority);
	assert_null(res.queue);
	assert_int_equal(res.ntags, 0);
	assert_int_equal(res.nmatched, 0);
	rules_free(&r);
}

static void
test_and_unless(void **state)
{
	struct rules *r = load_ok(
	    "[rule both]\n"
	    "match = subject: (?i)urgent\n"
	    "match = text: (?i)bloquant\n"
	    "unless = subject, text: (?i)\\btest\\b\n"
	    "unless = subject: (?i)question\n"
	    "priority = P1\n");
	struct rules_result res;

	(void)state;
	res = eval_st(r, "URGENT", "c'est bloquant");
	assert_string_equal(res.priority, "P1");
	res = eval_st(r, "URGENT", "rien");
	assert_null(res.priority);
	res = eval_st(r, "rien", "bloquant");
	assert_null(res.priority);
	res = eval_st(r, "Urgent", "bloquant en test");
	assert_null(res.priority);
	res = eval_st(r, "Urgent question", "bloquant");
	assert_null(res.priority);
	res = eval_st(r, "Urgent", "bloquant, tested in prod");
	assert_string_equal(res.priority, "P1");
	/* missing fields never match */
	res = eval_st(r, NULL, NULL);
	assert_null(res.priority);
	rules_free(&r);
}

static void
test_fields(void **state)
{
	struct rules *r = load_ok(
	    "[rule vip]\n"
	    "match = sender: (?i)@bigcorp\\.com$\n"
	    "tags = vip\n"
	    "[rule sec]\n"
	    "match = recipients: (?i)^security@\n"
	    "queue = security\n"
	    "[rule cc-only]\n"
	    "match = cc: ^boss@\n"
	    "tags = boss-copied\n"
	    "[rule env]\n"
	    "match = header:X-Env: ^prod$\n"
	    "match = HEADER:x-customer, subject: ^acme\n"
	    "priority = P2\n"
	    "[rule body]\n"
	    "match = body: (?m)^line two$\n"
	    "tags = multiline\n");
	const char *to[] = { "support@example.com", "Security@example.com" };
	const char *cc[] = { "boss@example.com" };
	struct rules_header hdr[] = {
		{ "Received", "from somewhere" },
		{ "x-env", "staging" },
		{ "X-ENV", "prod" },
		{ "X-Customer", "acme-fr" },
	};
	struct rules_input in = { 0 };
	struct rules_result res;

	(void)state;
	in.from = "Jane@BigCorp.com";
	in.to = to;
	in.nto = 2;
	in.cc = cc;
	in.ncc = 1;
	in.headers = hdr;
	in.nheaders = 4;
	in.text = "line one\r\nline two\r\nline three";
	assert_int_equal(rules_eval(&res, r, &in), 0);
	assert_true(has_tag(&res, "vip"));
	assert_true(has_tag(&res, "boss-copied"));
	assert_true(has_tag(&res, "multiline"));
	assert_string_equal(res.queue, "security");
	/* the second X-Env header matches, X-Customer gives the AND */
	assert_string_equal(res.priority, "P2");

	/* addresses in To only are not Cc; one header is not another */
	in.cc = NULL;
	in.ncc = 0;
	in.nheaders = 2;
	in.to = to;
	in.nto = 1;
	in.from = "jane@bigcorp.com.evil.org";
	assert_int_equal(rules_eval(&res, r, &in), 0);
	assert_false(has_tag(&res, "vip"));
	assert_false(has_tag(&res, "boss-copied"));
	assert_null(res.queue);
	assert_null(res.priority);
	/* the subject may stand for the missing X-Customer header */
	in.nheaders = 3;
	in.subject = "acme: ticket";
	assert_int_equal(rules_eval(&res, r, &in), 0);
	assert_string_equal(res.priority, "P2");
	rules_free(&r);
}

static void
test_case_and_unicode(void **state)
{
	struct rules *r = load_ok(
	    "[rule exact]\n"
	    "match = subject: Panne\n"
	    "tags = exact\n"
	    "[rule nocase]\n"
	    "match = subject: (?i)\\bdégradé\\b\n"
	    "tags = nocase\n"
	    "[rule word]\n"
	    "match = subject: \\bété\\b\n"
	    "tags = word\n");
	struct rules_result res;

	(void)state;
	res = eval_st(r, "Panne", NULL);
	assert_true(has_tag(&res, "exact"));
	res = eval_st(r, "panne", NULL);
	assert_false(has_tag(&res, "exact"));
	res = eval_st(r, "Service DÉGRADÉ.", NULL);
	assert_true(has_tag(&res, "nocase"));
	/* \b knows accented letters (UCP): no boundary inside "dégradées"
	 * before "es" */
	res = eval_st(r, "dégradées", NULL);
	assert_false(has_tag(&res, "nocase"));
	res = eval_st(r, "l'été dernier", NULL);
	assert_true(has_tag(&res, "word"));
	res = eval_st(r, "bétées", NULL);
	assert_false(has_tag(&res, "word"));
	/* invalid UTF-8 around a match does not stop it */
	res = eval_st(r, "\xff\xfe Panne \xc3", NULL);
	assert_true(has_tag(&res, "exact"));
	rules_free(&r);
}

static void
test_folded_lines_and_comments(void **state)
{
	struct rules *r = load_ok(
	    "# a comment\n"
	    "   # an indented comment\n"
	    "[rule folded]\r\n"
	    "match = subject: (?i)^(alpha|\r\n"
	    "\tbeta|\n"
	    "    # a comment inside the fold\n"
	    "\tgamma)$\n"
	    "priority = P3\n"
	    "\n"
	    "[rule hash]\n"
	    "match = subject: a#b\n"
	    "tags = hash\n");
	struct rules_result res;
	struct rules_info info;

	(void)state;
	res = eval_st(r, "beta", NULL);
	assert_string_equal(res.priority, "P3");
	res = eval_st(r, "GAMMA", NULL);
	assert_string_equal(res.priority, "P3");
	res = eval_st(r, "alphabeta", NULL);
	assert_null(res.priority);
	res = eval_st(r, "a#b", NULL);
	assert_true(has_tag(&res, "hash"));
	assert_int_equal(rules_count(r), 2);
	assert_int_equal(rules_get(&info, r, 0), 0);
	assert_string_equal(info.name, "folded");
	assert_int_equal(info.line, 3);
	assert_string_equal(info.priority, "P3");
	assert_int_equal(info.priority_line, 8);
	assert_null(info.queue);
	assert_int_equal(rules_get(&info, r, 1), 0);
	assert_int_equal(info.line, 10);
	assert_int_equal(info.ntags, 1);
	assert_int_equal(rules_get(&info, r, 2), GC_ENOTFOUND);
	assert_string_equal(rules_file(r), "t.conf");
	rules_free(&r);
}

static void
test_empty_and_null(void **state)
{
	struct rules *r = load_ok("# nothing but a comment\n\n");
	struct rules_result res;
	struct rules_input in = { 0 };

	(void)state;
	assert_int_equal(rules_count(r), 0);
	res = eval_st(r, "panne", NULL);
	assert_null(res.priority);
	rules_free(&r);
	rules_free(&r);         /* NULL is fine */
	assert_int_equal(rules_eval(&res, NULL, &in), 0);
	assert_int_equal(res.nmatched, 0);
	assert_int_equal(rules_eval(&res, NULL, NULL), GC_EINVAL);
	assert_int_equal(rules_eval(NULL, NULL, &in), GC_EINVAL);
}

/* ----- Errors ------------------------------------------------------ */

static void
test_errors(void **state)
{
	(void)state;
	expect_diag("[rule x]\nmatch = subject: (panne\npriority = P1\n",
	    "t.conf:2: rule x: match: bad pattern: missing closing "
	    "parenthesis at offset 6");
	expect_diag("[rule x]\nmatch = subject: a\nprio = P1\n",
	    "t.conf:3: rule x: unknown key \"prio\"");
	expect_diag("[rule x]\nmatch = subjct: a\npriority = P1\n",
	    "t.conf:2: rule x: match: unknown field \"subjct\"");
	expect_diag("[rule x]\nmatch = subject a\npriority = P1\n",
	    "t.conf:2: rule x: match: expected ',' or ':' after the fields");
	expect_diag("[rule x]\nmatch = subject:   \npriority = P1\n",
	    "t.conf:2: rule x: match: empty pattern");
	expect_diag("[rule x]\nmatch = header:: a\npriority = P1\n",
	    "t.conf:2: rule x: match: header: needs a header name");
	expect_diag("[rule x]\nunless = subject: a\npriority = P1\n",
	    "t.conf:1: rule x: no match line");
	expect_diag("[rule x]\nmatch = subject: a\n",
	    "t.conf:1: rule x: sets neither priority, queue, tags nor hold");
	expect_diag("[rule x]\nmatch = subject: a\nhold = spam\nhold = junk\n",
	    "t.conf:4: rule x: hold: already set at line 3");
	expect_diag("[rule x]\nmatch = subject: a\nhold = un wanted\n",
	    "t.conf:3: rule x: hold: bad value \"un wanted\"");
	expect_diag("[rule x]\nmatch = subject: a\npriority = P1\n"
	    "priority = P2\n",
	    "t.conf:4: rule x: priority: already set at line 3");
	expect_diag("[rule x]\nmatch = subject: a\npriority = P 1\n",
	    "t.conf:3: rule x: priority: bad value \"P 1\"");
	expect_diag("[rule x]\nmatch = subject: a\ntags = ok, b@d\n",
	    "t.conf:3: rule x: tags: bad tag \"b@d\"");
	expect_diag("[rule x]\nmatch = subject: a\ntags = a\n\n"
	    "[rule x]\nmatch = subject: b\ntags = b\n",
	    "t.conf:5: rule x: already defined at line 1");
	expect_diag("priority = P1\n",
	    "t.conf:1: key outside a [rule NAME] section");
	expect_diag("[rules]\nmatch = subject: a\n",
	    "t.conf:1: unknown section [rules]");
	expect_diag("[rule bad name!]\n", "t.conf:1: bad rule name");
	expect_diag("[rule x\n", "t.conf:1: expected [rule NAME]");
	expect_diag("[rule x]\nmatch = subject: a\njust words\n",
	    "t.conf:3: rule x: expected key = value");
	expect_diag("\tmatch = subject: a\n",
	    "t.conf:1: indented line continues nothing");
	/* a bad pattern folded over lines: the line where it starts */
	expect_diag("[rule x]\n# c\nmatch = subject: (a|\n\tb|\n\t(c)\n"
	    "tags = t\n",
	    "t.conf:3: rule x: match: bad pattern: missing closing "
	    "parenthesis");
	/* invalid UTF-8 in a pattern */
	expect_diag("[rule x]\nmatch = subject: \xc3(\ntags = t\n",
	    "t.conf:2: rule x: match: bad pattern: UTF-8 error");
}

static void
test_errors_all_reported(void **state)
{
	struct conf_diag diag = { 0 };
	static const char nul[] = "[rule x]\nmatch = subject: a\0b\ntags = t\n";
	struct rules *r = NULL;

	(void)state;
	load_bad(&diag, "[rule a]\nmatch = subject: (\ntags = t\n"
	    "[rule b]\nmatch = subject: ok\nfoo = bar\ntags = t\n"
	    "[rule c]\nmatch = subject: [z-a]\ntags = t\n");
	assert_int_equal(diag.n, 3);
	assert_true(diag_has(&diag, "t.conf:2: rule a:"));
	assert_true(diag_has(&diag, "t.conf:6: rule b: unknown key"));
	assert_true(diag_has(&diag, "t.conf:9: rule c: match: bad pattern"));
	conf_diag_free(&diag);

	assert_int_equal(rules_load(&r, "t.conf", nul, sizeof(nul) - 1,
	    &diag), GC_ECONFIG);
	assert_true(diag_has(&diag, "t.conf: the file contains a NUL byte"));
	conf_diag_free(&diag);
}

static void
test_limits_on_file(void **state)
{
	struct conf_diag diag = { 0 };
	struct rules *r = NULL;
	size_t n = RULES_MAX_LINE + 100;
	char *text = malloc(n + 64);
	struct buf many = BUF_INIT(1 << 20);

	(void)state;
	/* a line longer than the cap */
	strcpy(text, "[rule x]\nmatch = subject: ");
	memset(text + strlen(text), 'a', n);
	strcpy(text + strlen("[rule x]\nmatch = subject: ") + n,
	    "\ntags = t\n");
	assert_int_equal(rules_load(&r, "t.conf", text, strlen(text), &diag),
	    GC_ECONFIG);
	assert_true(diag_has(&diag, "t.conf:2: rule x: line longer than"));
	conf_diag_free(&diag);
	free(text);

	/* too many rules */
	for (int i = 0; i <= RULES_MAX_RULES; i++)
		assert_int_equal(buf_printf(&many, "[rule r%d]\n"
		    "match = subject: x\ntags = t\n", i), 0);
	assert_int_equal(rules_load(&r, "t.conf", many.data, many.len,
	    &diag), GC_ECONFIG);
	assert_true(diag_has(&diag, "more than 1000 rules"));
	conf_diag_free(&diag);
	buf_free(&many);
}

/* ----- Hostile input ----------------------------------------------- */

static void
test_redos_hits_match_limit(void **state)
{
	struct rules *r = load_ok(
	    "[rule ok]\n"
	    "match = subject: ^hello\n"
	    "tags = ok\n"
	    "[rule evil]\n"
	    "match = text: ^(\\w+\\s?)*$\n"
	    "priority = P1\n"
	    "[rule evil-unless]\n"
	    "match = subject: hello\n"
	    "unless = text: ^(a|a)*$\n"
	    "priority = P2\n");
	char *text = malloc(4097);
	struct rules_result res;

	(void)state;
	/* The classic exponential backtracking: a long word that ends in a
	 * character outside \w. Without the limit this would run for
	 * ages; with it the match stops and counts as no match. */
	memset(text, 'a', 4096);
	text[4095] = '!';
	text[4096] = '\0';
	res = eval_st(r, "hello", text);
	assert_true(has_tag(&res, "ok"));
	assert_true(res.nlimited >= 1);
	assert_string_equal(res.limited_by.rule, "evil");
	assert_int_equal(res.limited_by.line, 5);
	/* evil did not match; evil-unless's unless hit the limit too and
	 * counts as not matching, so that rule applies */
	assert_string_equal(res.priority, "P2");
	assert_string_equal(res.priority_by.rule, "evil-unless");
	assert_int_equal(res.nlimited, 2);
	/* a benign text matches normally and hits no limit */
	res = eval_st(r, "hello", "aaa bbb");
	assert_string_equal(res.priority, "P1");
	assert_int_equal(res.nlimited, 0);
	free(text);
	rules_free(&r);
}

static void
test_input_cap(void **state)
{
	struct rules *r = load_ok(
	    "[rule far]\n"
	    "match = text: (?i)panne\n"
	    "priority = P1\n"
	    "[rule end]\n"
	    "match = text: é$\n"
	    "tags = end\n");
	size_t n = RULES_MAX_INPUT + 4096;
	char *text = malloc(n + 1);
	struct rules_result res;

	(void)state;
	memset(text, 'x', n);
	text[n] = '\0';
	memcpy(text + 100, "panne", 5);
	res = eval_st(r, NULL, text);
	assert_string_equal(res.priority, "P1");
	memset(text + 100, 'x', 5);
	memcpy(text + RULES_MAX_INPUT + 10, "panne", 5);
	res = eval_st(r, NULL, text);
	assert_null(res.priority);
	/* a two-byte character cut by the cap: the cut backs off to the
	 * character boundary, the é before it still counts */
	memset(text, 'x', n);
	memcpy(text + RULES_MAX_INPUT - 3, "é", 2);
	memcpy(text + RULES_MAX_INPUT - 1, "é", 2);
	res = eval_st(r, NULL, text);
	assert_true(has_tag(&res, "end"));
	free(text);
	rules_free(&r);
}

static void
test_jit_reported(void **state)
{
	struct rules *r = load_ok("[rule a]\nmatch = subject: a\ntags = t\n");

	(void)state;
	/* JIT is available on the platforms we build on; either way the
	 * answer is a bool and matching works */
	print_message("rules JIT: %s\n", rules_jit(r) ? "yes" : "no");
	assert_true(eval_st(r, "a", NULL).ntags == 1);
	rules_free(&r);
}

/* rules_set_jit(false), as `guichet ingest` loads its rules: nothing
 * compiled to machine code, and the same answers, limits included. */
static void
test_interpreted_same_answers(void **state)
{
	struct rules *r;

	rules_set_jit(false);
	r = load_defaults();
	assert_false(rules_jit(r));
	check_default_cases(r);
	rules_free(&r);
	test_redos_hits_match_limit(state);
	test_input_cap(state);
	rules_set_jit(true);
}

static void
test_fuzz_entry(void **state)
{
	static const char *const inputs[] = {
		"",
		"[rule a]\nmatch = subject, text: (?i)panne\npriority = P1\n",
		"[rule a]\nmatch = text: (a+)+$\ntags = x\n",
		("[rule a]\nmatch = header:X-Priority: ^1\nunless = to: x\n"
		"tags = x\n"),
		"[rule\n\t\t\n[[[]]]\n= = =\nmatch =\n",
		"[rule a]\nmatch = subject: \\\n",
		"[rule a]\nmatch = subject: (?<=a+)b\ntags = t\n",
	};
	uint8_t junk[512];

	(void)state;
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
		assert_int_equal(rules_fuzz_one((const uint8_t *)inputs[i],
		    strlen(inputs[i])), 0);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131 + 7);
	assert_int_equal(rules_fuzz_one(junk, sizeof(junk)), 0);
	/* the default rules themselves */
	{
		const struct embedded_file *f =
		    embedded_find("conf/defaults/rules.conf");

		assert_int_equal(rules_fuzz_one((const uint8_t *)f->data,
		    f->len), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_rules),
		cmocka_unit_test(test_default_rules_detail),
		cmocka_unit_test(test_default_spam_hold),
		cmocka_unit_test(test_hold_first_wins),
		cmocka_unit_test(test_first_match_per_field),
		cmocka_unit_test(test_and_unless),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_case_and_unicode),
		cmocka_unit_test(test_folded_lines_and_comments),
		cmocka_unit_test(test_empty_and_null),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_errors_all_reported),
		cmocka_unit_test(test_limits_on_file),
		cmocka_unit_test(test_redos_hits_match_limit),
		cmocka_unit_test(test_input_cap),
		cmocka_unit_test(test_jit_reported),
		cmocka_unit_test(test_interpreted_same_answers),
		cmocka_unit_test(test_fuzz_entry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
