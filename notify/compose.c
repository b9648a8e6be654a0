/*
 * compose.c - RFC 5322 / MIME message composition (see compose.h): the
 * message checked, then its header, body and attachments put together
 * (headers written by compose_header.c, encodings in compose_enc.c);
 * Message-IDs made
 *
 * Temporary strings live in an arena freed before compose_message()
 * returns.
 */
#include "notify/compose.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "common/log.h"
#include "common/sha256.h"
#include "common/util.h"
#include "notify/compose_int.h"

/* RFC 2045 token characters, for the media type of an attachment. */
static bool
is_token(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || strchr("()<>@,;:\\\"/[]?=", c))
			return false;
	}
	return true;
}

static bool
media_type_ok(const char *t)
{
	const char *slash = t ? strchr(t, '/') : NULL;

	return slash != NULL && strlen(t) < 128 &&
	    is_token(t, (size_t)(slash - t)) &&
	    is_token(slash + 1, strlen(slash + 1));
}

/* ----- The message ------------------------------------------------ */

static bool
header_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > COMPOSE_MAX_HEADER_NAME)
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] <= 32 || name[i] >= 127 || name[i] == ':')
			return false;
	return true;
}

/* Headers compose_message writes itself, or that only the transport
 * may set: an extra header may not be one of them. */
static bool
header_reserved(const char *name)
{
	static const char *const reserved[] = { "From", "To", "Cc", "Bcc",
		"Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To",
		"References", "Auto-Submitted", "MIME-Version", "Sender",
		"Return-Path", "Received", NULL };

	if (str_casestarts(name, "Content-"))
		return true;
	for (int i = 0; reserved[i]; i++)
		if (str_casecmp(name, reserved[i]) == 0)
			return true;
	return false;
}

static int
check_msg(const struct compose_msg *m, struct gc_err *err)
{
	int rc;

	if ((rc = compose_addr_check(m->from.addr, err)) != 0) {
		gc_err_prefix(err, "From");
		return rc;
	}
	if (m->nto + m->ncc == 0)
		return gc_err_set(err, GC_EINVAL, "no recipient");
	if (m->reply_to != NULL &&
	    (rc = compose_addr_check(m->reply_to->addr, err)) != 0) {
		gc_err_prefix(err, "Reply-To");
		return rc;
	}
	if (!hw_msgid_ok(m->message_id))
		return gc_err_set(err, GC_EINVAL,
		    "Message-ID missing or not usable");
	for (size_t i = 0; i < m->nextra; i++) {
		if (!header_name_ok(m->extra[i].name))
			return gc_err_set(err, GC_EINVAL,
			    "bad extra header name");
		if (header_reserved(m->extra[i].name))
			return gc_err_set(err, GC_EINVAL,
			    "extra header %s is written by compose itself",
			    m->extra[i].name);
	}
	return 0;
}

static void
put_references(struct hw *w, struct arena *a, const struct compose_msg *m)
{
	size_t first = SIZE_MAX, count = 0, skip_to;
	bool any = false;

	for (size_t i = 0; i < m->nreferences; i++)
		if (hw_msgid_ok(m->references[i]))
			count++;
	/* Past the cap: the first reference (the thread's root) and the
	 * most recent ones. */
	skip_to = count > COMPOSE_MAX_REFS ?
	    count - (COMPOSE_MAX_REFS - 1) : 0;
	count = 0;
	for (size_t i = 0; i < m->nreferences; i++) {
		char *item;

		if (!hw_msgid_ok(m->references[i]))
			continue;
		if (first == SIZE_MAX)
			first = i;
		else if (count < skip_to) {
			count++;
			continue;
		}
		count++;
		if (!any)
			hw_start(w, "References");
		any = true;
		item = arena_printf(a, "<%s>", m->references[i]);
		hw_item(w, " ", item, strlen(item));
	}
	if (any)
		hw_end(w);
}

static void
put_headers(struct hw *w, struct arena *a, const struct compose_msg *m)
{
	char date[64];
	char *item;

	time_rfc5322(date, sizeof(date), m->date);
	hw_start(w, "Date");
	hw_item(w, " ", date, strlen(date));
	hw_end(w);

	hw_start(w, "Subject");
	hw_unstructured(w, hw_clean_text(a, m->subject, false));
	hw_end(w);

	item = arena_printf(a, "<%s>", m->message_id);
	hw_start(w, "Message-ID");
	hw_item(w, " ", item, strlen(item));
	hw_end(w);

	if (hw_msgid_ok(m->in_reply_to)) {
		item = arena_printf(a, "<%s>", m->in_reply_to);
		hw_start(w, "In-Reply-To");
		hw_item(w, " ", item, strlen(item));
		hw_end(w);
	}
	put_references(w, a, m);

	if (m->auto_submitted != NULL &&
	    *hw_clean_text(a, m->auto_submitted, true) != '\0') {
		hw_start(w, "Auto-Submitted");
		hw_unstructured(w, hw_clean_text(a, m->auto_submitted, true));
		hw_end(w);
	}
	for (size_t i = 0; i < m->nextra; i++) {
		hw_start(w, m->extra[i].name);
		hw_unstructured(w, hw_clean_text(a, m->extra[i].value, false));
		hw_end(w);
	}
	hw_start(w, "MIME-Version");
	hw_item(w, " ", "1.0", 3);
	hw_end(w);
}

static void
put_text_part_headers(struct hw *w, bool qp)
{
	static const char ct[] = "Content-Type: text/plain; charset=utf-8\r\n";

	hw_raw(w, ct, sizeof(ct) - 1);
	hw_start(w, "Content-Transfer-Encoding");
	hw_item(w, " ", qp ? "quoted-printable" : "7bit", qp ? 16 : 4);
	hw_end(w);
}

static void
put_text_part(struct hw *w, const char *body, size_t blen, bool qp)
{
	put_text_part_headers(w, qp);
	hw_raw(w, "\r\n", 2);
	if (w->rc == 0)
		w->rc = qp ? enc_qp(w->out, body, blen) :
		    buf_add(w->out, body, blen);
}

/* The text and its HTML as a multipart/alternative whose header the
 * caller wrote (nested: its own Content-Type line first), closed. */
static void
put_alternative(struct hw *w, struct arena *a, const char *alt,
    const char *body, size_t blen, const char *html, size_t hlen,
    bool nested)
{
	static const char ct[] = "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
	char *line;

	if (nested) {
		line = arena_printf(a, "Content-Type: multipart/alternative;"
		    "\r\n boundary=\"%s\"\r\n\r\n--%s\r\n", alt, alt);
		hw_raw(w, line, strlen(line));
	}
	put_text_part(w, body, blen, true);
	line = arena_printf(a, "\r\n--%s\r\n", alt);
	hw_raw(w, line, strlen(line));
	hw_raw(w, ct, sizeof(ct) - 1);
	if (w->rc == 0)
		w->rc = enc_qp(w->out, html, hlen);
	line = arena_printf(a, "\r\n--%s--\r\n", alt);
	hw_raw(w, line, strlen(line));
}

static int
put_attachment(struct hw *w, struct arena *a, const char *boundary,
    const struct compose_attachment *at)
{
	const char *type = media_type_ok(at->content_type) ?
	    at->content_type : "application/octet-stream";
	char *line = arena_printf(a, "\r\n--%s\r\n", boundary);
	char *fname = at->filename ? arena_strdup(a, at->filename) : NULL;

	/* a name, never a path: the reader's client saves it as it is */
	for (char *p = fname; p != NULL && *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			*p = '_';

	hw_raw(w, line, strlen(line));
	hw_start(w, "Content-Type");
	hw_item(w, " ", type, strlen(type));
	hw_end(w);
	hw_start(w, "Content-Transfer-Encoding");
	hw_item(w, " ", "base64", 6);
	hw_end(w);
	hw_start(w, "Content-Disposition");
	hw_item(w, " ", "attachment", 10);
	if (fname != NULL && *hw_clean_text(a, fname, false)) {
		hw_raw(w, ";", 1);
		hw_filename(w, a, fname);
	}
	hw_end(w);
	hw_raw(w, "\r\n", 2);
	if (w->rc != 0)
		return w->rc;
	return enc_base64(w->out, at->data, at->len);
}

int
compose_message(struct buf *out, const struct compose_msg *m,
    struct gc_err *err)
{
	struct arena a;
	struct hw w = { out, 0, 0, 0 };
	char *body, *html = NULL;
	size_t blen, hlen = 0;
	bool multi = m->nattachments > 0, qp;
	int rc;

	if ((rc = check_msg(m, err)) != 0)
		return rc;
	arena_init(&a, 8192);

	rc = hw_addr_list(&w, &a, "From", &m->from, 1, err);
	if (rc == 0 && m->nto > 0)
		rc = hw_addr_list(&w, &a, "To", m->to, m->nto, err);
	if (rc == 0 && m->ncc > 0)
		rc = hw_addr_list(&w, &a, "Cc", m->cc, m->ncc, err);
	if (rc == 0 && m->reply_to != NULL)
		rc = hw_addr_list(&w, &a, "Reply-To", m->reply_to, 1, err);
	if (rc != 0)
		goto done;
	put_headers(&w, &a, m);

	body = enc_normalize_body(&a, m->body, &blen);
	if (m->html_body != NULL)
		html = enc_normalize_body(&a, m->html_body, &hlen);
	qp = multi || html != NULL || !enc_is_7bit(body, blen);
	if (!multi && html == NULL) {
		put_text_part(&w, body, blen, qp);
	} else {
		unsigned char md[SHA256_LEN];
		char hex[25], boundary[40], alt[48], *line;

		/* "=_" cannot occur in quoted-printable nor base64 text, so
		 * the boundary cannot occur in the parts; neither boundary
		 * begins the other. */
		sha256(md, m->message_id, strlen(m->message_id));
		hex_encode(hex, md, 12);
		snprintf(boundary, sizeof(boundary), "=_gc_%s", hex);
		snprintf(alt, sizeof(alt), "=_gc_alt_%s", hex);
		line = arena_printf(&a, "Content-Type: %s;\r\n"
		    " boundary=\"%s\"\r\n\r\n"
		    "This is a message in MIME format.\r\n"
		    "\r\n--%s\r\n", multi ? "multipart/mixed" :
		    "multipart/alternative", multi ? boundary : alt,
		    multi ? boundary : alt);
		hw_raw(&w, line, strlen(line));
		if (html == NULL)
			put_text_part(&w, body, blen, true);
		else
			put_alternative(&w, &a, alt, body, blen, html, hlen,
			    multi);
		for (size_t i = 0; i < m->nattachments && w.rc == 0; i++)
			w.rc = put_attachment(&w, &a, boundary,
			    &m->attachments[i]);
		if (multi) {
			line = arena_printf(&a, "\r\n--%s--\r\n", boundary);
			hw_raw(&w, line, strlen(line));
		}
	}
	if (w.rc != 0)      /* buf_add() fails only at the cap */
		rc = gc_err_set(err, GC_ELIMIT,
		    "message larger than %zu bytes", out->max);
done:
	arena_free(&a);
	return rc;
}

/* ----- Message-ID ------------------------------------------------- */

/* Keep letters, digits and "-_+."; no leading, trailing or double dot. */
static char *
clean_id_part(struct arena *a, const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0, o = 0;
	char *out = arena_alloc(a, (n < max ? n : max) + 1);

	for (size_t i = 0; i < n && o < max; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '+' || c == '.'))
			continue;
		if (c == '.' && (o == 0 || out[o - 1] == '.'))
			continue;
		out[o++] = c;
	}
	while (o > 0 && out[o - 1] == '.')
		o--;
	out[o] = '\0';
	return out;
}

char *
compose_message_id(struct arena *a, const char *domain, const char *hint)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char rnd[16];
	char tail[27];
	char *h, *d;
	size_t o = 0;
	unsigned int acc = 0, bits = 0;

	/* the kernel's CSPRNG directly: RAND_bytes() took locks and a
	 * DRBG per call for the same 128 bits */
	for (size_t got = 0; got < sizeof(rnd); ) {
		ssize_t r = getrandom(rnd + got, sizeof(rnd) - got, 0);

		if (r < 0 && errno != EINTR)
			fatal("getrandom: %s: no randomness for a Message-ID",
			    strerror(errno));
		if (r > 0)
			got += (size_t)r;
	}
	for (size_t i = 0; i < sizeof(rnd); i++) {
		acc = (acc << 8) | rnd[i];
		bits += 8;
		while (bits >= 5) {
			tail[o++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		tail[o++] = b32[(acc << (5 - bits)) & 31];
	tail[o] = '\0';
	h = clean_id_part(a, hint, 96);
	d = clean_id_part(a, domain, 120);
	if (*d == '\0')
		d = "localhost";
	return *h ? arena_printf(a, "%s.%s@%s", h, tail, d) :
	    arena_printf(a, "%s@%s", tail, d);
}
