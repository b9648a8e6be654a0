/*
 * vault_rotate.c - sealing stored rows again with the current key, and
 * reading an attachment back (see vault_rotate.h)
 */
#include "desk/vault_rotate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/seal.h"
#include "common/sha256.h"
#include "desk/vault.h"
#include "desk/vault_index.h"

/* The first bytes of every blob of the current key. */
static void
current_header(const struct conf *c, unsigned char h[SEAL_MAGIC_LEN + 4])
{
	uint32_t id = c->storage.keys.current;

	memcpy(h, seal_magic, SEAL_MAGIC_LEN);
	h[SEAL_MAGIC_LEN] = (unsigned char)(id >> 24);
	h[SEAL_MAGIC_LEN + 1] = (unsigned char)(id >> 16);
	h[SEAL_MAGIC_LEN + 2] = (unsigned char)(id >> 8);
	h[SEAL_MAGIC_LEN + 3] = (unsigned char)id;
}

/* Open col (clear or sealed) with ad and seal it with the current key
 * into *out; a NULL column stays NULL. */
static int
reseal(const struct conf *c, const char *ad, const char *what,
    const struct store_sealed_col *col, struct store_sealed_col *out,
    unsigned char **clear_r, struct gc_err *err)
{
	unsigned char *pt;
	size_t plen;
	int rc;

	memset(out, 0, sizeof(*out));
	if (col->data == NULL)
		return 0;
	if ((rc = vault_open(c, ad, col->data, col->len, what, &pt, &plen,
	    err)) != 0)
		return rc;
	rc = vault_seal(c, ad, pt, plen, &out->data, &out->len, err);
	if (clear_r != NULL && rc == 0) {
		*clear_r = pt;   /* the caller wipes it */
		return 0;
	}
	explicit_bzero(pt, plen);
	free(pt);
	return rc;
}

/* The new bytes of one row (out: as store_sealed_update() takes them). */
static int
reseal_row(const struct conf *c, struct db *db, enum store_sealed_table t,
    const struct store_sealed_row *r, struct store_sealed_col *out,
    char **tsv_r, struct gc_err *err)
{
	static const char *const cols[3] = { "raw", "text", "new_text" };
	unsigned char *text = NULL;
	char what[320], *ad;
	int rc = 0;

	if (t != SEALED_MESSAGES) {
		ad = t == SEALED_ATTACHMENTS ?
		    vault_ad_attachment(r->message_id, r->sha256) :
		    t == SEALED_QUARANTINE ? vault_ad_quarantine(r->key, r->id) :
		    t == SEALED_RATINGS ? vault_ad_rating(r->id) :
		    vault_ad_outbox(r->key);
		snprintf(what, sizeof(what), "%s row %lld",
		    store_sealed_table_name(t), (long long)r->id);
		rc = reseal(c, ad, what, &r->col[0], &out[0], NULL, err);
		free(ad);
		return rc;
	}
	/* messages: raw, then each text from its sealed column when there
	 * is one, else from the clear one */
	for (int i = 0; rc == 0 && i < 3; i++) {
		const struct store_sealed_col *src = &r->col[i];

		if (i > 0 && r->col[i + 2].data != NULL)
			src = &r->col[i + 2];
		ad = vault_ad_message(cols[i], r->key);
		snprintf(what, sizeof(what), "message %lld, %s",
		    (long long)r->id, cols[i]);
		rc = reseal(c, ad, what, src, &out[i], i == 1 ? &text : NULL,
		    err);
		free(ad);
	}
	/* the blind index again, with the new key */
	if (rc == 0 && text != NULL)
		rc = vault_index_row(c, db, r->id, (char *)text, tsv_r, err);
	if (text != NULL) {
		explicit_bzero(text, strlen((char *)text));
		free(text);
	}
	return rc;
}

int
vault_rotate_batch(const struct conf *c, struct db *db,
    enum store_sealed_table t, int64_t *after, long long limit,
    size_t *done_r, size_t *refused_r, struct gc_err *err)
{
	unsigned char header[SEAL_MAGIC_LEN + 4];
	struct store_sealed_row *rows;
	size_t n;
	int rc;

	*done_r = 0;
	if (!vault_on(c))
		return gc_err_set(err, GC_ECONFIG, "no [storage] key_file: "
		    "there is no key to seal with");
	current_header(c, header);
	if ((rc = store_sealed_batch(db, t, *after, header, sizeof(header),
	    limit, &rows, &n, err)) != 0)
		return rc;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct store_sealed_col out[3] = { { 0 }, { 0 }, { 0 } };
		struct gc_err rerr = { 0 };
		char *tsv = NULL;

		*after = rows[i].id;
		if (reseal_row(c, db, t, &rows[i], out, &tsv, &rerr) != 0) {
			(*refused_r)++;   /* logged by vault_open() */
		} else {
			rc = store_sealed_update(db, t, rows[i].id, out, tsv,
			    err);
		}
		free(tsv);
		for (int k = 0; k < 3; k++)
			free(out[k].data);
	}
	store_sealed_rows_free(rows, n);
	*done_r = n;
	return rc;
}

int
vault_attachment(const struct conf *c, struct db *db, const char *number,
    long long n, unsigned char **out, size_t *len_r, char **name_r,
    struct gc_err *err)
{
	struct store_sealed_row r;
	unsigned char sha[SHA256_LEN];
	char what[320], *ad;
	int rc;

	*out = NULL;
	*len_r = 0;
	*name_r = NULL;
	if ((rc = store_sealed_attachment(db, number, n, &r, err)) != 0)
		return rc;
	ad = vault_ad_attachment(r.message_id, r.sha256);
	snprintf(what, sizeof(what), "ticket %s, attachment %lld "
	    "(attachments row %lld)", number, n, (long long)r.id);
	rc = vault_open(c, ad, r.col[0].data ? r.col[0].data :
	    (unsigned char *)"", r.col[0].len, what, out, len_r, err);
	free(ad);
	if (rc == 0)
		sha256(sha, *out, *len_r);
	if (rc == 0 && memcmp(sha, r.sha256, SHA256_LEN) != 0) {
		free(*out);
		*out = NULL;
		*len_r = 0;
		rc = gc_err_set(err, GC_EINVAL, "%s: its bytes do not have "
		    "the SHA-256 stored with them", what);
		log_error("stored data refused: %s", err ? err->msg : what);
	}
	if (rc == 0)
		*name_r = r.key;
	else
		free(r.key);
	free(r.col[0].data);
	return rc;
}
