/*
 * test_history.c - exports of other help desks (parsers/history.c)
 *
 * The old numbers found in subjects of answers to old threads, the dates
 * each tool writes (worked out by hand: 2024-01-15T09:30:00Z is
 * 1705311000), RT's tab-separated download and numeric priorities, and
 * a ticket spread over rows that disagree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "parsers/history.h"

#define T0 1705311000LL     /* 2024-01-15T09:30:00Z */
#define NOW 1795683600LL    /* 2026-11-26T09:00:00Z */

static int
collect(const char *prefix, const char *ref, void *arg)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 256 - n, "%s(%s)%s;", prefix, ref,
	    strcmp(ref, "STOP") == 0 ? "!" : "");
	return strcmp(ref, "STOP") == 0;
}

static void
test_subject_refs(void **state)
{
	static const struct {
		const char *subject, *want;
	} cases[] = {
		{ "Re: [example.com #1234] VPN", "example.com(1234);" },
		{ "RE: [RT #42]", "RT(42);" },
		{ "AW: [Ticket#20240115100012] Facture",
		    "Ticket(20240115100012);" },
		{ "Re: [#123456] Cannot print", "(123456);" },
		{ "[ #7]", "(7);" },
		{ "[#7 ]", "" },
		{ "[SUP-2026-000001] no hash", "" },
		{ "[a #1] [b #2]", "a(1);b(2);" },
		{ "[a #STOP] [b #2]", "a(STOP)!;" },
		{ "[#] [# ] [#a b] [#x;y]", "" },
		{ "[[RT #5]", "RT(5);" },
		{ "[RT #5", "" },
		{ "", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char got[256] = "";

		history_subject_refs(cases[i].subject, collect, got);
		assert_string_equal(got, cases[i].want);
	}
}

static struct history *
parse(enum history_format f, const char *text, int want_rc)
{
	struct history *h = NULL;
	struct gc_err err = { 0 };

	assert_int_equal(history_parse(&h, f, "x.csv", text, strlen(text),
	    NOW, &err), want_rc);
	return h;
}

static void
test_dates_of_each_tool(void **state)
{
	static const char *const dates[] = {
		"2024-01-15 09:30:00", "2024-01-15T09:30:00Z",
		"2024-01-15T10:30:00+01:00", "2024-01-15 09:30:00 UTC",
		"2024-01-15T09:30:00.123Z", "2024-01-15 04:30 -0500",
		"1/15/2024 9:30 am", "01/15/2024 09:30",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(dates) / sizeof(*dates); i++) {
		char text[512];
		struct history *h;

		snprintf(text, sizeof(text), "ref,subject,status,requester,"
		    "created_at,message_text\n1,s,open,a@b.example,%s,t\n",
		    dates[i]);
		h = parse(HISTORY_GENERIC, text, 0);
		assert_int_equal(h->nproblems, 0);
		assert_int_equal(h->tickets[0].created, T0);
		history_free(&h);
		assert_null(h);
	}
}

static void
test_rt_tabs_and_priorities(void **state)
{
	struct history *h;

	(void)state;
	h = parse(HISTORY_RT, "id\tSubject\tStatus\tPriority\tRequestors\t"
	    "Created\tContent\n"
	    "1\ta, b\tstalled\t90\tA <A@B.example>\t2024-01-15 09:30:00\tx\n"
	    "2\tc\tnew\t40\tc@d.example, e@f.example\t2024-01-15 09:30:00\t"
	    "y\n"
	    "3\td\topen\tLow\tc@d.example\t2024-01-15 09:30:00\tz\n", 0);
	assert_int_equal(h->nproblems, 0);
	assert_int_equal(h->ntickets, 3);
	assert_string_equal(h->tickets[0].subject, "a, b");
	assert_string_equal(h->tickets[0].status, "pending");
	assert_string_equal(h->tickets[0].priority, "P1");
	assert_string_equal(h->tickets[0].requester, "a@b.example");
	assert_string_equal(h->tickets[0].requester_name, "A");
	assert_string_equal(h->tickets[1].priority, "P2");
	assert_string_equal(h->tickets[1].requester, "c@d.example");
	assert_string_equal(h->tickets[2].priority, "P3");
	history_free(&h);
}

static void
test_rows_that_disagree(void **state)
{
	struct history *h;

	(void)state;
	h = parse(HISTORY_GENERIC, "ref,subject,status,requester,created_at,"
	    "message_text\n"
	    "1,s,open,a@b.example,2024-01-15 09:30:00,one\n"
	    "1,s,closed,a@b.example,2024-01-15 09:30:00,two\n"
	    "2,s,open,a@b.example,2024-01-15 09:30:00,x\n"
	    "2,s,open,a@b.example,2024-01-15 09:30:00,x\n", 0);
	assert_int_equal(h->nproblems, 2);
	assert_string_equal(h->problems[0], "x.csv:3: ticket 1: status "
	    "\"closed\" differs from \"open\" on line 2 (two tickets with one "
	    "number?)");
	assert_string_equal(h->problems[1], "x.csv:5: ticket 2: the same "
	    "message as on line 4");
	assert_true(h->tickets[0].bad && h->tickets[1].bad);
	assert_int_equal(h->bad_rows, 2);
	history_free(&h);
	h = parse(HISTORY_ZAMMAD, "ref;subject\n1;2\n", GC_EPARSE);
	assert_string_equal(h->problems[0], "x.csv:1: no column \"number\": "
	    "not a zammad export (the file must be separated by commas, not "
	    "semicolons or bars)");
	history_free(&h);
	h = parse(HISTORY_OSTICKET, "", GC_EPARSE);
	history_free(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subject_refs),
		cmocka_unit_test(test_dates_of_each_tool),
		cmocka_unit_test(test_rt_tabs_and_priorities),
		cmocka_unit_test(test_rows_that_disagree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
