/*
 * cli_keys.c - encryption at rest from the command line: `keys rotate`
 * seals every stored row with the current key, `ticket attachment` writes
 * an attachment's opened bytes to a file for ops
 *
 * keys rotate goes table by table in batches of --batch rows, each
 * batch its own transaction, and prints a line per batch: kill it at any
 * point and run it again, it goes on with what is left (desk/
 * vault_rotate.h). Rows that do not open are left alone, logged, and
 * make the exit status 65 (EX_DATAERR) at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/cli.h"
#include "desk/vault.h"
#include "desk/vault_rotate.h"

#define ROTATE_BATCH_DEFAULT 50   /* mails held in memory at once */
#define ROTATE_BATCH_MAX     10000

/* A count from 1 to max, else -1. */
static long long
count_arg(const char *s, long long max)
{
	char *end;
	long long v;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > max)
		return -1;
	return v;
}

static int
rotate(struct app *app, long long batch)
{
	struct gc_err err = { 0 };
	size_t total = 0, refused = 0;
	struct db *db;
	int rc;

	if (!vault_on(app->conf)) {
		fprintf(stderr, "guichet: keys rotate: no [storage] key_file "
		    "in the config: there is no key to seal with\n");
		return EX_CONFIG;
	}
	if ((rc = app_db_connect(app, &db, &err)) != 0) {
		fprintf(stderr, "guichet: %s\n", err.msg);
		return app_exit_code(rc);
	}
	for (int t = 0; rc == 0 && t < SEALED_NTABLES; t++) {
		int64_t after = 0;
		size_t done = 1, table = 0;

		while (rc == 0 && done > 0) {
			if ((rc = db_begin(db, &err)) != 0)
				break;
			rc = vault_rotate_batch(app->conf, db, t, &after,
			    batch, &done, &refused, &err);
			if (rc == 0)
				rc = db_commit(db, &err);
			else
				db_rollback(db);
			if (rc == 0 && done > 0) {
				table += done;
				printf("%s: %zu rows up to id %lld\n",
				    store_sealed_table_name(t), table,
				    (long long)after);
				fflush(stdout);
			}
		}
		total += table;
	}
	db_close(&db);
	if (rc != 0) {
		fprintf(stderr, "guichet: keys rotate: %s (run it again: the "
		    "batches done are kept)\n", err.msg);
		return app_exit_code(rc);
	}
	printf("keys rotate: %zu rows sealed with key %u, %zu refused\n",
	    total - refused, app->conf->storage.keys.current, refused);
	if (refused > 0) {
		fprintf(stderr, "guichet: keys rotate: %zu rows do not open "
		    "(changed, or sealed with a key the key file lacks): see "
		    "the log\n", refused);
		return EX_DATAERR;
	}
	return EX_OK;
}

int
cli_keys(struct app *app, int argc, char **argv)
{
	long long batch = ROTATE_BATCH_DEFAULT;

	if (argc < 2 || strcmp(argv[1], "rotate") != 0)
		goto usage;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
			if ((batch = count_arg(argv[++i], ROTATE_BATCH_MAX)) < 0) {
				fprintf(stderr, "guichet: --batch: a number of "
				    "rows from 1 to %d\n", ROTATE_BATCH_MAX);
				return EX_USAGE;
			}
		} else {
			goto usage;
		}
	}
	return rotate(app, batch);
usage:
	fprintf(stderr, "usage: guichet keys rotate [--batch N]\n");
	return EX_USAGE;
}

/* Write len bytes to a new file path (0600; an existing file is not
 * overwritten: ops name a fresh one). */
static int
write_new_file(const char *path, const unsigned char *b, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);

	if (fd < 0) {
		fprintf(stderr, "guichet: %s: %s\n", path, strerror(errno));
		return EX_CANTCREAT;
	}
	while (len > 0) {
		ssize_t w = write(fd, b, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr, "guichet: %s: %s\n", path,
			    strerror(errno));
			close(fd);
			unlink(path);
			return EX_IOERR;
		}
		b += w;
		len -= (size_t)w;
	}
	if (close(fd) != 0) {
		fprintf(stderr, "guichet: %s: %s\n", path, strerror(errno));
		unlink(path);
		return EX_IOERR;
	}
	return EX_OK;
}

int
cli_ticket_attachment(struct app *app, int argc, char **argv)
{
	const char *number = NULL, *n_arg = NULL, *output = NULL;
	struct gc_err err = { 0 };
	unsigned char *bytes;
	struct db *db;
	long long n;
	size_t len;
	char *name;
	int rc;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--output") == 0 && i + 1 < argc)
			output = argv[++i];
		else if (argv[i][0] != '-' && number == NULL)
			number = argv[i];
		else if (argv[i][0] != '-' && n_arg == NULL)
			n_arg = argv[i];
		else
			goto usage;
	}
	if (number == NULL || n_arg == NULL || output == NULL ||
	    output[0] == '\0')
		goto usage;
	if ((n = count_arg(n_arg, 1000000)) < 0) {
		fprintf(stderr, "guichet: attachment number: from 1, as "
		    "`ticket show` lists them\n");
		return EX_USAGE;
	}
	if ((rc = app_db_connect(app, &db, &err)) != 0) {
		fprintf(stderr, "guichet: %s\n", err.msg);
		return app_exit_code(rc);
	}
	rc = vault_attachment(app->conf, db, number, n, &bytes, &len, &name,
	    &err);
	db_close(&db);
	if (rc != 0) {
		fprintf(stderr, "guichet: %s\n", err.msg);
		return app_exit_code(rc);
	}
	rc = write_new_file(output, bytes, len);
	if (rc == EX_OK)
		printf("%s: %zu bytes (%s)\n", output, len, name ? name :
		    "no file name");
	free(bytes);
	free(name);
	return rc;
usage:
	fprintf(stderr, "usage: guichet ticket attachment NUMBER N --output "
	    "FILE\n");
	return EX_USAGE;
}
