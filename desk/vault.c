/*
 * vault.c - sealing and opening what the desk stores (see vault.h)
 */
#include "desk/vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/seal.h"
#include "common/util.h"
#include "sql/store_sealed.h"

char *
vault_ad_message(const char *column, const char *dedup_key)
{
	return xasprintf("messages.%s:%s", column, dedup_key ? dedup_key : "");
}

char *
vault_ad_attachment(int64_t message_id, const unsigned char *sha256)
{
	static const unsigned char none[32];
	char hex[65];

	hex_encode(hex, sha256 ? sha256 : none, 32);
	return xasprintf("attachments:%lld:%s", (long long)message_id, hex);
}

char *
vault_ad_outbox(const char *message_id)
{
	return xasprintf("outbox:%s", message_id ? message_id : "");
}

char *
vault_ad_rating(int64_t ticket_id)
{
	return xasprintf("ticket_ratings.comment:%lld", (long long)ticket_id);
}

char *
vault_ad_quarantine(const char *dedup_key, int64_t id)
{
	char suffix[48];
	size_t n = dedup_key ? strlen(dedup_key) : 0, k;

	/* a retried entry's key gets ":retried:ID" (sql/
	 * store_quarantine.c): its blob stays bound to the key it had */
	k = (size_t)snprintf(suffix, sizeof(suffix), ":retried:%lld",
	    (long long)id);
	if (id > 0 && n > k && strcmp(dedup_key + n - k, suffix) == 0)
		n -= k;
	return xasprintf("quarantine:%.*s", (int)n, dedup_key ? dedup_key :
	    "");
}

bool
vault_on(const struct conf *c)
{
	return c->storage.on;
}

int
vault_seal(const struct conf *c, const char *ad, const void *clear,
    size_t len, unsigned char **out, size_t *out_len, struct gc_err *err)
{
	const struct seal_key *k;

	*out = NULL;
	*out_len = 0;
	if (!vault_on(c))
		return 0;
	k = seal_keyring_find(&c->storage.keys, c->storage.keys.current);
	if (k == NULL)
		fatal("the current storage key is not in the keyring");
	return seal_seal(out, out_len, k, ad, strlen(ad), clear ? clear : "",
	    len, err);
}

int
vault_open(const struct conf *c, const char *ad, const void *stored,
    size_t len, const char *what, unsigned char **out, size_t *out_len,
    struct gc_err *err)
{
	int rc;

	if (!seal_is_sealed(stored, len)) {
		*out = xmalloc(len + 1);
		if (len > 0)
			memcpy(*out, stored, len);
		(*out)[len] = '\0';
		*out_len = len;
		return 0;
	}
	if (!vault_on(c)) {
		*out = NULL;
		*out_len = 0;
		rc = gc_err_set(err, GC_ENOTFOUND, "%s is sealed and no "
		    "[storage] key_file is configured", what);
		log_error("%s", err ? err->msg : "sealed row without keys");
		return rc;
	}
	rc = seal_open(out, out_len, &c->storage.keys, ad, strlen(ad), stored,
	    len, err);
	if (rc != 0) {
		gc_err_prefix(err, "%s", what);
		log_error("stored data refused: %s", err ? err->msg :
		    "does not open");
	}
	return rc;
}

int
vault_open_buf(const struct conf *c, const char *ad, char **buf,
    size_t *len, const char *what, struct gc_err *err)
{
	unsigned char *pt;
	size_t plen;
	int rc;

	if (!seal_is_sealed(*buf, *len))
		return 0;
	if ((rc = vault_open(c, ad, *buf, *len, what, &pt, &plen, err)) != 0)
		return rc;
	free(*buf);
	*buf = (char *)pt;
	*len = plen;
	return 0;
}

/* The raw bytes of a message row (quarantine false) or of a quarantine
 * entry, opened in place when sealed. */
static int
open_raw(const struct conf *c, struct db *db, bool quarantine, int64_t id,
    char **raw, size_t *len, struct gc_err *err)
{
	char *key = NULL, *ad, what[64];
	int rc;

	if (!seal_is_sealed(*raw, *len))
		return 0;
	rc = quarantine ? store_sealed_quarantine_key(db, id, &key, err) :
	    store_sealed_message_key(db, id, &key, err);
	if (rc != 0)
		return rc;
	ad = quarantine ? vault_ad_quarantine(key, id) :
	    vault_ad_message("raw", key);
	snprintf(what, sizeof(what), "%s %lld", quarantine ?
	    "quarantine entry" : "message raw", (long long)id);
	rc = vault_open_buf(c, ad, raw, len, what, err);
	free(ad);
	free(key);
	return rc;
}

int
vault_open_message_raw(const struct conf *c, struct db *db,
    int64_t message_id, char **raw, size_t *len, struct gc_err *err)
{
	return open_raw(c, db, false, message_id, raw, len, err);
}

int
vault_open_quarantine_raw(const struct conf *c, struct db *db, int64_t id,
    char **raw, size_t *len, struct gc_err *err)
{
	return open_raw(c, db, true, id, raw, len, err);
}

bool
vault_stale(const struct conf *c, const void *stored, size_t len)
{
	if (!vault_on(c) || stored == NULL)
		return false;
	return seal_key_id(stored, len) != c->storage.keys.current;
}

/* ----- Documents -------------------------------------------------- */

/* The sealed blob hex (bound to ad) opened: vault_open() of its bytes.
 * what names the row in the log. */
static int
open_hex(const struct conf *c, const char *hex, const char *ad,
    const char *what, unsigned char **pt, size_t *plen, struct gc_err *err)
{
	unsigned char *blob;
	size_t blen;
	int rc;

	blob = hex_decode(hex, &blen);
	rc = vault_open(c, ad, blob, blen, what, pt, plen, err);
	free(blob);
	return rc;
}

/* What open_hex() gave (rc, pt, plen) into obj's field: one that did
 * not open makes the field null, with errfield saying why. */
static int
set_opened(json_t *obj, const char *field, const char *errfield, int rc,
    unsigned char *pt, size_t plen, const struct gc_err *err)
{
	if (rc != 0) {
		json_object_set_new(obj, field, json_null());
		json_object_set_new(obj, errfield, json_string(err ?
		    err->msg : "does not open"));
		return rc;
	}
	json_object_set_new(obj, field, json_stringn((char *)pt, plen));
	free(pt);
	return 0;
}

/* The sealed blob hex (bound to ad) opened into obj's field; one that
 * does not open makes the field null, with errfield saying why. what
 * names the row in the log. */
static int
open_into(const struct conf *c, json_t *obj, const char *hex, const char *ad,
    const char *what, const char *field, const char *errfield,
    struct gc_err *err)
{
	unsigned char *pt = NULL;
	size_t plen = 0;
	int rc = open_hex(c, hex, ad, what, &pt, &plen, err);

	return set_opened(obj, field, errfield, rc, pt, plen, err);
}

int
vault_open_rating_comment(const struct conf *c, int64_t ticket_id,
    const char *hex, unsigned char **text, size_t *len, struct gc_err *err)
{
	char *ad = vault_ad_rating(ticket_id), what[96];
	int rc;

	snprintf(what, sizeof(what), "rating of ticket row %lld, comment",
	    (long long)ticket_id);
	rc = open_hex(c, hex, ad, what, text, len, err);
	free(ad);
	return rc;
}

/* Open one sealed text of a message object into its field. */
static int
open_field(const struct conf *c, json_t *msg, const json_t *sealed,
    const char *field, struct gc_err *err)
{
	const char *hex = json_string_value(json_object_get(sealed, field));
	const char *key = json_string_value(json_object_get(sealed, "key"));
	char *ad, what[320];
	int rc;

	if (hex == NULL)
		return 0;
	ad = vault_ad_message(field, key);
	snprintf(what, sizeof(what), "message %s, %s", key ? key : "?",
	    field);
	rc = open_into(c, msg, hex, ad, what, field, "text_error", err);
	free(ad);
	return rc;
}

/* The sealed texts of one message object opened in place; its "sealed"
 * member removed. */
static int
open_message(const struct conf *c, json_t *m, struct gc_err *first)
{
	json_t *sealed = json_object_get(m, "sealed");
	int rc = 0;

	if (json_is_object(sealed)) {
		int r1 = open_field(c, m, sealed, "text", first);
		int r2 = open_field(c, m, sealed, "new_text", first);

		rc = r1 ? r1 : r2;
	}
	json_object_del(m, "sealed");
	return rc;
}

/* A rating object's sealed comment ("sealed_comment": {key: the ticket's
 * id, hex}) opened into its "comment"; the member removed. */
static int
open_comment(const struct conf *c, json_t *r, struct gc_err *err)
{
	json_t *sealed = json_object_get(r, "sealed_comment");
	const char *hex = json_string_value(json_object_get(sealed, "hex"));
	int64_t id = json_integer_value(json_object_get(sealed, "key"));
	unsigned char *pt = NULL;
	size_t plen = 0;
	int rc = 0;

	if (!json_is_object(r))
		return 0;
	if (hex != NULL) {
		rc = vault_open_rating_comment(c, id, hex, &pt, &plen, err);
		rc = set_opened(r, "comment", "comment_error", rc, pt, plen,
		    err);
	}
	json_object_del(r, "sealed_comment");
	return rc;
}

int
vault_message_json(const struct conf *c, char **doc, struct gc_err *err)
{
	json_t *m = json_loads(*doc, 0, NULL);
	struct gc_err first = { 0 };
	int rc;

	if (m == NULL)
		return gc_err_set(err, GC_EPARSE, "message document unreadable");
	if ((rc = open_message(c, m, &first)) != 0 && err)
		*err = first;
	free(*doc);
	*doc = json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(m);
	if (*doc == NULL)
		fatal("out of memory (message document)");
	return rc;
}

int
vault_ticket_json(const struct conf *c, char **doc, struct gc_err *err)
{
	json_t *root = json_loads(*doc, 0, NULL), *msgs, *m;
	struct gc_err first = { 0 };
	size_t i;
	int rc = 0;

	if (root == NULL)
		return gc_err_set(err, GC_EPARSE, "ticket document unreadable");
	for (i = 0; i < 2; i++) {
		int r = open_comment(c, json_object_get(root, i == 0 ?
		    "rating" : "satisfaction"), &first);

		if (rc == 0 && r != 0) {
			rc = r;
			if (err)
				*err = first;
		}
	}
	msgs = json_object_get(root, "messages");
	json_array_foreach(msgs, i, m) {
		int r = open_message(c, m, &first);

		if (rc == 0 && r != 0) {
			rc = r;
			if (err)
				*err = first;
		}
	}
	free(*doc);
	*doc = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (*doc == NULL)
		fatal("out of memory (ticket document)");
	return rc;
}
