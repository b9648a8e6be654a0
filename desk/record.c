/*
 * record.c - messages and events of a ticket (see record.h)
 */
#include "desk/record.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "desk/dedup.h"
#include "desk/hooks.h"
#include "desk/vault.h"
#include "desk/vault_index.h"
#include "parsers/mime.h"
#include "sql/store_event.h"
#include "sql/store_message.h"
#include "sql/store_quarantine.h"

/* The addresses of a header's list (out: n entries); returns how many. */
size_t
record_addrs(const char **out, const struct mail_addr *a, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (a[i].addr != NULL)
			out[k++] = a[i].addr;
	return k;
}

struct mail_limits
record_mail_limits(const struct conf *c, size_t len)
{
	struct mail_limits lim = mail_limits_default();

	lim.max_mail_bytes = len + 1;
	lim.max_header_bytes = (size_t)c->general.max_header_size;
	lim.max_depth = (size_t)c->general.max_mime_depth;
	lim.max_parts = (size_t)c->general.max_mime_parts;
	/* No mail under max_mail_size is refused for the length of its
	 * text: decoding turns a byte into at most 3 (a single-byte charset
	 * into UTF-8, a bad byte into U+FFFD). What the ticket shows is cut
	 * at max_text_size (record_cut_texts()). */
	lim.max_text_bytes = len < SIZE_MAX / 4 - 65536 ? 3 * len + 65536 :
	    SIZE_MAX / 4;
	return lim;
}

/* A text longer than max bytes, cut at a character boundary with a note
 * saying so; the text itself when it fits. From the mail's arena. */
static const char *
cut_text(struct mail *m, const char *text, size_t max)
{
	static const char note[] = "\n\n[The text of this mail is cut here: "
	    "it has %zu bytes, the ticket shows the first %zu. The whole mail "
	    "is kept as received.]\n";
	size_t len = text ? strlen(text) : 0, keep = max;
	char *out;

	if (len <= max)
		return text;
	while (keep > 0 && ((unsigned char)text[keep] & 0xc0) == 0x80)
		keep--;               /* not inside a UTF-8 sequence */
	out = arena_alloc(mail_arena(m), keep + sizeof(note) + 64);
	memcpy(out, text, keep);
	snprintf(out + keep, sizeof(note) + 64, note, len, keep);
	return out;
}

void
record_cut_texts(const struct conf *c, struct mail *m)
{
	m->text = cut_text(m, m->text, (size_t)c->general.max_text_size);
	m->new_text = cut_text(m, m->new_text,
	    (size_t)c->general.max_text_size);
}

int
record_mail_reread(const struct conf *c, const char *raw, size_t len,
    struct mail **m, struct gc_err *err)
{
	struct mail_limits lim = record_mail_limits(c, len);
	int rc;

	if ((rc = mail_parse(m, raw, len, &lim, err)) == 0)
		record_cut_texts(c, *m);
	return rc;
}

int
record_seal_message(struct desk *in, struct store_message *sm,
    unsigned char *sealed[3], struct gc_err *err)
{
	const struct conf *c = in->conf;
	char *ad, *tsv = NULL;
	int rc = 0;

	if (!vault_on(c))
		return 0;
	/* the blind index, from the clear text */
	if (vault_index_wanted(sm, sm->outbox_id != 0)) {
		rc = vault_index_message(c, in->db, sm, &tsv, err);
		sm->sealed_tsv = tsv;
		if (rc != 0)
			return rc;
	}
	if (sm->raw != NULL) {
		ad = vault_ad_message("raw", sm->dedup_key);
		rc = vault_seal(c, ad, sm->raw, sm->raw_len, &sealed[0],
		    &sm->raw_sealed_len, err);
		free(ad);
		sm->raw = (const char *)sealed[0];
	}
	if (rc == 0) {
		ad = vault_ad_message("text", sm->dedup_key);
		rc = vault_seal(c, ad, sm->text ? sm->text : "",
		    sm->text ? strlen(sm->text) : 0, &sealed[1],
		    &sm->sealed_text_len, err);
		free(ad);
		sm->sealed_text = sealed[1];
		sm->text = "";
	}
	if (rc == 0 && sm->new_text != NULL) {
		ad = vault_ad_message("new_text", sm->dedup_key);
		rc = vault_seal(c, ad, sm->new_text, strlen(sm->new_text),
		    &sealed[2], &sm->sealed_new_text_len, err);
		free(ad);
		sm->sealed_new_text = sealed[2];
		sm->new_text = NULL;
	}
	return rc;
}

int
record_attachment(struct desk *in, const struct store_attachment *a,
    struct gc_err *err)
{
	struct store_attachment sa = *a;
	unsigned char *sealed;
	char *ad;
	int rc;

	if (!vault_on(in->conf))
		return store_attachment_insert(in->db, a, err);
	ad = vault_ad_attachment(a->message_id, a->sha256);
	rc = vault_seal(in->conf, ad, a->data, a->len, &sealed, &sa.sealed_len,
	    err);
	free(ad);
	if (rc != 0)
		return rc;
	sa.data = sealed;
	rc = store_attachment_insert(in->db, &sa, err);
	free(sealed);
	return rc;
}

int
record_quarantine(struct desk *in, const struct store_quarantine *q,
    int64_t *id_r, struct gc_err *err)
{
	struct store_quarantine sq = *q;
	unsigned char *sealed;
	char *ad;
	int rc;

	if (!vault_on(in->conf) || q->raw_len == 0)
		return store_quarantine_insert(in->db, q, id_r, err);
	ad = vault_ad_quarantine(q->dedup_key, 0);
	rc = vault_seal(in->conf, ad, q->raw, q->raw_len, &sealed,
	    &sq.raw_sealed_len, err);
	free(ad);
	if (rc != 0)
		return rc;
	sq.raw = (const char *)sealed;
	rc = store_quarantine_insert(in->db, &sq, id_r, err);
	free(sealed);
	return rc;
}

static int
mail_and_event(struct desk *in, const struct conv_mail *cm, int64_t ticket_id,
    const char *author, const char *agent, bool internal, int64_t *mid_r,
    const struct store_message_event *ev, struct gc_err *err)
{
	const struct mail *m = cm->m;
	const char **to = xcalloc(m->nto + 1, sizeof(*to));
	const char **cc = xcalloc(m->ncc + 1, sizeof(*cc));
	const char *flags[4];
	unsigned char sha[32];
	struct store_message sm = { 0 };
	size_t nto = 0, ncc = 0, nflags = 0;
	int64_t mid = 0;
	unsigned char *sealed[3] = { NULL, NULL, NULL };
	int rc;

	nto = record_addrs(to, m->to, m->nto);
	ncc = record_addrs(cc, m->cc, m->ncc);
	if (m->text_charset_unknown)
		flags[nflags++] = "charset-unknown";
	if (m->text_from_html)
		flags[nflags++] = "from-html";
	if (cm->automatic)
		flags[nflags++] = "automatic";
	dedup_sha256(sha, cm->raw, cm->len);
	sm.ticket_id = ticket_id;
	sm.direction = "in";
	sm.author = author;
	sm.mailbox = cm->mb->name;
	sm.from_addr = m->from.addr;
	sm.from_name = m->from.name;
	sm.to = to;
	sm.nto = nto;
	sm.cc = cc;
	sm.ncc = ncc;
	sm.subject = m->subject;
	sm.message_id = cm->copy ? NULL : m->message_id;
	sm.in_reply_to = m->in_reply_to;
	sm.refs = m->references;
	sm.nrefs = m->nreferences;
	sm.sent_date = m->date;
	sm.has_sent_date = m->has_date;
	sm.received_at = in->now;
	sm.text = m->text ? m->text : "";
	sm.new_text = m->new_text;
	sm.text_flags = flags;
	sm.ntext_flags = nflags;
	sm.raw = cm->raw;
	sm.raw_len = cm->len;
	sm.raw_sha256 = sha;
	sm.dedup_key = cm->key;
	sm.imap_uid = cm->uid;
	sm.agent = agent;
	sm.internal = internal;
	rc = record_seal_message(in, &sm, sealed, err);
	/* the message's id only when its attachments need it */
	if (rc == 0)
		rc = store_message_insert_event(in->db, &sm, ev,
		    m->nattachments || mid_r ? &mid : NULL, err);
	free(to);
	free(cc);
	for (int i = 0; i < 3; i++)
		free(sealed[i]);
	free((char *)sm.sealed_tsv);
	for (size_t i = 0; rc == 0 && i < m->nattachments; i++) {
		const struct mail_attachment *a = &m->attachments[i];
		struct store_attachment sa = {
			.message_id = mid, .filename = a->filename,
			.content_type = a->content_type,
			.disposition = a->disposition,
			.content_id = a->content_id,
			.data = a->data, .len = a->len, .sha256 = sha,
		};

		dedup_sha256(sha, a->data ? (const void *)a->data : "",
		    a->len);
		rc = record_attachment(in, &sa, err);
	}
	if (mid_r)
		*mid_r = mid;
	return rc;
}

int
record_mail(struct desk *in, const struct conv_mail *cm, int64_t ticket_id,
    const char *author, const char *agent, bool internal, int64_t *mid_r,
    struct gc_err *err)
{
	return mail_and_event(in, cm, ticket_id, author, agent, internal,
	    mid_r, NULL, err);
}

int
record_mail_event(struct desk *in, const struct conv_mail *cm,
    int64_t ticket_id, const char *author, const char *agent, bool internal,
    const char *kind, const char *actor, char *data, bool touch,
    struct gc_err *err)
{
	struct store_message_event ev = { kind, actor, data, touch };
	int rc = mail_and_event(in, cm, ticket_id, author, agent, internal,
	    NULL, &ev, err);

	if (rc == 0)
		rc = hooks_event(in, ticket_id, kind, actor, data, err);
	free(data);
	return rc;
}

int
record_event(struct desk *in, int64_t ticket_id, const char *kind,
    const char *actor, char *data, struct gc_err *err)
{
	int rc = store_event(in->db, ticket_id, in->now, kind, actor, data,
	    err);

	if (rc == 0)
		rc = hooks_event(in, ticket_id, kind, actor, data, err);
	free(data);
	return rc;
}

const char *
record_new_text(const struct mail *m)
{
	if (m->new_text != NULL && m->new_text[0] != '\0')
		return m->new_text;
	return m->text ? m->text : "";
}
