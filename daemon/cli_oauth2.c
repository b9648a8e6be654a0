/*
 * cli_oauth2.c - guichet oauth2 authorize --mailbox NAME | --smtp: the
 * device authorization flow (RFC 8628), so that no browser is needed on
 * the server
 *
 * The provider's device endpoint gives a code for the operator to enter
 * at a URL (on any machine); we poll the token endpoint at the interval
 * it asks for (slower when told slow_down) until the operator has said
 * yes, said no, or the code expired, and then write the refresh token
 * file (atomically, mode 0600) that the daemon reads at its next
 * refresh. Only the URL and the user code are printed: the device code
 * and the tokens never are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/mem.h"
#include "daemon/cli.h"
#include "daemon/oauth2.h"

#define DEVICE_GRANT "urn:ietf:params:oauth:grant-type:device_code"
#define POLL_MAX 60             /* seconds between polls at most */
#define WAIT_MAX 3600           /* seconds the code may live at most */

static int
usage(void)
{
	fprintf(stderr, "usage: guichet oauth2 authorize --mailbox NAME\n"
	    "       guichet oauth2 authorize --smtp\n");
	return EX_USAGE;
}

/* Ask the token endpoint once; 1: done, 0: not yet, -1: failed. */
static int
poll_once(const struct conf_oauth2 *o, int timeout, const char *device_code,
    long long *interval, struct oauth2_answer *ans)
{
	struct gc_err err = { 0 };
	struct buf form;
	long status;
	int rc;

	buf_init(&form, 1 << 16);
	if (oauth2_form_add(&form, "grant_type", DEVICE_GRANT) != 0 ||
	    oauth2_form_add(&form, "device_code", device_code) != 0 ||
	    oauth2_form_add(&form, "client_id", o->client_id) != 0 ||
	    oauth2_form_add(&form, "client_secret", o->client_secret) != 0)
		fatal("oauth2: form over its cap");
	rc = oauth2_post(ans, &status, o->token_url, buf_str(&form), timeout,
	    &err);
	explicit_bzero(form.data, form.len);
	buf_free(&form);
	if (rc != 0) {
		/* the provider away for a moment: the code is still good */
		fprintf(stderr, "guichet: token endpoint: %s (trying again)\n",
		    err.msg);
		return 0;
	}
	if (ans->error != NULL && strcmp(ans->error,
	    "authorization_pending") == 0)
		return 0;
	if (ans->error != NULL && strcmp(ans->error, "slow_down") == 0) {
		*interval += 5;
		return 0;
	}
	if (ans->error != NULL || ans->refresh_token == NULL) {
		fprintf(stderr, "guichet: the provider did not authorize "
		    "(HTTP %ld%s%s%s%s)\n", status, ans->error ? ": " : "",
		    ans->error ? ans->error : ", no refresh token",
		    ans->error_description ? ": " : "",
		    ans->error_description ? ans->error_description : "");
		return -1;
	}
	return 1;
}

/* timeout: the network timeout of the section (imap_timeout, [smtp]
 * timeout), for each request. */
static int
authorize(const char *who, const struct conf_oauth2 *o, int timeout)
{
	struct oauth2_answer dev, ans = { 0 };
	struct gc_err err = { 0 };
	struct buf form;
	long long interval, life;
	time_t deadline;
	long status;
	int rc, done = 0;

	if (!o->on) {
		fprintf(stderr, "guichet: %s: auth is not oauth2\n", who);
		return EX_CONFIG;
	}
	if (o->device_url == NULL) {
		fprintf(stderr, "guichet: %s: oauth2_device_url is not set\n",
		    who);
		return EX_CONFIG;
	}
	buf_init(&form, 1 << 16);
	if (oauth2_form_add(&form, "client_id", o->client_id) != 0 ||
	    oauth2_form_add(&form, "scope", o->scope) != 0)
		fatal("oauth2: form over its cap");
	rc = oauth2_post(&dev, &status, o->device_url, buf_str(&form),
	    timeout, &err);
	buf_free(&form);
	if (rc != 0) {
		fprintf(stderr, "guichet: device authorization: %s\n",
		    err.msg);
		oauth2_answer_clear(&dev);
		return rc == GC_ETEMP ? EX_TEMPFAIL : EX_PROTOCOL;
	}
	if (status != 200 || dev.device_code == NULL ||
	    dev.user_code == NULL || dev.verification_uri == NULL) {
		fprintf(stderr, "guichet: device authorization: HTTP %ld "
		    "without a device code, a user code and a URL%s%s\n",
		    status, dev.error ? ": " : "", dev.error ? dev.error : "");
		oauth2_answer_clear(&dev);
		return EX_PROTOCOL;
	}
	interval = dev.interval > 0 ? dev.interval : 5;
	if (interval > POLL_MAX)
		interval = POLL_MAX;
	life = dev.expires_in > 0 && dev.expires_in < WAIT_MAX ?
	    dev.expires_in : WAIT_MAX;
	printf("To let Guichet use %s, open %s\nand enter the code: %s\n",
	    who, dev.verification_uri, dev.user_code);
	if (dev.verification_uri_complete != NULL)
		printf("(or open %s)\n", dev.verification_uri_complete);
	printf("Waiting up to %llds...\n", life);
	fflush(stdout);
	deadline = time(NULL) + (time_t)life;
	while (done == 0 && time(NULL) < deadline) {
		sleep((unsigned)(interval < POLL_MAX ? interval : POLL_MAX));
		oauth2_answer_clear(&ans);
		done = poll_once(o, timeout, dev.device_code, &interval,
		    &ans);
	}
	oauth2_answer_clear(&dev);
	if (done == 0) {
		fprintf(stderr, "guichet: the code expired before it was "
		    "entered; run the command again\n");
		oauth2_answer_clear(&ans);
		return EX_TEMPFAIL;
	}
	if (done < 0) {
		oauth2_answer_clear(&ans);
		return EX_NOPERM;
	}
	rc = oauth2_save_refresh(o->refresh_token_file, ans.refresh_token,
	    &err);
	oauth2_answer_clear(&ans);
	if (rc != 0) {
		fprintf(stderr, "guichet: %s\n", err.msg);
		return EX_CANTCREAT;
	}
	printf("Refresh token saved in %s (mode 0600); the daemon takes it "
	    "at its next refresh.\n", o->refresh_token_file);
	return EX_OK;
}

int
cli_oauth2(struct app *app, int argc, char **argv)
{
	const struct conf *c = app->conf;
	const struct conf_mailbox *mb;
	char who[300];

	if (argc == 4 && strcmp(argv[1], "authorize") == 0 &&
	    strcmp(argv[2], "--mailbox") == 0) {
		if ((mb = conf_mailbox(c, argv[3])) == NULL) {
			fprintf(stderr, "guichet: no mailbox \"%s\" in %s\n",
			    argv[3], app->config_path);
			return EX_USAGE;
		}
		snprintf(who, sizeof(who), "mailbox %s", mb->name);
		return authorize(who, &mb->oauth2,
		    (int)c->general.imap_timeout);
	}
	if (argc == 3 && strcmp(argv[1], "authorize") == 0 &&
	    strcmp(argv[2], "--smtp") == 0)
		return authorize("[smtp]", &c->smtp.oauth2,
		    (int)c->smtp.timeout);
	return usage();
}
