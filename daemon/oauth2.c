/*
 * oauth2.c - access tokens from a refresh token (see oauth2.h)
 *
 * Sections: the HTTP POST to a provider (libcurl, answer capped, no
 * redirect); the refresh token file (read owner-only, written with a
 * temporary file renamed over it); the token cache with its backoff.
 * Times are the monotonic clock's: a token's life is real seconds, not
 * the clock of the run (--now).
 */
#include "daemon/oauth2.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "notify/curl_dyn.h"
#include "notify/curl_url.h"
#include "notify/trust.h"

#include "common/backoff.h"
#include "common/fileio.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"

#define REFRESH_FILE_MAX 16384

struct oauth2 {
	char *name;
	const struct conf_oauth2 *c;
	int timeout;
	char *access;           /* the access token held, or NULL */
	double expires;         /* monotonic seconds */
	bool fresh;             /* got by the last oauth2_token() call */
	struct backoff backoff;
	double next_try;        /* no refresh before, after a failure */
	int last_rc;            /* of the last failed refresh */
	char *refused_rt;       /* the refresh token the provider refused */
	struct oauth2_status st;
};

static void
wipe_free(char **s)
{
	if (*s != NULL) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

/* ----- HTTP --------------------------------------------------------- */

struct body {
	struct buf b;
	bool over;
};

static size_t
body_cb(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct body *a = userp;
	size_t n = size * nmemb;

	if (buf_add(&a->b, ptr, n) != 0) {
		a->over = true;
		return 0;       /* curl stops: CURLE_WRITE_ERROR */
	}
	return n;
}

int
oauth2_post(struct oauth2_answer *ans, long *status_r, const char *url,
    const char *form, int timeout_sec, struct gc_err *err)
{
	long timeout = timeout_sec > 0 ? timeout_sec : 30;
	struct body body = { .over = false };
	struct curl_slist *hdrs = NULL;
	char errbuf[CURL_ERROR_SIZE] = "", *where;
	struct gc_err uerr = { 0 };
	CURL *curl;
	CURLU *h;
	enum trust_mode trust;
	CURLcode cc;
	int rc;

	memset(ans, 0, sizeof(*ans));
	*status_r = 0;
	if (url == NULL || !conf_url_loopback_or_https(url) ||
	    curl_url_check(&h, &where, url, "https", "http", &uerr) != 0)
		return gc_err_set(err, GC_ECONFIG, "OAuth2: the endpoint must "
		    "be an https:// URL (http:// only to a loopback address)%s%s",
		    uerr.msg[0] ? ": " : "", uerr.msg);
	buf_init(&body.b, OAUTH2_ANSWER_MAX);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (hdrs == NULL)
		fatal("curl_slist_append: out of memory");
	curl = curl_http_new(h, NULL, timeout, errbuf, &trust);
	curl_easy_setopt(curl, CURLOPT_MAXFILESIZE, (long)OAUTH2_ANSWER_MAX);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	cc = trust_perform(curl, NULL, &trust, where, NULL, NULL);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status_r);
	curl_easy_cleanup(curl);
	curl_slist_free_all(hdrs);
	curl_url_cleanup(h);
	if (body.over || cc == CURLE_FILESIZE_EXCEEDED)
		rc = gc_err_set(err, GC_ETEMP, "%s: an answer larger than %d "
		    "KB", where, OAUTH2_ANSWER_MAX / 1024);
	else if (cc != CURLE_OK)
		rc = gc_err_set(err, GC_ETEMP, "%s: %s", where,
		    errbuf[0] ? errbuf : curl_easy_strerror(cc));
	else if ((rc = oauth2_answer_parse(ans, buf_str(&body.b), body.b.len,
	    err)) != 0)
		gc_err_prefix(err, "%s: HTTP %ld", where, *status_r);
	if (body.b.data != NULL)
		explicit_bzero(body.b.data, body.b.len);
	buf_free(&body.b);
	free(where);
	return rc;
}

/* ----- The refresh token file -------------------------------------- */

int
oauth2_read_refresh(char **out, const char *path, struct gc_err *err)
{
	struct stat st;
	char *data;
	size_t len;
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return gc_err_set(err, GC_EAUTH, "no refresh token: %s: %s%s",
		    path, strerror(errno), errno == ENOENT ? " (run guichet "
		    "oauth2 authorize)" : "");
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return gc_err_set(err, GC_EAUTH, "%s is not a regular file",
		    path);
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		close(fd);
		return gc_err_set(err, GC_EAUTH, "%s: permissions %04o are "
		    "too open: group or others may access it (chmod 600 it)",
		    path, (unsigned)(st.st_mode & 07777));
	}
	rc = fd_read_all(&data, &len, fd, REFRESH_FILE_MAX, err);
	close(fd);
	if (rc != 0) {
		gc_err_prefix(err, "%s", path);
		return GC_EAUTH;
	}
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		data[--len] = '\0';
	if (memchr(data, '\0', len) != NULL || !oauth2_token_ok(data)) {
		explicit_bzero(data, len);
		free(data);
		return gc_err_set(err, GC_EAUTH, "%s: not one refresh token "
		    "on one line", path);
	}
	*out = data;
	return 0;
}

int
oauth2_save_refresh(const char *path, const char *token,
    struct gc_err *err)
{
	char *dir = path_dirname(path), *line = xasprintf("%s\n", token);
	const char *name = strrchr(path, '/');
	int rc;

	/* the temporary file is 0600 from its creation (mkstemp) */
	rc = fileio_write_atomic(dir, name != NULL ? name + 1 : path, line,
	    strlen(line), 0600, err);
	explicit_bzero(line, strlen(line));
	free(line);
	free(dir);
	return rc;
}

/* ----- Tokens ------------------------------------------------------- */

void
oauth2_new(struct oauth2 **out, const char *name,
    const struct conf_oauth2 *c, int timeout_sec)
{
	struct oauth2 *o = xcalloc(1, sizeof(*o));

	o->name = xstrdup(name);
	o->st.name = o->name;
	o->c = c;
	o->timeout = timeout_sec;
	backoff_init(&o->backoff, OAUTH2_BACKOFF_FIRST, OAUTH2_BACKOFF_MAX);
	*out = o;
}

void
oauth2_free(struct oauth2 **op)
{
	struct oauth2 *o = *op;

	if (o == NULL)
		return;
	wipe_free(&o->access);
	wipe_free(&o->refused_rt);
	free(o->name);
	free(o);
	*op = NULL;
}

enum oauth2_mech
oauth2_mechanism(const struct oauth2 *o)
{
	return o->c->mechanism != NULL &&
	    strcmp(o->c->mechanism, "oauthbearer") == 0 ?
	    OAUTH2_OAUTHBEARER : OAUTH2_XOAUTH2;
}

void
oauth2_status(const struct oauth2 *o, struct oauth2_status *st)
{
	*st = o->st;
}

/* Mask every secret of ours that a provider's text might echo. */
static void
mask(char *s, const char *secret)
{
	size_t n = secret != NULL ? strlen(secret) : 0;
	char *p;

	if (n < 4)
		return;
	while ((p = strstr(s, secret)) != NULL) {
		memmove(p + 3, p + n, strlen(p + n) + 1);
		memcpy(p, "***", 3);
	}
}

/* One refresh failed: remember why, and when to try again. */
static int
failed(struct oauth2 *o, int rc, bool refused, const char *rt,
    struct gc_err *err)
{
	long long delay = backoff_failed(&o->backoff);

	o->next_try = mono_seconds() + (double)delay;
	o->last_rc = rc;
	o->st.failures++;
	o->st.failing = true;
	/* refused stays so until a refresh goes through: the provider
	 * away for a moment after a refusal does not make it good */
	if (refused)
		o->st.refused = true;
	mask(err->msg, rt);
	mask(err->msg, o->c->client_secret);
	snprintf(o->st.error, sizeof(o->st.error), "%s", err->msg);
	wipe_free(&o->refused_rt);
	if (refused && rt != NULL)
		o->refused_rt = xstrdup(rt);
	if (refused)
		log_error("oauth2 %s: %s; run guichet oauth2 authorize to get "
		    "a new refresh token (next attempt in %llds)", o->name,
		    err->msg, delay);
	else
		log_warn("oauth2 %s: %s (next attempt in %llds)", o->name,
		    err->msg, delay);
	return gc_err_set(err, rc, "oauth2 %s: %s", o->name, o->st.error);
}

static int
refresh(struct oauth2 *o, const char *rt, struct gc_err *err)
{
	struct oauth2_answer ans;
	struct buf form;
	long long life;
	long status;
	int rc;

	buf_init(&form, 4 * REFRESH_FILE_MAX);
	if (oauth2_form_add(&form, "grant_type", "refresh_token") != 0 ||
	    oauth2_form_add(&form, "refresh_token", rt) != 0 ||
	    oauth2_form_add(&form, "client_id", o->c->client_id) != 0 ||
	    oauth2_form_add(&form, "client_secret", o->c->client_secret) != 0 ||
	    oauth2_form_add(&form, "scope", o->c->scope) != 0)
		fatal("oauth2: form over its cap");
	rc = oauth2_post(&ans, &status, o->c->token_url, buf_str(&form),
	    o->timeout, err);
	explicit_bzero(form.data, form.len);
	buf_free(&form);
	if (rc != 0) {
		oauth2_answer_clear(&ans);
		return failed(o, rc == GC_ECONFIG ? GC_EAUTH : GC_ETEMP, false,
		    rt, err);
	}
	if (ans.error != NULL && status >= 400 && status < 500 &&
	    status != 408 && status != 429) {
		gc_err_set(err, GC_EAUTH, "the provider refused the refresh "
		    "token (HTTP %ld, %s%s%s)", status, ans.error,
		    ans.error_description ? ": " : "",
		    ans.error_description ? ans.error_description : "");
		oauth2_answer_clear(&ans);
		return failed(o, GC_EAUTH, true, rt, err);
	}
	if (status != 200 || ans.access_token == NULL) {
		gc_err_set(err, GC_ETEMP, "the token endpoint answered HTTP "
		    "%ld without an access token%s%s", status,
		    ans.error ? ": " : "", ans.error ? ans.error : "");
		oauth2_answer_clear(&ans);
		return failed(o, GC_ETEMP, false, rt, err);
	}
	wipe_free(&o->access);
	o->access = ans.access_token;
	ans.access_token = NULL;
	life = ans.expires_in > 0 ? ans.expires_in : OAUTH2_DEFAULT_LIFE;
	/* renewed OAUTH2_MARGIN before its end, or at 4/5 of a short life */
	o->expires = mono_seconds() + (double)life - (double)(life / 5 <
	    OAUTH2_MARGIN ? life / 5 : OAUTH2_MARGIN);
	o->fresh = true;
	o->st.refreshes++;
	o->st.failing = o->st.refused = false;
	o->st.error[0] = '\0';
	backoff_reset(&o->backoff);
	o->next_try = 0;
	wipe_free(&o->refused_rt);
	log_info("oauth2 %s: new access token, valid %llds", o->name,
	    ans.expires_in > 0 ? ans.expires_in : OAUTH2_DEFAULT_LIFE);
	if (ans.refresh_token != NULL && strcmp(ans.refresh_token, rt) != 0) {
		struct gc_err serr = { 0 };

		if (oauth2_save_refresh(o->c->refresh_token_file,
		    ans.refresh_token, &serr) == 0) {
			o->st.rotations++;
			log_info("oauth2 %s: the provider rotated the refresh "
			    "token; saved in %s", o->name,
			    o->c->refresh_token_file);
		} else {
			/* the old one may still work: go on with the access
			 * token, and say it loudly */
			log_error("oauth2 %s: the provider rotated the refresh "
			    "token and it could not be saved: %s", o->name,
			    serr.msg);
		}
	}
	oauth2_answer_clear(&ans);
	return 0;
}

int
oauth2_token(struct oauth2 *o, const char **token_r, struct gc_err *err)
{
	double now = mono_seconds();
	char *rt = NULL;
	int rc;

	*token_r = NULL;
	if (o->access != NULL && now < o->expires) {
		o->fresh = false;
		*token_r = o->access;
		return 0;
	}
	wipe_free(&o->access);
	if ((rc = oauth2_read_refresh(&rt, o->c->refresh_token_file,
	    err)) != 0) {
		if (now < o->next_try)
			return gc_err_set(err, rc, "oauth2 %s: %s", o->name,
			    err->msg);
		return failed(o, rc, false, NULL, err);
	}
	/* a new refresh token in the file ends the wait at once */
	if (now < o->next_try && !(o->refused_rt != NULL &&
	    strcmp(o->refused_rt, rt) != 0)) {
		wipe_free(&rt);
		return gc_err_set(err, o->last_rc, "oauth2 %s: %s (next "
		    "attempt in %.0fs)", o->name, o->st.error,
		    o->next_try - now);
	}
	rc = refresh(o, rt, err);
	wipe_free(&rt);
	if (rc == 0)
		*token_r = o->access;
	return rc;
}

bool
oauth2_rejected(struct oauth2 *o)
{
	bool retry = o->access != NULL && !o->fresh;

	wipe_free(&o->access);
	return retry;
}

void
oauth2_authorize_hint(struct gc_err *err, const char *opt,
    const char *name)
{
	char msg[GC_ERRMSG_SIZE];

	snprintf(msg, sizeof(msg), "%s", err->msg);
	gc_err_set(err, GC_EAUTH, "%s; run `guichet oauth2 authorize %s%s`",
	    msg, opt, name);
}
