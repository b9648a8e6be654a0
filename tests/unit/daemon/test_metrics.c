/*
 * test_metrics.c - the text of /metrics and the verdict of /healthz
 *
 * The registry is fed as the serve loop feeds it; the text is checked
 * line by line (counters by mailbox and outcome, cumulative histogram
 * buckets, label values escaped, the database's figures only once read),
 * and /healthz for each cause of a 503 and for a mailbox held by another
 * daemon (which is not a failure of this one).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/metrics.h"
#include "daemon/procself.h"

#define T0 1780000000

static bool
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static void
assert_line(const char *text, const char *line)
{
	if (!has_line(text, line))
		fail_msg("missing line \"%s\" in:\n%s", line, text);
}

static void
test_counters(void **state)
{
	const char *names[] = { "support", "we\"ird\\box\n" };
	unsigned long long o[METRICS_NOUTCOMES] = { 3, 1, 0, 2, 1, 4, 7 };
	struct metrics *m;
	char *t;

	(void)state;
	metrics_new(&m, T0);
	metrics_set_mailboxes(m, names, 2, T0);
	metrics_mailbox_pass(m, "support", o, true, false, T0 + 5);
	metrics_mailbox_pass(m, "support", o, true, false, T0 + 9);
	metrics_mailbox_pass(m, "unknown", o, true, false, T0 + 9);
	metrics_send_failures(m, 2, 1, 0);
	metrics_send_failures(m, 1, 0, 3);
	metrics_sla(m, 4, 2, 1, 3, 5);
	metrics_db_round_trips(m, 100);
	metrics_db_round_trips(m, 150);
	metrics_db_round_trips(m, 20);    /* a new connection */
	metrics_db_up(m, true);
	metrics_observe_intake(m, 0.2, 3);
	metrics_observe_intake(m, 7, 1);
	metrics_observe_intake(m, 5000, 1);
	metrics_observe_pass(m, 0.031, 0.012, T0);
	metrics_observe_pass(m, 0.16, 0.0305, T0 + 5);
	t = metrics_format(m, T0 + 10);
	assert_line(t, "# TYPE guichet_mails_ingested_total counter");
	assert_line(t, "guichet_mails_ingested_total{mailbox=\"support\","
	    "outcome=\"ticket\"} 6");
	assert_line(t, "guichet_mails_ingested_total{mailbox=\"support\","
	    "outcome=\"loop_suppressed\"} 2");
	assert_line(t, "guichet_mails_ingested_total{mailbox=\"support\","
	    "outcome=\"bounce\"} 8");
	assert_line(t, "guichet_mails_ingested_total{mailbox=\"support\","
	    "outcome=\"held\"} 14");
	assert_line(t, "guichet_mails_ingested_total{mailbox=\"we\\\"ird"
	    "\\\\box\\n\",outcome=\"ticket\"} 0");
	assert_null(strstr(t, "unknown"));
	assert_line(t, "guichet_mailbox_last_poll_success_timestamp_seconds"
	    "{mailbox=\"support\"} 1780000009");
	assert_line(t, "guichet_send_failures_total{kind=\"temporary\"} 3");
	assert_line(t, "guichet_send_failures_total{kind=\"dead\"} 3");
	assert_line(t, "guichet_sla_warnings_total 4");
	assert_line(t, "guichet_sla_breaches_total 2");
	assert_line(t, "guichet_escalation_summaries_total 3");
	assert_line(t, "guichet_ratings_told_total 5");
	assert_line(t, "guichet_db_round_trips_total 170");
	assert_line(t, "guichet_db_up 1");
	/* cumulative buckets; 5000 s only in +Inf */
	assert_line(t, "guichet_intake_latency_seconds_bucket{le=\"0.1\"} 0");
	assert_line(t, "guichet_intake_latency_seconds_bucket{le=\"0.25\"} 3");
	assert_line(t, "guichet_intake_latency_seconds_bucket{le=\"10\"} 4");
	assert_line(t, "guichet_intake_latency_seconds_bucket{le=\"900\"} 4");
	assert_line(t, "guichet_intake_latency_seconds_bucket{le=\"+Inf\"} 5");
	assert_line(t, "guichet_intake_latency_seconds_count 5");
	assert_line(t, "guichet_intake_latency_seconds_sum 5007.600000");
	assert_line(t, "guichet_ack_latency_seconds_count 0");
	assert_line(t, "# TYPE guichet_scheduler_pass_seconds histogram");
	assert_line(t, "guichet_scheduler_pass_seconds_bucket{le=\"0.05\"} 1");
	assert_line(t, "guichet_scheduler_pass_seconds_bucket{le=\"0.25\"} 2");
	assert_line(t, "guichet_scheduler_pass_seconds_count 2");
	assert_line(t, "guichet_scheduler_pass_seconds_sum 0.191000");
	assert_line(t, "# TYPE guichet_scheduler_pass_cpu_seconds_total "
	    "counter");
	assert_line(t, "guichet_scheduler_pass_cpu_seconds_total 0.042500");
	assert_line(t, "# TYPE guichet_scheduler_last_pass_timestamp_seconds "
	    "gauge");
	assert_line(t, "guichet_scheduler_last_pass_timestamp_seconds "
	    "1780000005");
	/* the process not read yet: no process_* figures */
	assert_null(strstr(t, "process_"));
	/* not read from the database yet: not shown rather than 0 */
	assert_null(strstr(t, "guichet_open_tickets"));
	assert_null(strstr(t, "guichet_outbox_pending"));
	/* no LMTP listener: no LMTP figures */
	assert_null(strstr(t, "guichet_lmtp"));
	/* no connection told what its commits rest on yet */
	assert_null(strstr(t, "guichet_db_durable"));
	free(t);
	metrics_db_durable(m, false);
	t = metrics_format(m, T0 + 10);
	assert_line(t, "# TYPE guichet_db_durable gauge");
	assert_line(t, "guichet_db_durable 0");
	free(t);
	metrics_db_durable(m, true);
	t = metrics_format(m, T0 + 10);
	assert_line(t, "guichet_db_durable 1");
	free(t);
	{
		struct metrics_lmtp f = { .on = true, .stored = 7,
			.tempfail = 2, .too_big = 1, .refused = 3,
			.sessions = 4 };

		metrics_lmtp(m, &f);
		t = metrics_format(m, T0 + 10);
		assert_line(t, "guichet_lmtp_answers_total{answer=\"stored\"} "
		    "7");
		assert_line(t, "guichet_lmtp_answers_total{answer="
		    "\"tempfail\"} 2");
		assert_line(t, "guichet_lmtp_answers_total{answer=\"too_big\"}"
		    " 1");
		assert_line(t, "guichet_lmtp_connections_refused_total 3");
		assert_line(t, "guichet_lmtp_sessions 4");
		free(t);
	}
	metrics_free(&m);
	assert_null(m);
}

static void
test_db_figures(void **state)
{
	struct metrics_db_tickets rows[2] = {
		{ "P1", "open", "support", 3 },
		{ "P3", "new", "sa\"les", 12 },
	};
	struct metrics *m;
	char *t;

	(void)state;
	metrics_new(&m, T0);
	metrics_set_db_figures(m, rows, 2, 5, T0 + 40, T0 + 50);
	t = metrics_format(m, T0 + 100);
	assert_line(t, "guichet_open_tickets{priority=\"P1\",status=\"open\","
	    "queue=\"support\"} 3");
	assert_line(t, "guichet_open_tickets{priority=\"P3\",status=\"new\","
	    "queue=\"sa\\\"les\"} 12");
	assert_line(t, "guichet_outbox_pending 5");
	assert_line(t, "guichet_outbox_oldest_pending_age_seconds 60");
	assert_line(t, "guichet_db_figures_timestamp_seconds 1780000050");
	free(t);
	metrics_set_db_figures(m, NULL, 0, 0, 0, T0 + 60);
	t = metrics_format(m, T0 + 100);
	assert_line(t, "guichet_outbox_pending 0");
	assert_line(t, "guichet_outbox_oldest_pending_age_seconds 0");
	assert_null(strstr(t, "guichet_open_tickets{"));
	free(t);
	metrics_free(&m);
}

static void
test_health(void **state)
{
	const char *names[] = { "support", "sales" };
	unsigned long long o[METRICS_NOUTCOMES] = { 0 };
	struct metrics_thresholds thr = { 60, 300, 0 };
	struct metrics *m;
	char why[512];

	(void)state;
	metrics_new(&m, T0);
	metrics_set_mailboxes(m, names, 2, T0);
	/* not connected yet */
	assert_int_equal(metrics_health(m, T0, &thr, why, sizeof(why)), -1);
	assert_string_equal(why, "database unreachable\n");
	metrics_db_up(m, true);
	assert_int_equal(metrics_health(m, T0 + 60, &thr, why, sizeof(why)),
	    0);
	assert_string_equal(why, "");
	/* support polled; sales failing since the start */
	metrics_mailbox_pass(m, "support", o, true, false, T0 + 50);
	metrics_mailbox_pass(m, "sales", o, false, false, T0 + 50);
	assert_int_equal(metrics_health(m, T0 + 61, &thr, why, sizeof(why)),
	    -1);
	assert_string_equal(why, "mailbox sales not polled successfully for "
	    "61s (poll_stale_after 60s)\n");
	/* another daemon holds sales: not this one's failure */
	metrics_mailbox_pass(m, "sales", o, true, true, T0 + 70);
	assert_int_equal(metrics_health(m, T0 + 100, &thr, why, sizeof(why)),
	    0);
	/* a mailbox gone from the config is no longer looked at */
	metrics_set_mailboxes(m, names + 1, 1, T0 + 100);
	assert_int_equal(metrics_health(m, T0 + 1000, &thr, why, sizeof(why)),
	    0);
	/* the outbox: the oldest pending row past outbox_stuck_after */
	metrics_set_db_figures(m, NULL, 0, 2, T0 + 600, T0 + 1000);
	assert_int_equal(metrics_health(m, T0 + 900, &thr, why, sizeof(why)),
	    0);
	assert_int_equal(metrics_health(m, T0 + 901, &thr, why, sizeof(why)),
	    -1);
	assert_string_equal(why, "outbox stuck: 2 pending, the oldest for "
	    "301s (outbox_stuck_after 300s)\n");
	/* every reason at once, cut to the buffer without overflow */
	metrics_db_up(m, false);
	assert_int_equal(metrics_health(m, T0 + 901, &thr, why, 20), -1);
	assert_string_equal(why, "database unreachabl");
	metrics_free(&m);
}

/* The scheduler's process reports a pass every JOBS_EVERY at the latest:
 * none for pass_stale_after (since the start, or the last one) is a
 * scheduler stuck, 503; a pass reported makes it well again. */
static void
test_scheduler_stale(void **state)
{
	const struct metrics_thresholds thr = { 60, 300, 90 };
	struct metrics *m;
	char why[512];

	(void)state;
	metrics_new(&m, T0);
	metrics_db_up(m, true);
	assert_int_equal(metrics_health(m, T0 + 90, &thr, why, sizeof(why)),
	    0);
	assert_int_equal(metrics_health(m, T0 + 91, &thr, why, sizeof(why)),
	    -1);
	assert_string_equal(why, "scheduler: no pass completed for 91s "
	    "(poll_stale_after 60s after the next was due)\n");
	metrics_observe_pass(m, 0.5, 0.1, T0 + 100);
	assert_int_equal(metrics_health(m, T0 + 190, &thr, why, sizeof(why)),
	    0);
	assert_int_equal(metrics_health(m, T0 + 191, &thr, why, sizeof(why)),
	    -1);
	assert_string_equal(why, "scheduler: no pass completed for 91s "
	    "(poll_stale_after 60s after the next was due)\n");
	metrics_free(&m);
}

/* An OAuth2 credential: its counters, and a refused refresh token makes
 * /healthz 503 until a refresh goes through again. */
static void
test_oauth2(void **state)
{
	const struct metrics_thresholds thr = { 600, 1800, 0 };
	struct metrics *m;
	char why[512], *text;

	(void)state;
	metrics_new(&m, T0);
	metrics_db_up(m, true);
	metrics_oauth2(m, &(struct metrics_oauth2){ .name = "mailbox \"a\"",
	    .refused = true, .refreshes = 2, .failures = 3, .rotations = 1 });
	text = metrics_format(m, T0 + 10);
	assert_line(text, "guichet_oauth2_token_refreshes_total{credential="
	    "\"mailbox \\\"a\\\"\"} 2");
	assert_line(text, "guichet_oauth2_refresh_failures_total{credential="
	    "\"mailbox \\\"a\\\"\"} 3");
	assert_line(text, "guichet_oauth2_refresh_token_rotations_total{"
	    "credential=\"mailbox \\\"a\\\"\"} 1");
	assert_line(text, "guichet_oauth2_refresh_refused{credential="
	    "\"mailbox \\\"a\\\"\"} 1");
	free(text);
	assert_int_equal(metrics_health(m, T0 + 10, &thr, why, sizeof(why)),
	    -1);
	assert_non_null(strstr(why, "oauth2 mailbox \"a\": the provider "
	    "refuses the refresh token"));
	metrics_oauth2(m, &(struct metrics_oauth2){ .name = "mailbox \"a\"",
	    .refreshes = 3, .failures = 3, .rotations = 1 });
	assert_int_equal(metrics_health(m, T0 + 10, &thr, why, sizeof(why)),
	    0);
	text = metrics_format(m, T0 + 10);
	assert_line(text, "guichet_oauth2_refresh_refused{credential="
	    "\"mailbox \\\"a\\\"\"} 0");
	free(text);
	metrics_free(&m);
}

/* Prometheus' standard process figures, once the process is read. */
static void
test_process(void **state)
{
	struct metrics_process p = { .known = true, .cpu_seconds = 12.345,
		.start_time = 1779999000.5, .resident_bytes = 9437184,
		.virtual_bytes = 123456789, .open_fds = 17, .max_fds = 1024 };
	struct metrics *m;
	char *t;

	(void)state;
	metrics_new(&m, T0);
	metrics_set_process(m, &p);
	t = metrics_format(m, T0 + 10);
	assert_line(t, "# TYPE process_cpu_seconds_total counter");
	assert_line(t, "process_cpu_seconds_total 12.35");
	assert_line(t, "process_resident_memory_bytes 9437184");
	assert_line(t, "process_virtual_memory_bytes 123456789");
	assert_line(t, "process_open_fds 17");
	assert_line(t, "process_max_fds 1024");
	assert_line(t, "process_start_time_seconds 1779999000.50");
	free(t);
	/* what is unknown is left out, not shown as 0 */
	p.open_fds = p.max_fds = -1;
	p.start_time = 0;
	metrics_set_process(m, &p);
	t = metrics_format(m, T0 + 10);
	assert_line(t, "process_cpu_seconds_total 12.35");
	assert_null(strstr(t, "process_open_fds"));
	assert_null(strstr(t, "process_max_fds"));
	assert_null(strstr(t, "process_start_time_seconds"));
	free(t);
	p.known = false;
	metrics_set_process(m, &p);
	t = metrics_format(m, T0 + 10);
	assert_null(strstr(t, "process_"));
	free(t);
	metrics_free(&m);
}

/* A /proc/PID/stat line: its command may hold spaces and parentheses. */
static void
test_proc_stat(void **state)
{
	const char *line = "4242 (guichet (x) y) S 1 4242 4242 0 -1 4194560 "
	    "1200 0 0 0 250 75 0 0 20 0 3 0 86400 123457536 2304 "
	    "18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 "
	    "0\n";
	struct metrics_process p = { 0 };

	(void)state;
	assert_int_equal(procself_parse_stat(line, 100, 4096, 1780000000,
	    &p), 0);
	assert_true(p.known);
	assert_float_equal(p.cpu_seconds, 3.25, 1e-9);     /* 250 + 75 */
	assert_float_equal(p.start_time, 1780000864.0, 1e-6);
	assert_int_equal(p.virtual_bytes, 123457536);
	assert_int_equal(p.resident_bytes, 2304LL * 4096);
	/* no boot time: no start time */
	assert_int_equal(procself_parse_stat(line, 100, 4096, 0, &p), 0);
	assert_float_equal(p.start_time, 0, 0);
	/* cut short, garbled, or no command: refused, not half read */
	assert_int_equal(procself_parse_stat("4242 (guichet) S 1 2 3", 100,
	    4096, 1, &p), -1);
	assert_false(p.known);
	assert_int_equal(procself_parse_stat("4242 (g) S 1 4242 4242 0 -1 "
	    "4194560 1200 0 0 0 2x50 75", 100, 4096, 1, &p), -1);
	assert_int_equal(procself_parse_stat("no parenthesis", 100, 4096, 1,
	    &p), -1);
	assert_int_equal(procself_parse_stat(line, 0, 4096, 1, &p), -1);
	assert_int_equal(procself_parse_stat("", 100, 4096, 1, &p), -1);
	/* this process, read for real */
	assert_int_equal(procself_read(&p), 0);
	assert_true(p.known);
	assert_true(p.resident_bytes > 0);
	assert_true(p.open_fds >= 3);
	assert_true(p.start_time > 1e9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_oauth2),
		cmocka_unit_test(test_db_figures),
		cmocka_unit_test(test_scheduler_stale),
		cmocka_unit_test(test_health),
		cmocka_unit_test(test_process),
		cmocka_unit_test(test_proc_stat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
