/*
 * pgp.c - recognising OpenPGP-encrypted mail and writing the clear mail
 * (see pgp.h)
 *
 * The header of the clear mail is the outer one: what the reporter's
 * mail server saw and what threads the mail. Only the Content-* fields
 * come from the decrypted entity, so an encrypted part cannot name
 * another sender or another ticket.
 */
#include "parsers/pgp.h"

#include <string.h>

#include "common/util.h"

#define ARMOR_BEGIN "-----BEGIN PGP MESSAGE-----"
#define ARMOR_END "-----END PGP MESSAGE-----"

/* The first line of s (len bytes) that starts with word, or NULL. */
static const char *
line_starting(const char *s, size_t len, const char *word)
{
	size_t wl = strlen(word);

	for (size_t i = 0; i + wl <= len; i++) {
		if ((i == 0 || s[i - 1] == '\n') && memcmp(s + i, word, wl) == 0)
			return s + i;
		/* next line */
		const char *nl = memchr(s + i, '\n', len - i);

		if (nl == NULL)
			break;
		i = (size_t)(nl - s);
	}
	return NULL;
}

static void
detect_mime(struct pgp_found *out, const struct mail *m)
{
	out->kind = PGP_MIME;
	out->why = "multipart/encrypted without an application/octet-stream "
	    "part";
	for (size_t i = 1; i < m->nparts; i++) {
		const struct mail_part *p = &m->parts[i];

		if (p->parent != 0 || p->data == NULL ||
		    strcmp(p->content_type, "application/octet-stream") != 0)
			continue;
		out->data = p->data;
		out->len = p->len;
		out->why = NULL;
		return;
	}
}

static void
detect_inline(struct pgp_found *out, const char *text)
{
	size_t len = strlen(text);
	const char *b = line_starting(text, len, ARMOR_BEGIN), *e, *nl;

	if (b == NULL)
		return;
	out->kind = PGP_INLINE;
	out->before = text;
	out->before_len = (size_t)(b - text);
	e = line_starting(b, len - (size_t)(b - text), ARMOR_END);
	if (e == NULL) {
		out->why = "an armored PGP message without its END line";
		out->after = "";
		return;
	}
	nl = strchr(e, '\n');
	out->after = nl ? nl + 1 : e + strlen(e);
	out->data = (const unsigned char *)b;
	out->len = (size_t)(out->after - b);
}

enum pgp_kind
pgp_detect(struct pgp_found *out, const struct mail *m)
{
	memset(out, 0, sizeof(*out));
	if (m->nparts > 0 && m->parts[0].content_type != NULL &&
	    strcmp(m->parts[0].content_type, "multipart/encrypted") == 0)
		detect_mime(out, m);
	else if (m->text != NULL)
		detect_inline(out, m->text);
	return out->kind;
}

/* Copy the fields of the header block h (len bytes, ending before the
 * blank line or at len) whose names start with "Content-" when content
 * is true, all the others but MIME-Version when it is false. A field's
 * continuation lines go with it. */
static int
copy_fields(struct buf *b, const char *h, size_t len, bool content)
{
	bool keep = false;
	int rc = 0;

	for (size_t i = 0; i < len && rc == 0;) {
		const char *nl = memchr(h + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - h) + 1 : len;
		const char *line = h + i;

		if (line[0] == '\n' || (line[0] == '\r' && end - i <= 2))
			break;            /* the blank line */
		if (line[0] != ' ' && line[0] != '\t') {
			bool c = end - i >= 8 && str_ncasecmp(line, "Content-",
			    8) == 0;
			bool v = end - i >= 13 && str_ncasecmp(line,
			    "MIME-Version:", 13) == 0;

			keep = content ? c : !c && !v;
		}
		if (keep) {
			rc = buf_add(b, line, end - i);
			if (rc == 0 && line[end - i - 1] != '\n')
				rc = buf_addc(b, '\n');
		}
		i = end;
	}
	return rc;
}

/* Where the body of the entity s (len bytes) starts: after its first
 * blank line, or len when it has none. */
static size_t
body_start(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\n')
			continue;
		if (i + 1 < len && s[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && s[i + 1] == '\r' && s[i + 2] == '\n')
			return i + 3;
	}
	return len;
}

int
pgp_clear_mail(struct buf *b, const char *raw, size_t header_bytes,
    const struct pgp_found *f, const char *clear, size_t clear_len)
{
	int rc;

	if ((rc = copy_fields(b, raw, header_bytes, false)) != 0 ||
	    (rc = buf_addstr(b, "MIME-Version: 1.0\n")) != 0)
		return rc;
	if (f->kind == PGP_MIME) {
		size_t body = body_start(clear, clear_len);
		/* the inner entity's own header, when it has one; else the
		 * whole of it is a plain text */
		bool header = body < clear_len && clear_len >= 8 &&
		    str_ncasecmp(clear, "Content-", 8) == 0;

		rc = header ? copy_fields(b, clear, body, true) :
		    buf_addstr(b, "Content-Type: text/plain; charset=utf-8\n");
		if (rc == 0)
			rc = buf_addc(b, '\n');
		if (rc != 0)
			return rc;
		return header ? buf_add(b, clear + body, clear_len - body) :
		    buf_add(b, clear, clear_len);
	}
	if ((rc = buf_addstr(b, "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n\n")) != 0 ||
	    (rc = buf_add(b, f->before, f->before_len)) != 0 ||
	    (rc = buf_add(b, clear, clear_len)) != 0)
		return rc;
	if (clear_len > 0 && clear[clear_len - 1] != '\n' &&
	    (rc = buf_addc(b, '\n')) != 0)
		return rc;
	return buf_addstr(b, f->after ? f->after : "");
}
