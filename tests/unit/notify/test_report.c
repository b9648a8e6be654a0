/*
 * test_report.c - unit tests of the report's renderers (notify/report*.c)
 *
 * A fixed model renders to text, CSV, HTML and JSON: the figures are
 * where a reader looks for them, the chart has a bar of tickets and one
 * of breaches per week with heights in proportion, a subject from mail
 * is text in every format (escaped in HTML, a formula disarmed in CSV,
 * controls gone in text, invalid UTF-8 not a crash in JSON), a model
 * without any ticket divides nothing by zero, and the words follow the
 * organisation's language.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "common/err.h"
#include "notify/report.h"

#define HOSTILE "<script>alert(1)</script>\"'&<img src=x>\r\n\x1b[31m"

static const struct report_breach breaches[] = {
	{ "SUP-2026-000001", HOSTILE, "P1", "acknowledge", 1790000000, 5400,
	  true },
	{ "SUP-2026-000002", "=HYPERLINK(\"http://evil.example\")", "P2",
	  "resolve", 1790100000, 90000, false },
	{ "SUP-2026-000003", "+1;-1", "P3", "resolve", 1790200000, 60,
	  false },
	{ "SUP-2026-000004", "@SUM(A1)", "P3", "resolve", 1790300000, 60,
	  false },
	{ "SUP-2026-000005", "bad \xff\xfe utf-8", "P3", "resolve",
	  1790400000, 60, false },
};

static const struct report_incident incidents[] = {
	{ "SUP-2026-000001", HOSTILE, 1790000000, 1790050000, "sent" },
	{ "SUP-2026-000009", "Down", 1790000000, 0, "none" },
};

static void
model(struct report *r, bool empty)
{
	static const char *const labels[] = { "2026-10-01", "2026-10-05",
		"2026-10-12", "2026-10-19", "2026-10-26" };

	memset(r, 0, sizeof(*r));
	r->kind = REPORT_MONTHLY;
	r->organisation = "acme <&>";
	r->plan = "Pro";
	r->language = "en";
	r->period = "2026-10";
	r->time_zone = "Europe/Paris";
	r->start = 1790805600;
	r->end = 1793487600;
	r->as_of = r->end;
	r->generated_at = r->end + 86400;
	r->npriorities = 3;
	r->priorities[0] = (struct report_priority){ "P1", 2, 1, 1 };
	r->priorities[1] = (struct report_priority){ "P2", 5, 4, 1 };
	r->priorities[2] = (struct report_priority){ "P3", 7, 7, 0 };
	r->ntimers = 2;
	r->timers[0] = (struct report_timer){ "acknowledge", 3, 1, 0 };
	r->timers[1] = (struct report_timer){ "resolve", 0, 0, 0 };
	r->acknowledge = (struct report_duration){ 4, 1800, 1200, 5000 };
	r->resolve = (struct report_duration){ 0, -1, -1, -1 };
	r->ncalendars = 1;
	r->calendars[0] = (struct report_calendar){ "business",
		"mon-fri 09:00-18:00", "Europe/Paris" };
	r->breaches = breaches;
	r->nbreaches = 5;
	r->breaches_total = 7;
	r->incidents = incidents;
	r->nincidents = 2;
	r->incidents_total = 2;
	r->nweeks = 5;
	for (size_t i = 0; i < 5; i++) {
		r->weeks[i].label = labels[i];
		r->weeks[i].start = r->start + (time_t)i * 7 * 86400;
		r->weeks[i].opened = (long long)i * 2;
		r->weeks[i].breached = i == 2 ? 1 : 0;
	}
	if (empty) {
		for (size_t i = 0; i < 3; i++)
			r->priorities[i].opened = r->priorities[i].resolved =
			    r->priorities[i].open = 0;
		r->timers[0] = (struct report_timer){ "acknowledge", 0, 0, 0 };
		r->acknowledge = r->resolve;
		r->nbreaches = r->nincidents = 0;
		r->breaches_total = r->incidents_total = 0;
		r->ncalendars = 0;
		for (size_t i = 0; i < 5; i++)
			r->weeks[i].opened = r->weeks[i].breached = 0;
	}
}

static char *
render(const struct report *r, enum report_format f)
{
	struct buf b = BUF_INIT(1 << 20);

	assert_int_equal(report_render(&b, r, f), 0);
	return buf_detach(&b, NULL);
}

static size_t
count(const char *h, const char *needle)
{
	size_t n = 0;

	for (const char *p = h; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void
test_html(void **state)
{
	struct report r;
	char *h;

	(void)state;
	model(&r, false);
	h = render(&r, REPORT_HTML);
	assert_non_null(strstr(h, "<!DOCTYPE html>\n<html lang=\"en\">"));
	assert_non_null(strstr(h, "<title>Monthly report 2026-10 - acme "
	    "&lt;&amp;&gt;</title>"));
	/* mail's text never becomes markup, and the page names no URL */
	assert_null(strstr(h, "<script"));
	assert_null(strstr(h, "<img"));
	assert_non_null(strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt;"
	    "&quot;&#39;&amp;&lt;img src=x&gt;"));
	assert_non_null(strstr(h, "<td class=\"subject\">=HYPERLINK(&quot;"
	    "http://evil.example&quot;)</td>"));
	assert_null(strstr(h, "src=\""));
	assert_null(strstr(h, "href="));
	assert_null(strstr(h, "<a "));
	/* figures */
	assert_non_null(strstr(h, "<tr data-priority=\"P2\"><th>P2</th>"
	    "<td class=\"n opened\" data-value=\"5\">5</td>"));
	assert_non_null(strstr(h, "<tr class=\"total\"><th>Total</th>"
	    "<td class=\"n opened\" data-value=\"14\">14</td>"));
	assert_non_null(strstr(h, "<td class=\"n met\" data-value=\"3\">3 "
	    "<small>(75.0 %)</small>"));
	assert_non_null(strstr(h, "data-seconds=\"1200\">20 min</td>"));
	assert_non_null(strstr(h, "business time: calendar business "
	    "(mon-fri 09:00-18:00, Europe/Paris)."));
	assert_non_null(strstr(h, "<p class=\"more\">and 2 more</p>"));
	/* the chart: a group per week, two bars each, the highest week
	 * (8 tickets) the full plot height */
	assert_int_equal(count(h, "<g class=\"week\""), 5);
	assert_int_equal(count(h, "<rect class=\"tickets\""), 5);
	assert_int_equal(count(h, "<rect class=\"breaches\""), 5);
	assert_non_null(strstr(h, "<rect class=\"tickets\" data-value=\"8\" "
	    "x=\"525.2\" y=\"16.0\" width=\"40.9\" height=\"180.0\"/>"));
	assert_non_null(strstr(h, "<rect class=\"tickets\" data-value=\"4\" "
	    "x=\"291.6\" y=\"106.0\" width=\"40.9\" height=\"90.0\"/>"));
	assert_null(strstr(h, "<table id=\"trend\">"));
	free(h);
}

static void
test_html_part_and_quarter(void **state)
{
	struct buf b = BUF_INIT(1 << 20);
	struct report r;

	(void)state;
	model(&r, false);
	r.kind = REPORT_QUARTERLY;
	r.period = "2026-Q4";
	r.nmonths = 1;
	r.months[0] = (struct report_bucket){ 0, "2026-10", 3, 2, 1, 3 };
	assert_int_equal(report_render_html_part(&b, &r), 0);
	assert_true(strncmp(buf_str(&b), "<div class=\"report\"><style>", 27)
	    == 0);
	assert_null(strstr(buf_str(&b), "<html"));
	assert_non_null(strstr(buf_str(&b), "<h1>Quarterly review 2026-Q4"));
	assert_non_null(strstr(buf_str(&b), "<tr data-month=\"2026-10\">"));
	assert_non_null(strstr(buf_str(&b), "class=\"n compliance\">75.0 %"));
	buf_free(&b);
}

static void
test_csv(void **state)
{
	struct report r;
	char *c;

	(void)state;
	model(&r, false);
	c = render(&r, REPORT_CSV);
	assert_non_null(strstr(c, "tickets,P2,5,4,1\r\n"));
	assert_non_null(strstr(c, "sla,acknowledge,3,1,0\r\n"));
	assert_non_null(strstr(c, "times,resolve,0,,,\r\n"));
	/* formulas start with an apostrophe, inside quotes */
	assert_non_null(strstr(c, ",\"'=HYPERLINK(\"\"http://evil.example"
	    "\"\")\"\r\n"));
	assert_non_null(strstr(c, ",\"'+1;-1\"\r\n"));
	assert_non_null(strstr(c, ",\"'@SUM(A1)\"\r\n"));
	/* a quote is doubled, a line break stays inside its quoted cell, an
	 * escape character is a space */
	assert_non_null(strstr(c, ",\"<script>alert(1)</script>\"\"'&<img "
	    "src=x>\r\n [31m\"\r\n"));
	assert_non_null(strstr(c, "week,2026-10-12,4,0,1,0\r\n"));
	free(c);
}

static void
test_text(void **state)
{
	struct report r;
	char *t;

	(void)state;
	model(&r, false);
	t = render(&r, REPORT_TEXT);
	assert_true(strncmp(t, "Monthly report 2026-10 - acme <&>\n", 34) ==
	    0);
	assert_non_null(strstr(t, "Acknowledge: Met 3 (75.0 %), Breached 1 "
	    "(25.0 %), Running 0 (0.0 %)\n"));
	assert_non_null(strstr(t, "Resolve: Met 0 (-), Breached 0 (-)"));
	assert_non_null(strstr(t, "Time to resolve: Measured 0, Mean -, "
	    "Median -, 90th percentile -\n"));
	assert_non_null(strstr(t, "Time to acknowledge: Measured 4, Mean "
	    "30 min, Median 20 min, 90th percentile 1 h 23\n"));
	assert_non_null(strstr(t, "Late by 1 d 1 h (still not met)"));
	assert_null(strchr(t, '\x1b'));
	assert_null(strchr(t, '\r'));
	free(t);
}

static void
test_json(void **state)
{
	struct report r;
	json_error_t je;
	json_t *j;
	char *s;

	(void)state;
	model(&r, false);
	s = render(&r, REPORT_JSON);
	j = json_loads(s, 0, &je);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "start")),
	    "2026-09-30T22:00:00Z");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    j, "tickets"), "opened")), 14);
	assert_true(json_real_value(json_object_get(json_object_get(
	    json_object_get(j, "sla"), "acknowledge"), "met_percent")) ==
	    75.0);
	assert_true(json_is_null(json_object_get(json_object_get(
	    json_object_get(j, "sla"), "resolve"), "met_percent")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "breaches"), 0), "subject")), HOSTILE);
	/* invalid UTF-8 from a mail: null, the rest of the document intact */
	assert_true(json_is_null(json_object_get(json_array_get(
	    json_object_get(j, "breaches"), 4), "subject")));
	assert_int_equal(json_array_size(json_object_get(j, "weeks")), 5);
	assert_null(json_object_get(j, "months"));
	json_decref(j);
	free(s);
}

static void
test_empty_and_french(void **state)
{
	struct report r;
	char *h, *t;

	(void)state;
	model(&r, true);
	r.language = "fr";
	h = render(&r, REPORT_HTML);
	assert_non_null(strstr(h, "<html lang=\"fr\">"));
	assert_non_null(strstr(h, "<p id=\"empty\" class=\"empty\">Aucun "
	    "ticket sur cette p\xc3\xa9riode.</p>"));
	assert_non_null(strstr(h, "<small>(-)</small>"));
	assert_non_null(strstr(h, "id=\"no-breach\""));
	assert_non_null(strstr(h, "Les dur\xc3\xa9""es sont en temps "
	    "\xc3\xa9""coul\xc3\xa9."));
	/* bars of height 0, still one per week */
	assert_int_equal(count(h, "<rect class=\"tickets\""), 5);
	assert_int_equal(count(h, "height=\"0.0\""), 10);
	assert_null(strstr(h, "nan"));
	assert_null(strstr(h, "inf"));
	t = render(&r, REPORT_TEXT);
	assert_non_null(strstr(t, "Rapport mensuel 2026-10"));
	assert_non_null(strstr(t, "Prise en compte: Respect\xc3\xa9s 0 (-), "
	    "D\xc3\xa9pass\xc3\xa9s 0 (-), En cours 0 (-)\n"));
	free(h);
	free(t);
}

static void
test_limits(void **state)
{
	struct buf b = BUF_INIT(100);
	enum report_format f;
	struct report r;

	(void)state;
	model(&r, false);
	for (int i = 0; i < 4; i++) {
		buf_reset(&b);
		assert_int_equal(report_render(&b, &r, (enum report_format)i),
		    GC_ELIMIT);
	}
	buf_free(&b);
	assert_int_equal(report_format_parse(&f, "csv"), 0);
	assert_int_equal(f, REPORT_CSV);
	assert_int_equal(report_format_parse(&f, "CSV"), GC_EINVAL);
	assert_int_equal(report_format_parse(&f, ""), GC_EINVAL);
	assert_int_equal(report_format_parse(&f, "html "), GC_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_html_part_and_quarter),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_empty_and_french),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
