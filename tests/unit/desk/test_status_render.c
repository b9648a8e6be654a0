/*
 * test_status_render.c - the status page's files made from rows: the
 * state of each component, escaping of what agents and operators wrote,
 * the feed's order and ids, the JSON's fields
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "desk/status_render.h"

#define T0 1795000000   /* 2026-11-18 */

static char *comps[] = { "api", "web", "mail" };
static struct conf_status cs = {
	.dir = "/nowhere", .title = "Status <&> \"here\"",
	.base_url = "https://status.example.com//",
	.components = { comps, 3 },
};

static struct status_incident inc[] = {
	{ 1, 10, "Errors <script>alert(1)</script>", "api", T0 + 7200,
	  T0, 0 },
	{ 2, 11, "Old one", "", 0, T0 - 86400, T0 - 80000 },
};
static struct status_maint mnt[] = {
	{ 1, "DB work", "mail", T0 - 60, T0 + 3600, T0 - 600, 0 },
	{ 2, "Later", "web", T0 + 86400, T0 + 90000, T0 - 600, 0 },
};
static struct status_post posts[] = {
	{ 1, "incident_opened", 2, 0, "Old one", 0, T0 - 86400 },
	{ 2, "incident_resolved", 2, 0, "Fixed", 0, T0 - 80000 },
	{ 3, "incident_opened", 1, 0, "Errors", 0, T0 },
	{ 4, "incident_update", 1, 0, "a\x01" "b </content> & ]]>", T0 + 7200,
	  T0 + 60 },
	{ 5, "maintenance", 0, 2, "From then", 0, T0 + 120 },
};

static struct status_rows rows(void)
{
	struct status_rows r = { 0 };

	r.inc = inc;
	r.ninc = 2;
	r.mnt = mnt;
	r.nmnt = 2;
	r.posts = posts;
	r.nposts = 5;
	return r;
}

static void
test_states(void **state)
{
	struct status_rows r = rows();

	(void)state;
	assert_string_equal(status_component_state(&r, "api", T0 + 1),
	    "incident");
	assert_string_equal(status_component_state(&r, "mail", T0 + 1),
	    "maintenance");
	assert_string_equal(status_component_state(&r, "mail", T0 + 3600),
	    "operational");
	assert_string_equal(status_component_state(&r, "web", T0 + 1),
	    "operational");
	assert_true(status_touches("", "x"));
	assert_true(status_touches("api,web", "WEB"));
	assert_false(status_touches("api,webx", "web"));
	assert_false(status_touches("apiweb", "api"));
}

static void
test_html_escapes(void **state)
{
	struct status_rows r = rows();
	struct buf b = BUF_INIT(1 << 20);

	(void)state;
	assert_int_equal(status_render_html(&b, &cs, &r, T0 + 1), 0);
	assert_null(strstr(buf_str(&b), "<script"));
	assert_non_null(strstr(buf_str(&b), "Errors &lt;script&gt;alert(1)"
	    "&lt;/script&gt;"));
	assert_non_null(strstr(buf_str(&b), "Status &lt;&amp;&gt; "
	    "&quot;here&quot;"));
	assert_null(strstr(buf_str(&b), "\x01"));
	assert_non_null(strstr(buf_str(&b), "data-component=\"api\" "
	    "data-state=\"incident\""));
	/* nothing the browser would fetch */
	assert_null(strstr(buf_str(&b), "src="));
	assert_null(strstr(buf_str(&b), "http://"));
	assert_null(strstr(buf_str(&b), "@import"));
	buf_free(&b);
}

static void
test_atom_order_and_ids(void **state)
{
	struct status_rows r = rows();
	struct buf b = BUF_INIT(1 << 20);
	const char *s, *p4, *p1;

	(void)state;
	assert_int_equal(status_render_atom(&b, &cs, &r, T0 + 1), 0);
	s = buf_str(&b);
	assert_non_null(strstr(s, "<id>https://status.example.com/feed.atom"
	    "</id>"));
	p4 = strstr(s, "feed.atom#post-4</id>");
	p1 = strstr(s, "feed.atom#post-1</id>");
	assert_true(p4 != NULL && p1 != NULL && p4 < p1);
	assert_non_null(strstr(s, "ab &lt;/content&gt; &amp; ]]&gt;"));
	assert_non_null(strstr(s, "<updated>2026-11-18T"));
	buf_free(&b);
}

static void
test_json(void **state)
{
	struct status_rows r = rows();
	struct buf b = BUF_INIT(1 << 20);
	json_error_t e;
	json_t *doc, *i0;

	(void)state;
	assert_int_equal(status_render_json(&b, &cs, &r, T0 + 1), 0);
	doc = json_loads(buf_str(&b), 0, &e);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "state")),
	    "incident");
	i0 = json_array_get(json_object_get(doc, "incidents"), 0);
	assert_string_equal(json_string_value(json_object_get(i0, "title")),
	    "Errors <script>alert(1)</script>");
	assert_int_equal(json_array_size(json_object_get(i0, "updates")), 2);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(json_object_get(doc, "maintenance"), 0), "state")),
	    "in_progress");
	json_decref(doc);
	buf_free(&b);
}

static void
test_cap(void **state)
{
	struct status_rows r = rows();
	struct buf b = BUF_INIT(100);

	(void)state;
	assert_int_equal(status_render_html(&b, &cs, &r, T0), GC_ELIMIT);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_html_escapes),
		cmocka_unit_test(test_atom_order_and_ids),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
