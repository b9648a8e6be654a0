/*
 * mime_attach.c - the attachments of a message listed: which parts are
 * attachments, and a unique, displayable file name for each
 */
#include "parsers/mime_int.h"

#include <stdlib.h>

#include "parsers/utf8.h"

/* Is part i inside a multipart/alternative (one reading of the body,
 * not a part of its own)? */
static bool
in_alternative(const struct walk *w, size_t i)
{
	while (i != 0) {
		i = w->parts[i].parent;
		if (strcmp(w->parts[i].content_type,
		    "multipart/alternative") == 0)
			return true;
	}
	return false;
}

/* Every part with content is kept, except the body and its
 * alternatives and the machine-readable parts of reports: detached
 * signatures too, and a text part that is not the body (an HTML page
 * beside the text of a multipart/mixed). */
static bool
is_attachment(const struct walk *w, size_t i)
{
	const struct mail_part *p = &w->parts[i];

	if (p->data == NULL || p->is_body)
		return false;
	if (mime_is_report_type(p->content_type) &&
	    !w->nodes[i].attach_like)
		return false;
	if (mime_type_kind(p->content_type) != K_NONE &&
	    !w->nodes[i].attach_like)
		return !mime_blank((const char *)p->data, p->len) &&
		    !in_alternative(w, i);
	return p->len > 0 || p->filename != NULL;
}

struct type_name {
	const char *type;
	const char *name;       /* NULL: "part-N" and the extension */
	const char *ext;
};

static const struct type_name type_names[] = {
	{ "application/pgp-signature", "signature", "asc" },
	{ "application/pkcs7-signature", "smime", "p7s" },
	{ "application/x-pkcs7-signature", "smime", "p7s" },
	{ "application/pgp-encrypted", "pgp-encrypted", "asc" },
	{ "application/pgp-keys", "key", "asc" },
	{ "application/pdf", "document", "pdf" },
	{ "application/zip", "archive", "zip" },
	{ "application/x-zip-compressed", "archive", "zip" },
	{ "application/gzip", "archive", "gz" },
	{ "application/msword", "document", "doc" },
	{ "application/vnd.ms-excel", "spreadsheet", "xls" },
	{ "application/vnd.openxmlformats-officedocument.wordprocessingml."
	    "document", "document", "docx" },
	{ "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	    "spreadsheet", "xlsx" },
	{ "application/ics", "invite", "ics" },
	{ "application/json", NULL, "json" },
	{ "application/xml", NULL, "xml" },
	{ "text/calendar", "invite", "ics" },
	{ "text/vcard", "contact", "vcf" },
	{ "text/x-vcard", "contact", "vcf" },
	{ "text/csv", "table", "csv" },
	{ "text/plain", NULL, "txt" },
	{ "text/html", NULL, "html" },
	{ "text/enriched", NULL, "txt" },
	{ "text/richtext", NULL, "txt" },
	{ "message/rfc822", "message", "eml" },
	{ "message/global", "message", "eml" },
	{ "message/delivery-status", "delivery-status", "txt" },
	{ "image/jpeg", "image", "jpg" },
	{ "image/pjpeg", "image", "jpg" },
	{ "image/svg+xml", "image", "svg" },
	{ "video/quicktime", "video", "mov" },
	{ "video/x-msvideo", "video", "avi" },
	{ "audio/mpeg", "audio", "mp3" },
	{ "audio/x-wav", "audio", "wav" },
};

/* A name for a part that has none, from its type: "image.png",
 * "video.mov", "signature.asc", "part-3.html", "part-3.bin". */
static const char *
name_from_type(struct ctx *c, const char *ct, size_t part)
{
	const char *slash = strchr(ct, '/'), *sub, *q;
	size_t i;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strcmp(ct, type_names[i].type) == 0) {
			if (type_names[i].name != NULL)
				return arena_printf(c->a, "%s.%s",
				    type_names[i].name, type_names[i].ext);
			return arena_printf(c->a, "part-%zu.%s", part,
			    type_names[i].ext);
		}
	/* image/png -> image.png: a short alphanumeric subtype is the
	 * usual extension of images, sound and video. */
	sub = slash != NULL ? slash + 1 : "";
	for (q = sub; *q != '\0' && ((*q >= 'a' && *q <= 'z') ||
	    (*q >= '0' && *q <= '9')); q++)
		;
	if (*q == '\0' && q > sub && q - sub <= 5 &&
	    (mime_starts(ct, "image/") || mime_starts(ct, "video/") ||
	    mime_starts(ct, "audio/")))
		return arena_printf(c->a, "%.*s.%s", (int)(slash - ct), ct,
		    sub);
	return arena_printf(c->a, "part-%zu.bin", part);
}

#define FILENAME_MAX_BYTES 255

/* Is name taken by one of the first n attachments (ASCII case
 * ignored, as file systems and mail clients do)? */
static bool
name_taken(const struct mail_attachment *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (str_casecmp(v[i].filename, name) == 0)
			return true;
	return false;
}

/* The name of attachment n, unique among the first n: "name (2).ext",
 * "name (3).ext"... when taken (k counts the earlier attachments of the
 * same given name, orig[]). A few tries only, then the part's index:
 * hostile names cannot make this quadratic in the tries. */
static const char *
unique_name(struct ctx *c, const struct mail_attachment *v,
    const char *const *orig, size_t n, const char *name, size_t part)
{
	const char *dot = strrchr(name, '.'), *s;
	size_t stem, k = 1, i, tries;

	if (!name_taken(v, n, name))
		return name;
	for (i = 0; i < n; i++)
		if (str_casecmp(orig[i], name) == 0)
			k++;
	if (dot == NULL || dot == name)
		dot = name + strlen(name);
	stem = (size_t)(dot - name);
	for (tries = 0; tries < 8; tries++, k++) {
		s = arena_printf(c->a, "%.*s (%zu)%s", (int)stem, name,
		    k < 2 ? 2 : k, dot);
		if (!name_taken(v, n, s))
			return s;
	}
	return arena_printf(c->a, "%.*s (part %zu)%s", (int)stem, name, part,
	    dot);
}

void
mime_build_attachments(struct ctx *c, struct mail *m, struct walk *w)
{
	struct mail_attachment *v;
	const char **orig;
	size_t i, n = 0;

	for (i = 0; i < w->n; i++)
		if (is_attachment(w, i))
			n++;
	v = arena_alloc(c->a, (n + 1) * sizeof(*v));
	orig = xmalloc((n + 1) * sizeof(*orig));
	n = 0;
	for (i = 0; i < w->n; i++) {
		struct mail_part *p = &w->parts[i];
		struct mail_attachment *at;
		char *name;

		if (!is_attachment(w, i))
			continue;
		p->is_attachment = true;
		at = &v[n];
		name = arena_strdup(c->a, p->filename != NULL ? p->filename :
		    name_from_type(c, p->content_type, i));
		utf8_truncate(name, FILENAME_MAX_BYTES);
		at->filename = unique_name(c, v, orig, n, name, i);
		orig[n++] = name;
		at->content_type = p->content_type;
		if (p->disposition == NULL)
			at->disposition = NULL;
		else if (strcmp(p->disposition, "inline") == 0)
			at->disposition = "inline";
		else
			at->disposition = "attachment";
		at->content_id = p->content_id;
		at->data = p->data;
		at->len = p->len;
		at->message = p->message;
		at->part = i;
	}
	free(orig);
	m->attachments = v;
	m->nattachments = n;
}

/* ----- Inline images named in the text ---------------------------- */

#define MAX_IMAGE_REFS 100      /* "[image: ID]" references looked up */

/* The id as html.c writes it after "[image: ". */
static bool
same_cid(const char *ref, size_t n, const char *cid)
{
	size_t k = 0;

	for (const char *r = cid; *r != '\0' && k <= n; r++)
		if ((unsigned char)*r > 0x20 && *r != ']' && *r != '<' &&
		    *r != '>' && *r != 0x7f) {
			if (k == n || ref[k] != *r)
				return false;
			k++;
		}
	return k == n;
}

void
mime_name_images(struct ctx *c, struct mail *m)
{
	static const char tag[] = "[image: ";
	const char *t = m->text, *p;
	struct buf b = BUF_INIT(SIZE_MAX);
	size_t done = 0, refs = 0;

	if (!m->text_from_html || m->nattachments == 0 ||
	    strstr(t, tag) == NULL)
		return;
	for (p = strstr(t, tag); p != NULL && refs < MAX_IMAGE_REFS;
	    p = strstr(p + 1, tag), refs++) {
		const char *id = p + sizeof(tag) - 1, *end = strchr(id, ']');
		const struct mail_attachment *hit = NULL;

		if (end == NULL)
			break;
		for (size_t i = 0; i < m->nattachments && !hit; i++)
			if (m->attachments[i].content_id != NULL &&
			    same_cid(id, (size_t)(end - id),
			    m->attachments[i].content_id))
				hit = &m->attachments[i];
		if (hit == NULL)
			continue;
		(void)!buf_add(&b, t + done, (size_t)(id - t) - done);
		(void)!buf_addstr(&b, hit->filename);
		done = (size_t)(end - t);
	}
	if (done == 0) {
		buf_free(&b);
		return;
	}
	(void)!buf_addstr(&b, t + done);
	m->text = arena_strndup(c->a, buf_str(&b), b.len);
	buf_free(&b);
}
