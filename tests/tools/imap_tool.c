/*
 * imap_tool.c - a small command line over daemon/imap.h, for the
 * integration tests (tests/integration/test_imap_client.py)
 *
 *   imap_tool url URL
 *   imap_tool [OPTIONS] URL USER PASSFILE COMMAND [ARGS...]
 *
 * OPTIONS: --ca FILE, --timeout SECONDS, --plaintext, --bind ADDRESS,
 * --no-move, --no-uidplus, --no-idle (act as if the server did not offer
 * the capability). The password is read from PASSFILE (trailing newline
 * stripped).
 *
 * COMMANDS (each connects first, except in the shell):
 *   login                          print the capabilities used
 *   select FOLDER                  uidvalidity=N uidnext=N exists=N
 *   search FOLDER MINUID           matching UIDs, one per line
 *   fetch FOLDER UIDS [MAX [DIR]]  "UID LEN" or "UID oversize LEN" per
 *                                  message; with DIR, writes DIR/UID.eml
 *   fetchall FOLDER BATCH MAX DIR  search from 1, fetch in batches of
 *                                  BATCH, write DIR/UID.eml (DIR "-":
 *                                  write nothing, for timings)
 *   move FOLDER UIDS DEST
 *   ensure FOLDER
 *   append FOLDER FILE
 *   idle FOLDER SECONDS            "idling", then new_mail=0|1
 *   shell                          commands from stdin, one per line,
 *                                  without the FOLDER argument after
 *                                  "select F"; plus "connect", "close".
 *                                  Each ends with "ok" or "error ...".
 * UIDS: "1,3,7:9". Errors: "error GC_EXXX: message" (stderr outside the
 * shell), exit status 1; usage errors exit 2.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/mem.h"
#include "common/util.h"
#include "daemon/imap.h"

#define PASS_MAX 4096
#define MSG_MAX (64 * 1024 * 1024)
#define LINE_MAX_TOOL 4096
#define ARGS_MAX 16

struct tool {
	struct imap_params p;
	struct imap_conn *conn;
	char *password;
	FILE *out;              /* results */
	FILE *errout;           /* "error ..." lines */
};

static const char *
code_name(int code)
{
	switch (code) {
	case GC_ENOMEM: return "GC_ENOMEM";
	case GC_EINVAL: return "GC_EINVAL";
	case GC_EPARSE: return "GC_EPARSE";
	case GC_EIO: return "GC_EIO";
	case GC_ETEMP: return "GC_ETEMP";
	case GC_ELIMIT: return "GC_ELIMIT";
	case GC_ENOTFOUND: return "GC_ENOTFOUND";
	case GC_EDUP: return "GC_EDUP";
	case GC_ETLS: return "GC_ETLS";
	case GC_EAUTH: return "GC_EAUTH";
	case GC_EPROTO: return "GC_EPROTO";
	case GC_ECONFIG: return "GC_ECONFIG";
	}
	return "GC_E?";
}

static int
report(struct tool *t, int r, const struct gc_err *err)
{
	fprintf(t->errout, "error %s: %s\n", code_name(r), err->msg);
	fflush(t->errout);
	return r;
}

static int
usage_error(struct tool *t, const char *msg)
{
	struct gc_err err;

	gc_err_set(&err, GC_EINVAL, "usage: %s", msg);
	return report(t, GC_EINVAL, &err);
}

/* "1,3,7:9" into a malloc'd array. */
static int
parse_uids(uint32_t **out, size_t *n_r, const char *spec)
{
	uint32_t *v = NULL;
	size_t n = 0, cap = 0;
	const char *p = spec;
	unsigned long a, b, x;
	char *end;

	while (*p != '\0') {
		errno = 0;
		a = strtoul(p, &end, 10);
		if (end == p || errno != 0 || a > UINT32_MAX)
			goto bad;
		b = a;
		p = end;
		if (*p == ':') {
			b = strtoul(p + 1, &end, 10);
			if (end == p + 1 || b > UINT32_MAX || b < a ||
			    b - a > 10000000)
				goto bad;
			p = end;
		}
		for (x = a; x <= b; x++) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[n++] = (uint32_t)x;
		}
		if (*p == ',')
			p++;
		else if (*p != '\0')
			goto bad;
	}
	*out = v;
	*n_r = n;
	return 0;
bad:
	free(v);
	return -1;
}

static int
ensure_conn(struct tool *t, struct gc_err *err)
{
	if (t->conn != NULL)
		return 0;
	return imap_connect(&t->conn, &t->p, err);
}

static int
write_file(const char *dir, uint32_t uid, const char *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u.eml", dir, (unsigned)uid);
	f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	if (fwrite(data, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int
do_fetch(struct tool *t, const uint32_t *uids, size_t n, size_t max,
    const char *dir, struct gc_err *err)
{
	struct imap_msg *msgs = NULL;
	size_t nm = 0, i;
	int r;

	r = imap_fetch(t->conn, uids, n, max, &msgs, &nm, err);
	if (r < 0)
		return r;
	for (i = 0; i < nm; i++) {
		if (msgs[i].data == NULL) {
			fprintf(t->out, "%u oversize %zu\n",
			    (unsigned)msgs[i].uid, msgs[i].len);
			continue;
		}
		fprintf(t->out, "%u %zu\n", (unsigned)msgs[i].uid,
		    msgs[i].len);
		if (dir != NULL && write_file(dir, msgs[i].uid, msgs[i].data,
		    msgs[i].len) < 0) {
			imap_msgs_free(&msgs, nm);
			return gc_err_set(err, GC_EIO, "cannot write to %s: "
			    "%s", dir, strerror(errno));
		}
	}
	imap_msgs_free(&msgs, nm);
	return 0;
}

static int
do_fetchall(struct tool *t, size_t batch, size_t max, const char *dir,
    struct gc_err *err)
{
	struct imap_msg *msgs = NULL;
	uint32_t *uids = NULL;
	size_t n = 0, nm, i, j, total = 0, commands = 0;
	double t0 = now_ms(), t1;
	int r;

	r = imap_search_uids(t->conn, 1, &uids, &n, err);
	t1 = now_ms();
	for (i = 0; r == 0 && i < n; i += batch) {
		size_t k = n - i < batch ? n - i : batch;

		r = imap_fetch(t->conn, uids + i, k, max, &msgs, &nm, err);
		if (r < 0)
			break;
		commands++;
		for (j = 0; j < nm && r == 0; j++) {
			if (msgs[j].data == NULL)
				continue;
			total++;
			if (strcmp(dir, "-") != 0 && write_file(dir,
			    msgs[j].uid, msgs[j].data, msgs[j].len) < 0)
				r = gc_err_set(err, GC_EIO, "cannot write "
				    "to %s", dir);
		}
		imap_msgs_free(&msgs, nm);
	}
	free(uids);
	if (r < 0)
		return r;
	fprintf(t->out, "found %zu fetched %zu batches %zu\n", n, total,
	    commands);
	/* Figures for people; tests do not look at them. */
	fprintf(stderr, "info: search %.1f ms, fetch %.1f ms\n", t1 - t0,
	    now_ms() - t1);
	return 0;
}

static int
do_idle(struct tool *t, int seconds, struct gc_err *err)
{
	struct pollfd pfd;
	bool news = false;
	int r;

	r = imap_idle_start(t->conn, err);
	if (r < 0)
		return r;
	fprintf(t->out, "idling\n");
	fflush(t->out);
	pfd.fd = imap_idle_fd(t->conn);
	pfd.events = POLLIN;
	do
		r = poll(&pfd, 1, seconds * 1000);
	while (r < 0 && errno == EINTR);
	r = imap_idle_done(t->conn, &news, err);
	if (r < 0)
		return r;
	fprintf(t->out, "new_mail=%d\n", news ? 1 : 0);
	return 0;
}

/* One command on the connection; argv[0] is the command. In one-shot
 * mode commands that work on a folder take it first and select it. */
static int
run(struct tool *t, int argc, char **argv, bool shell, struct gc_err *err)
{
	const char *cmd = argv[0];
	uint32_t uv = 0, un = 0, ex = 0, *uids = NULL;
	size_t n = 0, i;
	char *data;
	int r;

	if (strcmp(cmd, "close") == 0) {
		imap_close(&t->conn);
		return 0;
	}
	r = ensure_conn(t, err);
	if (r < 0)
		return r;
	if (strcmp(cmd, "connect") == 0 || strcmp(cmd, "login") == 0) {
		unsigned int caps = imap_caps(t->conn);

		fprintf(t->out, "idle=%d move=%d uidplus=%d\n",
		    !!(caps & IMAP_CAP_IDLE), !!(caps & IMAP_CAP_MOVE),
		    !!(caps & IMAP_CAP_UIDPLUS));
		return 0;
	}
	if (strcmp(cmd, "ensure") == 0) {
		if (argc != 2)
			return usage_error(t, "ensure FOLDER");
		return imap_ensure_folder(t->conn, argv[1], err);
	}
	if (strcmp(cmd, "append") == 0) {
		if (argc != 3)
			return usage_error(t, "append FOLDER FILE");
		r = file_read(&data, &n, argv[2], MSG_MAX, err);
		if (r < 0)
			return r;
		r = imap_append(t->conn, argv[1], data, n, err);
		free(data);
		return r;
	}
	/* The rest work on a selected folder. */
	if (!shell || strcmp(cmd, "select") == 0) {
		if (argc < 2)
			return usage_error(t, "COMMAND FOLDER ...");
		r = imap_select(t->conn, argv[1], &uv, &un, &ex, err);
		if (r < 0)
			return r;
		if (strcmp(cmd, "select") == 0) {
			fprintf(t->out, "uidvalidity=%u uidnext=%u "
			    "exists=%u\n", (unsigned)uv, (unsigned)un,
			    (unsigned)ex);
			return 0;
		}
		argc--;
		argv++;
	}
	if (strcmp(cmd, "search") == 0) {
		if (argc != 2)
			return usage_error(t, "search [FOLDER] MINUID");
		r = imap_search_uids(t->conn, (uint32_t)strtoul(argv[1],
		    NULL, 10), &uids, &n, err);
		for (i = 0; r == 0 && i < n; i++)
			fprintf(t->out, "%u\n", (unsigned)uids[i]);
		free(uids);
		return r;
	}
	if (strcmp(cmd, "fetch") == 0) {
		if (argc < 2 || argc > 4 || parse_uids(&uids, &n, argv[1]))
			return usage_error(t, "fetch [FOLDER] UIDS [MAX "
			    "[DIR]]");
		r = do_fetch(t, uids, n, argc > 2 ? strtoul(argv[2], NULL,
		    10) : 0, argc > 3 ? argv[3] : NULL, err);
		free(uids);
		return r;
	}
	if (strcmp(cmd, "fetchall") == 0) {
		if (argc != 4 || strtoul(argv[1], NULL, 10) == 0)
			return usage_error(t, "fetchall [FOLDER] BATCH MAX "
			    "DIR");
		return do_fetchall(t, strtoul(argv[1], NULL, 10),
		    strtoul(argv[2], NULL, 10), argv[3], err);
	}
	if (strcmp(cmd, "move") == 0) {
		if (argc != 3 || parse_uids(&uids, &n, argv[1]))
			return usage_error(t, "move [FOLDER] UIDS DEST");
		r = imap_move(t->conn, uids, n, argv[2], err);
		free(uids);
		return r;
	}
	if (strcmp(cmd, "idle") == 0) {
		if (argc != 2)
			return usage_error(t, "idle [FOLDER] SECONDS");
		return do_idle(t, atoi(argv[1]), err);
	}
	return usage_error(t, "unknown command");
}

static int
shell(struct tool *t)
{
	char line[LINE_MAX_TOOL], *argv[ARGS_MAX], *tok, *save;
	struct gc_err err;
	int argc, r;

	t->errout = t->out;
	while (fgets(line, sizeof(line), stdin) != NULL) {
		argc = 0;
		for (tok = strtok_r(line, " \t\r\n", &save); tok != NULL &&
		    argc < ARGS_MAX; tok = strtok_r(NULL, " \t\r\n", &save))
			argv[argc++] = tok;
		if (argc == 0)
			continue;
		if (strcmp(argv[0], "quit") == 0)
			break;
		gc_err_clear(&err);
		r = run(t, argc, argv, true, &err);
		if (r < 0 && err.code == r)
			report(t, r, &err);
		else if (r == 0)
			fprintf(t->out, "ok\n");
		fflush(t->out);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct tool t;
	struct gc_err err;
	struct imap_url url;
	size_t len;
	int i = 1, r;

	memset(&t, 0, sizeof(t));
	t.out = stdout;
	t.errout = stderr;
	gc_err_clear(&err);
	if (argc == 3 && strcmp(argv[1], "url") == 0) {
		r = imap_url_parse(&url, argv[2], &err);
		if (r < 0) {
			report(&t, r, &err);
			return 1;
		}
		printf("tls=%d host=%s port=%u\n", url.implicit_tls ? 1 : 0,
		    url.host, (unsigned)url.port);
		return 0;
	}
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--ca") == 0 && i + 1 < argc)
			t.p.ca_file = argv[++i];
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			t.p.timeout_sec = atoi(argv[++i]);
		else if (strcmp(argv[i], "--bind") == 0 && i + 1 < argc)
			t.p.source_address = argv[++i];
		else if (strcmp(argv[i], "--plaintext") == 0)
			t.p.allow_plaintext = true;
		else if (strcmp(argv[i], "--no-move") == 0)
			t.p.ignore_caps |= IMAP_CAP_MOVE;
		else if (strcmp(argv[i], "--no-uidplus") == 0)
			t.p.ignore_caps |= IMAP_CAP_UIDPLUS;
		else if (strcmp(argv[i], "--no-idle") == 0)
			t.p.ignore_caps |= IMAP_CAP_IDLE;
		else
			break;
	}
	if (argc - i < 4) {
		fprintf(stderr, "usage: imap_tool [--ca FILE] [--timeout S] "
		    "[--plaintext] [--bind ADDR] [--no-move] [--no-uidplus] "
		    "[--no-idle] URL USER PASSFILE COMMAND [ARGS...]\n"
		    "       imap_tool url URL\n");
		return 2;
	}
	t.p.url = argv[i];
	t.p.user = argv[i + 1];
	r = file_read(&t.password, &len, argv[i + 2], PASS_MAX, &err);
	if (r < 0) {
		report(&t, r, &err);
		return 2;
	}
	while (len > 0 && (t.password[len - 1] == '\n' ||
	    t.password[len - 1] == '\r'))
		t.password[--len] = '\0';
	t.p.password = t.password;
	i += 3;

	if (strcmp(argv[i], "shell") == 0) {
		r = shell(&t);
	} else {
		r = run(&t, argc - i, argv + i, false, &err);
		if (r < 0 && err.code == r)
			report(&t, r, &err);
	}
	imap_close(&t.conn);
	free(t.password);
	fflush(stdout);
	return r < 0 ? 1 : 0;
}
