/*
 * rating.c - satisfaction ratings: tokens of the links, the links of the
 * resolution mail, a rating stored with its event (see rating.h)
 */
#include "desk/rating.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/evjson.h"
#include "common/mem.h"
#include "desk/agentauth.h"
#include "desk/mailout.h"
#include "desk/record.h"
#include "desk/vault.h"
#include "parsers/confirm.h"
#include "parsers/rating.h"
#include "sql/store_rating.h"
#include "sql/store_ticket.h"

static void
mac(char *out, const struct agentauth_key *k, int64_t ticket_id, int score,
    long long day)
{
	char msg[96];

	snprintf(msg, sizeof(msg), "rate:%" PRId64 ":%d:%lld", ticket_id,
	    score, day);
	agentauth_mac(out, k, msg);
}

void
rating_token(char *out, size_t len, const struct agentauth_key *k,
    int64_t ticket_id, int score, time_t now)
{
	char m[AGENTAUTH_MAC_LEN + 1];
	long long day = (long long)(now / 86400);

	mac(m, k, ticket_id, score, day);
	snprintf(out, len, "%" PRId64 "-%d-%lld-%s", ticket_id, score, day, m);
}

/* A decimal number of at most 18 digits ending at the next '-'. */
static bool
number(const char **p, long long *out)
{
	long long v = 0;
	int n = 0;

	while (**p >= '0' && **p <= '9' && n < 18) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	if (n == 0 || **p != '-')
		return false;
	(*p)++;
	*out = v;
	return true;
}

bool
rating_token_check(const struct agentauth_key *k, const char *token,
    time_t now, int64_t *ticket_r, int *score_r)
{
	char want[AGENTAUTH_MAC_LEN + 1];
	const char *p = token;
	long long id, score, day, today = (long long)(now / 86400);

	if (token == NULL || strlen(token) >= RATING_TOKEN_MAX ||
	    !number(&p, &id) || !number(&p, &score) || !number(&p, &day) ||
	    id <= 0 || score < 1 || score > 5 || day > today + 1 ||
	    day + RATING_TOKEN_DAYS < today ||
	    strlen(p) != AGENTAUTH_MAC_LEN)
		return false;
	mac(want, k, (int64_t)id, (int)score, day);
	if (CRYPTO_memcmp(want, p, AGENTAUTH_MAC_LEN) != 0)
		return false;
	*ticket_r = (int64_t)id;
	*score_r = (int)score;
	return true;
}

char *
rating_links(struct desk *in, const struct store_ticket *t, const char *lang)
{
	static const char *const en[] = { "", "poor", "fair", "good",
		"very good", "excellent" };
	static const char *const fr[] = { "", "mauvais", "moyen", "bien",
		"très bien", "excellent" };
	const char *url = in->conf->http.public_url;
	const struct agentauth_key *key;
	struct gc_err err = { 0 };
	bool is_fr = strcmp(lang, "fr") == 0;
	struct buf b = BUF_INIT(8192);
	char tok[RATING_TOKEN_MAX];
	size_t n;

	if (url == NULL || url[0] == '\0' || in->conf->http.listen == NULL)
		return xstrdup("");
	if (mailout_agent_key(in->out, in->db, &key, &err) != 0)
		return xstrdup("");   /* the mail still asks for a reply */
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	/* 8 KiB hold the five lines of any URL the config accepts */
	if (buf_addstr(&b, is_fr ? " Ou choisissez ici :\n\n" :
	    " Or choose here:\n\n") != 0) {
		buf_free(&b);
		return xstrdup("");
	}
	for (int s = 5; s >= 1; s--) {
		rating_token(tok, sizeof(tok), key, t->id, s, in->now);
		if (buf_printf(&b, "  %d (%s): %.*s/rate/%s\n", s,
		    is_fr ? fr[s] : en[s], (int)n, url, tok) != 0) {
			buf_free(&b);
			return xstrdup("");
		}
	}
	return buf_detach(&b, NULL);
}

int
rating_record(struct desk *in, const struct store_ticket *t, int score,
    const char *comment, const char *via, const char *actor,
    struct gc_err *err)
{
	char *kept = NULL, sc[8], prev[8];
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	int previous, rc;

	if (strcmp(t->status, "resolved") != 0 &&
	    strcmp(t->status, "closed") != 0)
		return gc_err_set(err, GC_EINVAL, "ticket %s is not resolved",
		    t->number);
	if (score < 1 || score > 5)
		return gc_err_set(err, GC_EINVAL, "a rating is 1 to 5");
	if (comment != NULL && comment[0] != '\0') {
		size_t n = strlen(comment);

		if (n > RATING_COMMENT_MAX) {
			/* cut on a character's first byte */
			n = RATING_COMMENT_MAX;
			while (n > 0 && ((unsigned char)comment[n] & 0xC0) ==
			    0x80)
				n--;
		}
		kept = xstrndup(comment, n);
	}
	/* the customer's words, sealed at rest as their mails are */
	if (kept != NULL && vault_on(in->conf)) {
		char *ad = vault_ad_rating(t->id);

		rc = vault_seal(in->conf, ad, kept, strlen(kept), &sealed,
		    &sealed_len, err);
		free(ad);
		if (rc != 0)
			goto out;
	}
	/* a rating by mail reaches the agents as the mail it is; one from
	 * the page when it says something (rating_tell.h) */
	rc = store_rating_set(in->db, t->id, score, kept, sealed, sealed_len,
	    via, strcmp(via, "link") == 0 && (kept != NULL ||
	    score <= RATING_TELL_BELOW), in->now, &previous, err);
	snprintf(sc, sizeof(sc), "%d", score);
	snprintf(prev, sizeof(prev), "%d", previous);
	if (rc == 0)
		rc = record_event(in, t->id, previous ? "rating_changed" :
		    "rated", actor, ev_json("score", sc, "from", previous ?
		    prev : NULL, "via", via, NULL), err);
out:
	free(kept);
	free(sealed);
	return rc;
}

int
rating_mail(struct desk *in, const struct store_ticket *t,
    const char *text, const char *from, bool *rated_r, struct gc_err *err)
{
	const char *comment;
	char *said;
	int score, rc;

	*rated_r = false;
	if ((strcmp(t->status, "resolved") != 0 &&
	    strcmp(t->status, "closed") != 0) ||
	    !rating_parse(text, &score, &comment))
		return 0;
	*rated_r = true;
	/* the comment without the signature under it ("Marc", "Jean
	 * Dupont\nResponsable informatique"): the agents have the mail */
	said = xstrndup(comment, confirm_before_signature(comment));
	rc = rating_record(in, t, score, said, "mail", from, err);
	free(said);
	return rc;
}
