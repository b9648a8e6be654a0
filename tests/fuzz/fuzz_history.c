/*
 * fuzz_history.c - fuzz target: parsers/history.h, exports of other help
 * desks and old numbers in subjects
 *
 * The first byte picks the format; the rest is the export (with a fixed
 * `now`), then, as a NUL-terminated string, a subject for
 * history_subject_refs(). Promises checked: every problem names the
 * file; a ticket without a bad row has one of our statuses, P1-P3, an
 * address with '@', a creation date not after now, and messages by a
 * customer or an agent with a text; each old number found in a subject
 * is 1..HISTORY_MAX_REF letters, digits or '-'. Seeds:
 * tests/fuzz/corpus/history/.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/history.h"
#include "tests/fuzz/fuzz.h"

#define FUZZ_NOW 1795683600     /* 2026-11-26T09:00:00Z */

static int
check_ref(const char *prefix, const char *ref, void *arg)
{
	size_t n = strlen(ref);

	(void)arg;
	FUZZ_CHECK(n >= 1 && n <= HISTORY_MAX_REF, "ref of %zu bytes", n);
	FUZZ_CHECK(strspn(ref, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP"
	    "QRSTUVWXYZ0123456789-") == n, "ref \"%s\"", ref);
	FUZZ_CHECK(strlen(prefix) <= 64, "prefix too long");
	return 0;
}

static bool
one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

static int
fuzz_history(const uint8_t *data, size_t len)
{
	static const char *const statuses[] = { "new", "open", "pending",
		"resolved", "closed", NULL };
	static const char *const prios[] = { "P1", "P2", "P3", NULL };
	static const char *const authors[] = { "customer", "agent", NULL };
	struct gc_err err = { 0 };
	struct history *h = NULL;
	char *copy;

	if (len < 1)
		return 0;
	copy = malloc(len);
	if (copy == NULL)
		abort();
	memcpy(copy, data + 1, len - 1);
	copy[len - 1] = '\0';
	(void)history_parse(&h, (enum history_format)(data[0] % 4),
	    "x.csv", copy, len - 1, FUZZ_NOW, &err);
	FUZZ_CHECK(h != NULL, "no result");
	for (size_t i = 0; i < h->nproblems && i < 1000; i++)
		FUZZ_CHECK(strncmp(h->problems[i], "x.csv:", 6) == 0,
		    "problem without the file: %s", h->problems[i]);
	for (size_t i = 0; i < h->ntickets; i++) {
		const struct history_ticket *t = &h->tickets[i];

		if (t->bad)
			continue;
		FUZZ_CHECK(one_of(t->status, statuses), "status");
		FUZZ_CHECK(one_of(t->priority, prios), "priority");
		FUZZ_CHECK(strchr(t->requester, '@') != NULL, "requester");
		FUZZ_CHECK(t->created > 0 && t->created <= FUZZ_NOW,
		    "created");
		for (size_t k = 0; k < t->nmessages; k++) {
			FUZZ_CHECK(one_of(t->messages[k].author, authors),
			    "author");
			FUZZ_CHECK(t->messages[k].text != NULL, "text");
			FUZZ_CHECK(t->messages[k].date <= FUZZ_NOW, "date");
		}
	}
	history_free(&h);
	history_subject_refs(copy, check_ref, NULL);
	free(copy);
	return 0;
}

FUZZ_TARGET(fuzz_history)
