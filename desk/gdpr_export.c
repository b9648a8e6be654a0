/*
 * gdpr_export.c - everything stored about a person as one JSON document,
 * written piece by piece (see gdpr.h)
 *
 * The document is assembled from JSON objects the database builds (a
 * ticket, a page of messages or events) and the blobs read here one at a
 * time (a raw mail, an attachment), base64-encoded as they are written:
 * a person with ten thousand messages needs no more memory than one page
 * and one attachment.
 */
#include "desk/gdpr.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "common/evjson.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"
#include "desk/vault.h"
#include "sql/gdpr_db.h"
#include "sql/store_event.h"

#define TICKETS_PAGE 100
#define MESSAGES_PAGE 20
#define EVENTS_PAGE 200
#define B64_CHUNK (3 * 16384)

struct out {
	gdpr_write_fn write;
	void *arg;
	int rc;
};

static void
put(struct out *o, const char *p, size_t n)
{
	if (o->rc == 0 && n > 0)
		o->rc = o->write(o->arg, p, n);
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* A JSON object's text without its closing brace, so that fields can
 * follow. */
static void
open_object(struct out *o, const char *json)
{
	size_t n = strlen(json);

	while (n > 0 && json[n - 1] != '}')
		n--;
	put(o, json, n > 0 ? n - 1 : 0);
}

/* "key":"<base64 of data>" (null when there is none). */
static void
put_base64(struct out *o, const char *key, const unsigned char *data,
    size_t len, bool present)
{
	unsigned char enc[B64_CHUNK / 3 * 4 + 1];

	puts_(o, ",\"");
	puts_(o, key);
	puts_(o, "\":");
	if (!present) {
		puts_(o, "null");
		return;
	}
	puts_(o, "\"");
	for (size_t off = 0; off < len && o->rc == 0; off += B64_CHUNK) {
		size_t n = len - off < B64_CHUNK ? len - off : B64_CHUNK;
		int e = EVP_EncodeBlock(enc, data + off, (int)n);

		put(o, (const char *)enc, (size_t)e);
	}
	puts_(o, "\"");
}

/* A stored blob bound to ad, opened (gdpr_blob_open) and written in
 * base64. */
static int
put_blob(struct desk *in, struct out *o, const char *key, const char *ad,
    const char *what, int64_t row, unsigned char *data, size_t len,
    struct gc_err *err)
{
	unsigned char *clear = NULL;
	size_t n = 0;
	int rc = 0;

	if (data != NULL)
		rc = gdpr_blob_open(in, ad, what, row, data, len, &clear, &n,
		    err);
	if (rc == 0)
		put_base64(o, key, clear, n, data != NULL);
	free(clear);
	return rc;
}

int
gdpr_blob_open(struct desk *in, const char *ad, const char *what,
    int64_t row_id, unsigned char *data, size_t len, unsigned char **out_r,
    size_t *len_r, struct gc_err *err)
{
	char name[96];

	snprintf(name, sizeof(name), "%s %lld", what, (long long)row_id);
	return vault_open(in->conf, ad, data, len, name, out_r, len_r, err);
}

static void
free_page(int64_t *ids, char **json, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(json[i]);
	free(json);
	free(ids);
}

static int
put_attachments(struct desk *in, struct out *o, int64_t msg,
    struct gdpr_counts *c, struct gc_err *err)
{
	int64_t after = 0, id;
	int rc = 0;

	puts_(o, ",\"attachments\":[");
	for (bool first = true; rc == 0 && o->rc == 0; first = false) {
		unsigned char *data, sha[32];
		char *meta, *ad;
		size_t len;

		rc = gdpr_db_attachment(in->db, msg, after, &id, &meta, &data,
		    &len, sha, err);
		if (rc != 0 || id == 0)
			break;
		if (!first)
			puts_(o, ",");
		open_object(o, meta);
		ad = vault_ad_attachment(msg, sha);
		rc = put_blob(in, o, "content_base64", ad, "attachment", id,
		    data, len, err);
		puts_(o, "}");
		free(ad);
		free(meta);
		free(data);
		c->attachments++;
		after = id;
	}
	puts_(o, "]");
	return rc;
}

/* A message's fields, its raw mail and its attachments. */
static int
put_message(struct desk *in, struct out *o, int64_t id, const char *json,
    struct gdpr_counts *c, struct gc_err *err)
{
	unsigned char *raw;
	char *doc = xstrdup(json), *key, *ad;
	size_t len;
	int rc;

	/* sealed texts opened in place: a text that does not open fails
	 * the export rather than leave a gap in it */
	rc = vault_message_json(in->conf, &doc, err);
	open_object(o, doc);
	free(doc);
	if (rc != 0)
		return rc;
	rc = gdpr_db_message_raw(in->db, id, &raw, &len, &key, err);
	ad = vault_ad_message("raw", key ? key : "");
	if (rc == 0)
		rc = put_blob(in, o, "raw_base64", ad, "raw", id, raw, len,
		    err);
	free(ad);
	free(key);
	free(raw);
	if (rc == 0)
		rc = put_attachments(in, o, id, c, err);
	puts_(o, "}");
	c->messages++;
	return rc;
}

typedef int (*page_fn)(struct db *, int64_t, int64_t, int, int64_t **,
    char ***, size_t *, struct gc_err *);

/* ,"key":[...] of a ticket's messages (page is gdpr_db_messages_json)
 * or events, a page at a time. */
static int
put_rows(struct desk *in, struct out *o, const char *key, int64_t ticket,
    page_fn page, int limit, struct gdpr_counts *c, struct gc_err *err)
{
	bool messages = page == gdpr_db_messages_json, first = true;
	int64_t after = 0, *ids;
	char **json;
	size_t n;
	int rc;

	puts_(o, ",\"");
	puts_(o, key);
	puts_(o, "\":[");
	do {
		rc = page(in->db, ticket, after, limit, &ids, &json, &n, err);
		for (size_t i = 0; rc == 0 && o->rc == 0 && i < n; i++) {
			if (!first)
				puts_(o, ",");
			first = false;
			if (messages) {
				rc = put_message(in, o, ids[i], json[i], c, err);
			} else {
				puts_(o, json[i]);
				c->events++;
			}
			after = ids[i];
		}
		free_page(ids, json, n);
	} while (rc == 0 && o->rc == 0 && n == (size_t)limit);
	puts_(o, "]");
	return rc;
}

static int
put_tickets(struct desk *in, struct out *o, const char *const *person,
    struct gdpr_counts *c, struct gc_err *err)
{
	struct gdpr_ids ids;
	int64_t after = 0;
	bool first = true;
	int rc;

	do {
		rc = gdpr_db_person_tickets(in->db, person, false, after,
		    TICKETS_PAGE, &ids, err);
		for (size_t i = 0; rc == 0 && o->rc == 0 && i < ids.n; i++) {
			char *t;

			if ((rc = gdpr_db_ticket_json(in->db, ids.v[i], &t,
			    err)) != 0 || t == NULL) {
				after = ids.v[i];
				continue;   /* gone meanwhile: not ours */
			}
			/* a sealed rating comment opened: one that does not
			 * open fails the export, as a message's text does */
			rc = vault_ticket_json(in->conf, &t, err);
			if (!first)
				puts_(o, ",");
			first = false;
			open_object(o, t);
			free(t);
			if (rc != 0)
				break;
			rc = put_rows(in, o, "messages", ids.v[i],
			    gdpr_db_messages_json, MESSAGES_PAGE, c, err);
			if (rc == 0)
				rc = put_rows(in, o, "events", ids.v[i],
				    gdpr_db_events_json, EVENTS_PAGE, c, err);
			puts_(o, "}");
			c->tickets++;
			after = ids.v[i];
		}
		if (rc == 0 && ids.n < TICKETS_PAGE) {
			gdpr_db_ids_clear(&ids);
			break;
		}
		gdpr_db_ids_clear(&ids);
	} while (rc == 0 && o->rc == 0);
	return rc;
}

/* {"address":...,"writings":[...],"exported_at":...,"tickets":[ */
static void
put_head(struct out *o, const char *addr, const char *const *person,
    time_t now)
{
	json_t *h = json_object(), *w = json_array();
	char *s, at[32];

	for (size_t i = 0; w != NULL && person[i] != NULL; i++)
		(void)!json_array_append_new(w, json_string(person[i]));
	if (h == NULL || w == NULL ||
	    json_object_set_new(h, "address", json_string(addr)) != 0 ||
	    json_object_set_new(h, "writings", w) != 0 ||
	    (s = json_dumps(h, JSON_PRESERVE_ORDER | JSON_COMPACT)) == NULL)
		fatal("json: out of memory");
	time_iso8601(at, sizeof(at), now);
	s[strlen(s) - 1] = '\0';       /* the object stays open */
	puts_(o, s);
	puts_(o, ",\"exported_at\":\"");
	puts_(o, at);
	puts_(o, "\",\"tickets\":[");
	free(s);
	json_decref(h);
}

int
gdpr_export(struct desk *in, const char *addr, const struct gdpr_who *who,
    gdpr_write_fn write, void *arg, struct gdpr_counts *c,
    struct gc_err *err)
{
	struct out o = { write, arg, 0 };
	const char *const *person;
	struct gdpr_key k;
	struct evjson *e;
	char **p, *data;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = gdpr_key_load(&k, in, err)) != 0)
		return rc;
	if ((rc = gdpr_person(in, addr, &p, err)) != 0) {
		OPENSSL_cleanse(&k, sizeof(k));
		return rc;
	}
	person = (const char *const *)p;
	gdpr_pseudonym(c->pseudonym, &k, person[0]);
	OPENSSL_cleanse(&k, sizeof(k));
	if ((rc = gdpr_db_begin_snapshot(in->db, err)) != 0) {
		gdpr_person_free(p);
		return rc;
	}
	put_head(&o, addr, person, in->now);
	rc = put_tickets(in, &o, person, c, err);
	puts_(&o, "],\"status_subscriptions\":");
	if (rc == 0 && (rc = gdpr_db_subscriptions_json(in->db, person, &data,
	    &c->subscriptions, err)) == 0) {
		puts_(&o, data);
		free(data);
	}
	puts_(&o, ",\"blocked_senders\":");
	if (rc == 0 && (rc = gdpr_db_blocked_json(in->db, person, &data,
	    &c->blocked, err)) == 0) {
		puts_(&o, data);
		free(data);
	}
	puts_(&o, "}\n");
	gdpr_person_free(p);
	if (rc == 0 && o.rc != 0)
		rc = gc_err_set(err, o.rc, "export: cannot write the output");
	if (rc == 0)
		rc = db_commit(in->db, err);
	else
		db_rollback(in->db);
	if (rc != 0)
		return rc;
	e = ev_new();
	ev_str(e, "subject", c->pseudonym);
	ev_str(e, "login", who->login);
	ev_int(e, "tickets", c->tickets);
	ev_int(e, "messages", c->messages);
	ev_int(e, "attachments", c->attachments);
	ev_int(e, "events", c->events);
	ev_int(e, "subscriptions", c->subscriptions);
	data = ev_end(e);
	if ((rc = db_begin(in->db, err)) == 0 &&
	    (rc = store_event(in->db, 0, in->now, "gdpr_export", who->actor, data,
	    err)) == 0)
		rc = db_commit(in->db, err);
	if (rc != 0)
		db_rollback(in->db);
	free(data);
	return rc;
}
