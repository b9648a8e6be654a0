/*
 * bench.h - what the parse benchmark programs share: loading the mails
 * named in a list file into memory, the clock, the result line
 *
 * Header-only on purpose: parse_bench_gmime.c is built against GMime
 * alone and must not link anything of Guichet. A list file names one
 * mail per line; every program reads the same list in the same order.
 * Each program prints one line that scripts/bench-parse.sh reads:
 *   RESULT <tool> <mails> <bytes> <seconds per pass> <failed>
 * where seconds is the best of the runs, divided by the rounds of a run.
 */
#ifndef GC_TESTS_BENCH_H
#define GC_TESTS_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_MAX_MAILS 100000
#define BENCH_MAX_MAIL (64u << 20)

struct bench_mail {
	char *data;
	size_t len;
};

struct bench_set {
	struct bench_mail *mails;
	size_t n;
	size_t bytes;
};

struct bench_opts {
	int runs;
	int rounds;
	const char *list;
};

static void
bench_usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-r RUNS] [-n ROUNDS] LISTFILE\n", prog);
	exit(64);
}

static void
bench_opts_parse(struct bench_opts *o, int argc, char **argv)
{
	int i;

	o->runs = 5;
	o->rounds = 3;
	o->list = NULL;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			o->runs = atoi(argv[++i]);
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			o->rounds = atoi(argv[++i]);
		else if (argv[i][0] != '-' && o->list == NULL)
			o->list = argv[i];
		else
			bench_usage(argv[0]);
	}
	if (o->list == NULL || o->runs < 1 || o->rounds < 1)
		bench_usage(argv[0]);
}

static char *
bench_read_file(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, len = 0, n;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? 2 * cap : 131072;
			if (cap > BENCH_MAX_MAIL + 65536)
				break;
			buf = realloc(buf, cap);
			if (buf == NULL)
				abort();
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	if (buf == NULL || len > BENCH_MAX_MAIL) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	*len_r = len;
	return buf;
}

/* Load every mail of the list; exits on an unreadable file. */
static void
bench_load(struct bench_set *s, const char *list)
{
	FILE *f = fopen(list, "r");
	char line[4096];

	memset(s, 0, sizeof(*s));
	if (f == NULL) {
		perror(list);
		exit(66);
	}
	s->mails = calloc(BENCH_MAX_MAILS, sizeof(*s->mails));
	if (s->mails == NULL)
		abort();
	while (fgets(line, sizeof(line), f) != NULL &&
	    s->n < BENCH_MAX_MAILS) {
		struct bench_mail *m = &s->mails[s->n];

		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		m->data = bench_read_file(line, &m->len);
		if (m->data == NULL) {
			fprintf(stderr, "cannot read %s\n", line);
			exit(66);
		}
		s->bytes += m->len;
		s->n++;
	}
	fclose(f);
}

static void
bench_free(struct bench_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->mails[i].data);
	free(s->mails);
	memset(s, 0, sizeof(*s));
}

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
bench_report(const char *tool, const struct bench_set *s, double best,
    int rounds, size_t failed)
{
	printf("RESULT %s %zu %zu %.6f %zu\n", tool, s->n, s->bytes,
	    best / rounds, failed);
}

#endif
