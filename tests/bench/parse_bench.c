/*
 * parse_bench.c - parse throughput of Guichet's mail parser
 * (parsers/mime.h) over a list of mails: a benchmark, not a test
 *
 * Usage: parse_bench [-r RUNS] [-n ROUNDS] LISTFILE (see bench.h)
 *
 * Every mail is read into memory first; then each run parses the whole
 * list ROUNDS times, and only that is timed. The walk is the one the
 * GMime and Python programs do: mail_parse() itself decodes the header
 * fields (subject, addresses), decodes every part's transfer encoding and
 * builds the body text in UTF-8; this program then reads the subject and
 * the From/To/Cc names, touches every part's bytes, and converts to UTF-8
 * the text parts that did not make the body (charset_convert()), since
 * the others convert every text part. Everything read is summed into a
 * sink so that nothing can be skipped. A mail that mail_parse() refuses
 * counts as failed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/mem.h"
#include "parsers/charset.h"
#include "parsers/mime.h"
#include "tests/bench/bench.h"

static volatile unsigned long sink;

static unsigned long
sum(const void *p, size_t len)
{
	const unsigned char *s = p;
	unsigned long h = 0;

	for (size_t i = 0; i < len; i++)
		h += s[i];
	return h;
}

static unsigned long
sum_str(const char *s)
{
	return s != NULL ? sum(s, strlen(s)) : 0;
}

static unsigned long
walk(const struct mail *m, struct buf *conv)
{
	unsigned long h = sum_str(m->subject) + sum_str(m->text);
	size_t i;
	bool unknown = false;

	h += sum_str(m->from.name) + sum_str(m->from.addr);
	for (i = 0; i < m->nto; i++)
		h += sum_str(m->to[i].name) + sum_str(m->to[i].addr);
	for (i = 0; i < m->ncc; i++)
		h += sum_str(m->cc[i].name) + sum_str(m->cc[i].addr);
	for (i = 0; i < m->nparts; i++) {
		const struct mail_part *p = &m->parts[i];

		if (p->message != NULL)
			h += walk(p->message, conv);
		if (p->data == NULL)
			continue;
		if (!p->is_body && strncmp(p->content_type, "text/", 5) == 0) {
			buf_reset(conv);
			if (charset_convert(conv, &unknown, p->charset,
			    (const char *)p->data, p->len) == 0)
				h += sum(conv->data, conv->len);
		} else {
			h += sum(p->data, p->len);
		}
	}
	return h;
}

int
main(int argc, char **argv)
{
	struct bench_opts o;
	struct bench_set s;
	struct buf conv;
	double best = 0;
	size_t failed = 0;

	bench_opts_parse(&o, argc, argv);
	bench_load(&s, o.list);
	buf_init(&conv, 256u << 20);
	for (int run = 0; run < o.runs; run++) {
		double t0 = bench_now(), t;

		failed = 0;
		for (int round = 0; round < o.rounds; round++) {
			for (size_t i = 0; i < s.n; i++) {
				struct gc_err err = { 0, "" };
				struct mail *m = NULL;

				if (mail_parse(&m, s.mails[i].data,
				    s.mails[i].len, NULL, &err) != 0) {
					failed++;
					continue;
				}
				sink += walk(m, &conv);
				mail_free(&m);
			}
		}
		t = bench_now() - t0;
		if (run == 0 || t < best)
			best = t;
	}
	bench_report("guichet", &s, best, o.rounds, failed / o.rounds);
	buf_free(&conv);
	bench_free(&s);
	return 0;
}
