/*
 * gdpr.c - anonymisation of tickets: the pseudonyms, retention and
 * erasure (see gdpr.h; the export is gdpr_export.c)
 */
#include "desk/gdpr.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "common/evjson.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/sha256.h"
#include "common/util.h"
#include "desk/agentauth.h"
#include "parsers/address.h"
#include "parsers/utf8.h"
#include "sql/gdpr_db.h"
#include "sql/store_event.h"

#define SETTING_KEY "gdpr_pseudonym_key"
#define PSEUDO_HEX 20

/* Keys of events' data that hold free text (a file's name, a
 * quarantine's detail, an SMTP answer quoting an address...): they go. */
static const char *const free_text_keys[] = { "filename", "detail",
	"comment", "subject", "text", "error", NULL };

int
gdpr_key_load(struct gdpr_key *out, struct desk *in, struct gc_err *err)
{
	return agentauth_secret(out->v, sizeof(out->v), &out->len,
	    in->conf->gdpr.pseudonym_key, in->db, SETTING_KEY, err);
}

void
gdpr_pseudonym(char *out, const struct gdpr_key *k, const char *addr)
{
	unsigned char md[SHA256_LEN];
	char hex[2 * PSEUDO_HEX / 2 + 1], *w[2];
	struct arena a;

	arena_init(&a, 1024);
	/* keyed on w[0], lower case with its A-labels decoded: both
	 * writings of a domain are one pseudonym, and an ASCII domain's is
	 * what it always was */
	(void)addr_writings(&a, addr, w);
	hmac_sha256(md, k->v, k->len, w[0], strlen(w[0]));
	arena_free(&a);
	hex_encode(hex, md, PSEUDO_HEX / 2);
	snprintf(out, GDPR_PSEUDONYM_MAX, "anon-%s@invalid", hex);
}

void
gdpr_person_free(char **person)
{
	for (size_t i = 0; person != NULL && person[i] != NULL; i++)
		free(person[i]);
	free(person);
}

int
gdpr_person(struct desk *in, const char *addr, char ***out,
    struct gc_err *err)
{
	struct arena a;
	char *low, *w[2];
	int rc, n;

	/* lower-cased as the columns are (past ASCII too), then written
	 * both ways: its A-labels hold nothing to lower */
	if ((rc = gdpr_db_lower(in->db, addr, &low, err)) != 0)
		return rc;
	arena_init(&a, 1024);
	n = addr_writings(&a, low, w);
	*out = xcalloc(3, sizeof(**out));
	for (int i = 0; i < n; i++)
		(*out)[i] = xstrdup(w[i]);
	arena_free(&a);
	free(low);
	return 0;
}

bool
gdpr_valid_address(const char *s)
{
	const char *at = strchr(s, '@');
	size_t n = strlen(s);

	if (n == 0 || n > 254 || at == NULL || at == s || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL || !utf8_valid(s, n))
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("<>\",;()[]\\", *p))
			return false;
	return true;
}

/* ----- Events' data ------------------------------------------------- */

static bool
delimits(char c)
{
	return c == '\0' || (unsigned char)c <= ' ' ||
	    strchr("<>()[],;:\"'", c) != NULL;
}

/* The pseudonyms of the addresses in s, and nothing else of it (a name
 * beside an address, an SMTP answer quoting it): malloc'd, or NULL when
 * s holds no address. */
static char *
scrub_string(const struct gdpr_key *k, const char *s)
{
	struct buf b = BUF_INIT(16 * 1024 * 1024);
	const char *p = s, *done = s;
	bool changed = false;

	while ((p = strchr(p, '@')) != NULL) {
		const char *l = p, *r = p + 1;
		char pseudo[GDPR_PSEUDONYM_MAX], *addr;

		while (l > done && !delimits(l[-1]))
			l--;
		while (!delimits(*r))
			r++;
		if (l == p || r == p + 1) {
			p++;
			continue;
		}
		addr = xstrndup(l, (size_t)(r - l));
		gdpr_pseudonym(pseudo, k, addr);
		free(addr);
		if (changed)
			(void)!buf_addstr(&b, ", ");
		(void)!buf_addstr(&b, pseudo);
		done = p = r;
		changed = true;
	}
	if (!changed) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static void
scrub_value(const struct gdpr_key *k, json_t *v)
{
	if (json_is_string(v)) {
		char *s = scrub_string(k, json_string_value(v));

		if (s != NULL)
			json_string_set(v, s);
		free(s);
	} else if (json_is_array(v)) {
		size_t i;
		json_t *e;

		json_array_foreach(v, i, e)
			scrub_value(k, e);
	} else if (json_is_object(v)) {
		const char *key;
		json_t *e;
		void *tmp;

		json_object_foreach_safe(v, tmp, key, e) {
			bool drop = false;

			for (const char *const *f = free_text_keys; *f; f++)
				drop = drop || strcmp(*f, key) == 0;
			if (drop)
				json_object_del(v, key);
			else if (strcmp(key, "message_id") != 0)
				scrub_value(k, e);
		}
	}
}

/* An event's data without addresses nor free text (malloc'd). */
static char *
scrub_event(const struct gdpr_key *k, const char *data)
{
	json_t *j = json_loads(data, 0, NULL);
	char *out;

	if (j == NULL)
		return xstrdup("{}");
	scrub_value(k, j);
	out = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (out == NULL)
		fatal("json_dumps: out of memory");
	return out;
}

/* ----- One batch ------------------------------------------------------ */

static void
strings_free(char **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

/* Anonymise the tickets (claimed in the caller's transaction). */
static int
anonymise(struct desk *in, const struct gdpr_key *k,
    const struct gdpr_ids *ids, const char *reason, const char *actor,
    const char *const *person, long long *rows_r, struct gc_err *err)
{
	char **addr = NULL, **pseudo = NULL, **evdata = NULL;
	size_t naddr = 0, nev = 0;
	int64_t *evid = NULL;
	int rc;

	*rows_r = 0;
	rc = gdpr_db_addresses(in->db, ids, &addr, &naddr, err);
	if (rc == 0)
		rc = gdpr_db_events(in->db, ids, free_text_keys, &evid,
		    &evdata, &nev, err);
	if (rc == 0) {
		struct gdpr_db_batch b = { .tickets = ids,
			.addr = (const char *const *)addr,
			.naddr = naddr, .ev_id = evid,
			.ev_data = (const char *const *)evdata, .nev = nev,
			.now = in->now, .reason = reason, .actor = actor,
			.person = person };

		pseudo = xcalloc(naddr + 1, sizeof(*pseudo));
		for (size_t i = 0; i < naddr; i++) {
			pseudo[i] = xmalloc(GDPR_PSEUDONYM_MAX);
			gdpr_pseudonym(pseudo[i], k, addr[i]);
		}
		for (size_t i = 0; i < nev; i++) {
			char *s = scrub_event(k, evdata[i]);

			free(evdata[i]);
			evdata[i] = s;
		}
		b.pseudo = (const char *const *)pseudo;
		rc = gdpr_db_anonymise(in->db, &b, rows_r, err);
	}
	strings_free(addr, naddr);
	strings_free(pseudo, naddr);
	strings_free(evdata, nev);
	free(evid);
	return rc;
}

/* ----- Retention ------------------------------------------------------ */

static time_t
cutoff(time_t now, long long retention)
{
	return retention > 0 && (time_t)retention < now ?
	    now - (time_t)retention : 0;
}

int
gdpr_retention(struct desk *in, int max_batches, int *count_r,
    struct gc_err *err)
{
	const struct conf *c = in->conf;
	const char **queues;
	time_t *cut, dflt;
	struct gdpr_key k;
	bool any;
	int rc = 0;

	*count_r = 0;
	if (c->gdpr.line == 0)
		return 0;
	dflt = cutoff(in->now, c->gdpr.retention);
	any = dflt != 0;
	queues = xcalloc(c->nqueues + 1, sizeof(*queues));
	cut = xcalloc(c->nqueues + 1, sizeof(*cut));
	for (size_t i = 0; i < c->nqueues; i++) {
		queues[i] = c->queues[i].name;
		cut[i] = c->queues[i].retention < 0 ? dflt :
		    cutoff(in->now, c->queues[i].retention);
		any = any || cut[i] != 0;
	}
	if (any && (rc = gdpr_key_load(&k, in, err)) != 0)
		any = false;
	for (int n = 0; any && rc == 0 && n < max_batches; n++) {
		struct gdpr_ids ids;
		long long rows;

		if ((rc = db_begin(in->db, err)) != 0)
			break;
		rc = gdpr_db_claim_expired(in->db, queues, cut, c->nqueues,
		    dflt, (int)c->gdpr.batch, &ids, err);
		if (rc == 0 && ids.n > 0)
			rc = anonymise(in, &k, &ids, "retention", NULL, NULL,
			    &rows, err);
		if (rc == 0)
			rc = db_commit(in->db, err);
		else
			db_rollback(in->db);
		if (rc == 0)
			*count_r += (int)ids.n;
		any = ids.n == (size_t)c->gdpr.batch;
		gdpr_db_ids_clear(&ids);
	}
	OPENSSL_cleanse(&k, sizeof(k));
	free(queues);
	free(cut);
	if (*count_r > 0)
		log_info("retention: %d ticket(s) anonymised", *count_r);
	return rc;
}

/* ----- Erasure -------------------------------------------------------- */

#define FORGET_BATCH 100

int
gdpr_forget(struct desk *in, const char *addr, const struct gdpr_who *who,
    struct gdpr_counts *out, struct gc_err *err)
{
	const char *const *person;
	struct gdpr_key k;
	bool more = true;
	char **p;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = gdpr_key_load(&k, in, err)) != 0)
		return rc;
	if ((rc = gdpr_person(in, addr, &p, err)) != 0) {
		OPENSSL_cleanse(&k, sizeof(k));
		return rc;
	}
	person = (const char *const *)p;
	gdpr_pseudonym(out->pseudonym, &k, person[0]);
	for (int batch = 0; rc == 0 && more; batch++) {
		struct gdpr_ids ids = { 0 };
		long long rows = 0;
		struct evjson *e;
		char *data;

		if ((rc = db_begin(in->db, err)) != 0)
			break;
		rc = gdpr_db_person_tickets(in->db, person, true, 0,
		    FORGET_BATCH, &ids, err);
		more = rc == 0 && ids.n == FORGET_BATCH;
		if (rc == 0 && (ids.n > 0 || batch == 0))
			rc = anonymise(in, &k, &ids, "forget", who->actor,
			    person, &rows, err);
		/* the status page's subscriptions, once */
		if (rc == 0 && batch == 0)
			rc = gdpr_db_forget_subscriptions(in->db, person,
			    out->pseudonym, in->now, &out->subscriptions, err);
		if (rc == 0 && batch == 0)
			rc = gdpr_db_forget_blocked(in->db, person,
			    &out->blocked, err);
		if (rc == 0 && (ids.n > 0 || batch == 0)) {
			e = ev_new();
			ev_str(e, "subject", out->pseudonym);
			ev_str(e, "login", who->login);
			ev_int(e, "tickets", (long long)ids.n);
			ev_int(e, "rows", rows);
			ev_int(e, "batch", batch + 1);
			if (batch == 0) {
				ev_int(e, "subscriptions", out->subscriptions);
				ev_int(e, "blocked", out->blocked);
			}
			data = ev_end(e);
			rc = store_event(in->db, 0, in->now, "gdpr_forget",
			    who->actor, data, err);
			free(data);
		}
		if (rc == 0)
			rc = db_commit(in->db, err);
		else
			db_rollback(in->db);
		if (rc == 0) {
			out->tickets += (long long)ids.n;
			out->rows += rows;
		}
		gdpr_db_ids_clear(&ids);
	}
	OPENSSL_cleanse(&k, sizeof(k));
	gdpr_person_free(p);
	return rc;
}
