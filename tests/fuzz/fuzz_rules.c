/*
 * fuzz_rules.c - fuzz target: sla/rules.h, loading a rules file (syntax
 * and PCRE2 patterns) and evaluating it on a mail
 *
 * The input is a rules file, copied to a buffer of its exact size (not
 * NUL-terminated). Checked: GC_ECONFIG comes with a diagnostic and no
 * rules; loaded rules are listed by rules_get() within RULES_MAX_RULES;
 * evaluating them on two fixed mails (one with hostile text: invalid
 * UTF-8, a long run for backtracking patterns) gives a result within its
 * limits whose priority and queue name the rule that set them, and the
 * same result twice. Patterns are under PCRE2 match limits, so a slow
 * pattern is a finding too (-timeout).
 * Seeds: tests/fuzz/corpus/rules/; dictionary tests/fuzz/dict/rules.dict.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "conf/conf.h"
#include "sla/rules.h"
#include "tests/fuzz/fuzz.h"

static void
check_result(const struct rules_result *res, const struct rules *r)
{
	size_t listed = res->nmatched < RULES_MAX_MATCHED ? res->nmatched :
	    RULES_MAX_MATCHED;

	FUZZ_CHECK(res->ntags <= RULES_MAX_TAGS, "%zu tags", res->ntags);
	for (size_t i = 0; i < res->ntags; i++) {
		FUZZ_CHECK(res->tags[i] != NULL, "tag %zu NULL", i);
		fuzz_touch(res->tags[i], strlen(res->tags[i]));
	}
	FUZZ_CHECK(res->nmatched <= rules_count(r), "%zu matched of %zu",
	    res->nmatched, rules_count(r));
	for (size_t i = 0; i < listed; i++)
		FUZZ_CHECK(res->matched[i].rule != NULL,
		    "matched rule %zu without a name", i);
	FUZZ_CHECK(res->priority == NULL || res->priority_by.rule != NULL,
	    "a priority without the rule that set it");
	FUZZ_CHECK(res->queue == NULL || res->queue_by.rule != NULL,
	    "a queue without the rule that set it");
	FUZZ_CHECK(res->hold == NULL || res->hold_by.rule != NULL,
	    "a hold without the rule that set it");
	FUZZ_CHECK(res->priority != NULL || res->queue != NULL ||
	    res->ntags > 0 || res->hold != NULL || res->nmatched == 0,
	    "a rule matched but set nothing");
	if (res->nlimited > 0)
		FUZZ_CHECK(res->limited_by.rule != NULL,
		    "a limited match without its rule");
}

static int
fuzz_rules(const uint8_t *data, size_t len)
{
	static const char *const to[] = { "support@example.com",
	    "ops@example.com" };
	static const struct rules_header hdr[] = {
		{ "X-Priority", "1 (Highest)" },
		{ "Subject", "Panne \xc3\xa9lectrique" },
		{ "X-Env", "prod" },
	};
	char hostile[4096];
	struct rules_input mails[2] = {
		{ "URGENT: production down \xe2\x80\x94 panne g\xc3\xa9n\xc3"
		  "\xa9rale [SUP-2026-000042]",
		  "Bonjour,\nle site est indisponible depuis 10h.\n-- \nJean",
		  "client@example.org", to, 2, to, 1, hdr, 3 },
		{ "\xff\xfe", hostile, "", NULL, 0, NULL, 0, NULL, 0 },
	};
	struct conf_diag diag = { 0 };
	struct rules *r = (struct rules *)&diag;  /* NULL or rules */
	struct rules_result res, again;
	struct rules_info info;
	char *text = malloc(len ? len : 1);
	int rc;

	if (text == NULL)
		abort();
	if (len > 0)
		memcpy(text, data, len);
	memset(hostile, 'a', sizeof(hostile) - 1);
	memcpy(hostile + 100, "\xc3\x28\xe2\x82\n\x00", 6);
	hostile[sizeof(hostile) - 2] = '!';
	hostile[sizeof(hostile) - 1] = '\0';

	rc = rules_load(&r, "fuzz.rules", text, len, &diag);
	free(text);
	if (rc != 0) {
		FUZZ_CHECK(rc == GC_ECONFIG, "rules_load returned %d", rc);
		FUZZ_CHECK(r == NULL, "rules_load failed but set *out");
		FUZZ_CHECK(diag.n > 0, "rules_load failed silently");
		conf_diag_free(&diag);
		return 0;
	}
	FUZZ_CHECK(r != NULL, "rules_load: 0 without rules");
	FUZZ_CHECK(strcmp(rules_file(r), "fuzz.rules") == 0, "file name");
	FUZZ_CHECK(rules_count(r) <= RULES_MAX_RULES, "%zu rules",
	    rules_count(r));
	for (size_t i = 0; i < rules_count(r); i++) {
		FUZZ_CHECK(rules_get(&info, r, i) == 0, "rules_get(%zu)", i);
		FUZZ_CHECK(info.name != NULL && info.line > 0,
		    "rule %zu: no name or line", i);
	}
	FUZZ_CHECK(rules_get(&info, r, rules_count(r)) == GC_ENOTFOUND,
	    "rules_get past the end");
	for (size_t m = 0; m < 2; m++) {
		FUZZ_CHECK(rules_eval(&res, r, &mails[m]) == 0, "rules_eval");
		check_result(&res, r);
		FUZZ_CHECK(rules_eval(&again, r, &mails[m]) == 0,
		    "rules_eval");
		FUZZ_CHECK(again.nmatched == res.nmatched &&
		    again.ntags == res.ntags &&
		    again.priority == res.priority &&
		    again.queue == res.queue && again.hold == res.hold,
		    "rules_eval not repeatable");
	}
	rules_free(&r);
	FUZZ_CHECK(r == NULL, "rules_free left the pointer");
	conf_diag_free(&diag);
	return 0;
}

FUZZ_TARGET(fuzz_rules)
