/*
 * cli_report_period.c - `guichet report monthly --org ORG --month
 * YYYY-MM` and `guichet report quarterly --org ORG --quarter YYYY-QN`,
 * with --format text|csv|html|json and --output FILE
 *
 * desk/report.c reads the figures, notify/report*.c writes them out. A
 * bad option value exits 64 before anything is read; an organisation
 * that neither the config nor the imported ones know exits 65. --output
 * writes a temporary file beside FILE and renames it, so that FILE is
 * either the old one or the whole new report.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/mem.h"
#include "common/util.h"
#include "daemon/cli.h"
#include "desk/report.h"
#include "sla/policy.h"

#define REPORT_MAX_OUTPUT (64 * 1024 * 1024)

static int
write_file(const char *path, const struct buf *b)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "wx");
	int rc = 0;

	if (f == NULL) {
		fprintf(stderr, "guichet report: cannot write %s: %s\n", path,
		    strerror(errno));
		free(tmp);
		return EX_CANTCREAT;
	}
	if (fwrite(buf_str(b), 1, b->len, f) != b->len || fflush(f) != 0 ||
	    fsync(fileno(f)) != 0)
		rc = errno ? errno : EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = errno;
	if (rc != 0) {
		fprintf(stderr, "guichet report: cannot write %s: %s\n", path,
		    strerror(rc));
		unlink(tmp);
	}
	free(tmp);
	return rc ? EX_CANTCREAT : EX_OK;
}

static int
usage(void)
{
	fprintf(stderr, "usage: guichet report monthly --org ORG --month "
	    "YYYY-MM [--format text|csv|html|json] [--output FILE]\n"
	    "       guichet report quarterly --org ORG --quarter YYYY-QN "
	    "[--format text|csv|html|json] [--output FILE]\n");
	return EX_USAGE;
}

int
cli_report_period(struct app *app, int argc, char **argv)
{
	enum report_kind kind = strcmp(argv[1], "quarterly") == 0 ?
	    REPORT_QUARTERLY : REPORT_MONTHLY;
	const char *when_opt = kind == REPORT_QUARTERLY ? "--quarter" :
	    "--month";
	const char *org = NULL, *when = NULL, *output = NULL;
	enum report_format fmt = REPORT_TEXT;
	struct desk in = { .conf = app->conf, .policy = app_policy(app) };
	struct buf out = BUF_INIT(REPORT_MAX_OUTPUT);
	struct report_doc *doc = NULL;
	struct report_org o;
	struct gc_err err = { 0 };
	time_t start, end;
	char label[16];
	int rc;

	for (int i = 2; i < argc; i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v != NULL && strcmp(argv[i], "--org") == 0)
			org = v;
		else if (v != NULL && strcmp(argv[i], when_opt) == 0)
			when = v;
		else if (v != NULL && strcmp(argv[i], "--output") == 0)
			output = v;
		else if (v != NULL && strcmp(argv[i], "--format") == 0) {
			if (report_format_parse(&fmt, v) != 0) {
				fprintf(stderr, "guichet report: --format "
				    "\"%.40s\": text, csv, html or json\n", v);
				return EX_USAGE;
			}
		} else
			return usage();
	}
	if (org == NULL || when == NULL || *org == '\0' || (output != NULL &&
	    *output == '\0'))
		return usage();
	if (report_period_parse(kind, when, sla_policy_support_tz(in.policy),
	    &start, &end, label, &err) != 0) {
		fprintf(stderr, "guichet report: %s %s\n", when_opt, err.msg);
		return EX_USAGE;
	}
	in.now = app_now(app);
	if (in.now <= start) {
		fprintf(stderr, "guichet report: %s %s: the period has not "
		    "begun yet\n", when_opt, label);
		return EX_USAGE;
	}
	if ((rc = app_db_connect(app, &in.db, &err)) == 0 &&
	    (rc = db_schema_check(in.db, &err)) == 0 &&
	    (rc = report_org_find(&in, org, &o, &err)) == 0)
		rc = report_build(&doc, &in, &o, kind, label, start, end, &err);
	db_close(&in.db);
	if (rc == 0 && report_render(&out, report_doc_model(doc), fmt) != 0)
		rc = gc_err_set(&err, GC_ELIMIT, "the report is larger than "
		    "%d bytes", REPORT_MAX_OUTPUT);
	report_free(&doc);
	if (rc != 0) {
		buf_free(&out);
		fprintf(stderr, "guichet report: %s\n", err.msg);
		return rc == GC_ENOTFOUND ? EX_DATAERR : app_exit_code(rc);
	}
	if (output != NULL)
		rc = write_file(output, &out);
	else
		rc = fwrite(buf_str(&out), 1, out.len, stdout) == out.len &&
		    fflush(stdout) == 0 ? EX_OK : EX_IOERR;
	buf_free(&out);
	return rc;
}
