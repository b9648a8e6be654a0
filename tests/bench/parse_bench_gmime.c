/*
 * parse_bench_gmime.c - the parse benchmark's walk done with GMime 3, to
 * compare Guichet's parser with (built by scripts/bench-parse.sh against
 * the system's libgmime-3.0; never linked into guichet)
 *
 * Usage: parse_bench_gmime [-r RUNS] [-n ROUNDS] LISTFILE (see bench.h)
 *
 * Every mail is read into memory first; only the parsing and the walk
 * are timed. For each mail: a memory stream over its bytes,
 * g_mime_parser_construct_message(), the decoded subject and the From,
 * To and Cc names and addresses (groups included), then every part
 * (g_mime_message_foreach(), and into the messages of message/rfc822
 * parts, as Guichet's parser does): a text part's content is written
 * through its transfer decoder and a GMimeFilterCharset from its charset
 * to UTF-8, any other part's content through its transfer decoder only.
 * Everything read is summed into a sink. A mail GMime cannot make a
 * message of counts as failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

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
sum_addresses(InternetAddressList *l)
{
	unsigned long h = 0;
	int n;

	if (l == NULL)
		return 0;
	n = internet_address_list_length(l);
	for (int i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);

		h += sum_str(internet_address_get_name(a));
		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			h += sum_str(internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(a)));
		else if (INTERNET_ADDRESS_IS_GROUP(a))
			h += sum_addresses(internet_address_group_get_members(
			    INTERNET_ADDRESS_GROUP(a)));
	}
	return h;
}

static void walk_message(GMimeMessage *msg, unsigned long *h);

static void
decode_part(GMimePart *part, unsigned long *h)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	GMimeContentType *ct;
	GMimeStream *mem, *out;
	GByteArray *bytes;
	const char *charset = NULL;

	if (content == NULL)
		return;
	ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
	mem = g_mime_stream_mem_new();
	out = mem;
	if (ct != NULL && g_mime_content_type_is_type(ct, "text", "*")) {
		GMimeFilter *f = NULL;

		charset = g_mime_content_type_get_parameter(ct, "charset");
		if (charset != NULL)
			f = g_mime_filter_charset_new(charset, "utf-8");
		if (f != NULL) {
			out = g_mime_stream_filter_new(mem);
			g_mime_stream_filter_add(GMIME_STREAM_FILTER(out), f);
			g_object_unref(f);
		}
	}
	g_mime_data_wrapper_write_to_stream(content, out);
	g_mime_stream_flush(out);
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	*h += sum(bytes->data, bytes->len);
	if (out != mem)
		g_object_unref(out);
	g_object_unref(mem);
}

static void
visit(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	unsigned long *h = data;

	(void)parent;
	if (GMIME_IS_MESSAGE_PART(part)) {
		GMimeMessage *m = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(part));

		if (m != NULL)
			walk_message(m, h);
	} else if (GMIME_IS_PART(part)) {
		decode_part(GMIME_PART(part), h);
	}
}

static void
walk_message(GMimeMessage *msg, unsigned long *h)
{
	*h += sum_str(g_mime_message_get_subject(msg));
	*h += sum_addresses(g_mime_message_get_from(msg));
	*h += sum_addresses(g_mime_message_get_to(msg));
	*h += sum_addresses(g_mime_message_get_cc(msg));
	/* Every part, the top one included; not into message parts. */
	g_mime_message_foreach(msg, visit, h);
}

int
main(int argc, char **argv)
{
	struct bench_opts o;
	struct bench_set s;
	double best = 0;
	size_t failed = 0;

	bench_opts_parse(&o, argc, argv);
	bench_load(&s, o.list);
	g_mime_init();
	for (int run = 0; run < o.runs; run++) {
		double t0 = bench_now(), t;

		failed = 0;
		for (int round = 0; round < o.rounds; round++) {
			for (size_t i = 0; i < s.n; i++) {
				GMimeStream *st;
				GMimeParser *p;
				GMimeMessage *msg;
				unsigned long h = 0;

				st = g_mime_stream_mem_new_with_buffer(
				    s.mails[i].data, s.mails[i].len);
				p = g_mime_parser_new_with_stream(st);
				msg = g_mime_parser_construct_message(p, NULL);
				if (msg == NULL) {
					failed++;
				} else {
					walk_message(msg, &h);
					sink += h;
					g_object_unref(msg);
				}
				g_object_unref(p);
				g_object_unref(st);
			}
		}
		t = bench_now() - t0;
		if (run == 0 || t < best)
			best = t;
	}
	bench_report("gmime", &s, best, o.rounds, failed / o.rounds);
	g_mime_shutdown();
	bench_free(&s);
	return 0;
}
