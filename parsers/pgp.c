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
detect_inline(struct pgp_found *out, const struct mail *m)
{
	const char *text = m->text;
	size_t len = strlen(text);
	const char *b = line_starting(text, len, ARMOR_BEGIN), *e, *nl;

	if (b == NULL)
		return;
	out->kind = PGP_INLINE;
	out->mail = m;
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
		detect_inline(out, m);
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

/* No base64 line, header we write or "--" line holds it. */
#define BOUNDARY "=_pgp_clear_="

/* The text of an inline report: what comes before the armored block,
 * the clear text, what comes after. */
static int
inline_text(struct buf *b, const struct pgp_found *f, const char *clear,
    size_t clear_len)
{
	int rc;

	if ((rc = buf_add(b, f->before, f->before_len)) != 0 ||
	    (rc = buf_add(b, clear, clear_len)) != 0)
		return rc;
	if (clear_len > 0 && clear[clear_len - 1] != '\n' &&
	    (rc = buf_addc(b, '\n')) != 0)
		return rc;
	return buf_addstr(b, f->after ? f->after : "");
}

/* s in a quoted header value: no control character, quote or
 * backslash. */
static int
add_word(struct buf *b, const char *s)
{
	int rc = 0;

	for (; s != NULL && *s != '\0' && rc == 0; s++)
		if ((unsigned char)*s >= ' ' && *s != '"' && *s != '\\' &&
		    *s != 0x7f)
			rc = buf_addc(b, *s);
	return rc;
}

/* data in base64, lines of 76 characters. */
static int
base64(struct buf *b, const unsigned char *data, size_t len)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
	    "opqrstuvwxyz0123456789+/";
	char line[80];
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < len && rc == 0; i += 3) {
		unsigned v = (unsigned)data[i] << 16;

		if (i + 1 < len)
			v |= (unsigned)data[i + 1] << 8;
		if (i + 2 < len)
			v |= data[i + 2];
		line[n++] = tab[v >> 18 & 63];
		line[n++] = tab[v >> 12 & 63];
		line[n++] = i + 1 < len ? tab[v >> 6 & 63] : '=';
		line[n++] = i + 2 < len ? tab[v & 63] : '=';
		if (n == 76 || i + 3 >= len) {
			line[n++] = '\n';
			rc = buf_add(b, line, n);
			n = 0;
		}
	}
	return rc;
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
	if (f->mail == NULL || f->mail->nattachments == 0) {
		if ((rc = buf_addstr(b, "Content-Type: text/plain; "
		    "charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n")))
			return rc;
		return inline_text(b, f, clear, clear_len);
	}
	/* the files of the outer mail go along: every part in base64, so
	 * that no content can hold the boundary */
	if ((rc = buf_addstr(b, "Content-Type: multipart/mixed; boundary=\""
	    BOUNDARY "\"\n\n--" BOUNDARY "\nContent-Type: text/plain; "
	    "charset=utf-8\nContent-Transfer-Encoding: base64\n\n")) != 0)
		return rc;
	{
		struct buf t;

		buf_init(&t, b->max);
		rc = inline_text(&t, f, clear, clear_len);
		if (rc == 0)
			rc = base64(b, (const unsigned char *)buf_str(&t),
			    t.len);
		buf_free(&t);
	}
	for (size_t i = 0; rc == 0 && i < f->mail->nattachments; i++) {
		const struct mail_attachment *a = &f->mail->attachments[i];

		if ((rc = buf_addstr(b, "--" BOUNDARY "\nContent-Type: ")) ||
		    (rc = add_word(b, a->content_type)) ||
		    (rc = buf_addstr(b, "\nContent-Disposition: attachment; "
		    "filename=\"")) ||
		    (rc = add_word(b, a->filename)) ||
		    (rc = buf_addstr(b, "\"\nContent-Transfer-Encoding: "
		    "base64\n\n")))
			break;
		rc = base64(b, a->data, a->data ? a->len : 0);
	}
	return rc == 0 ? buf_addstr(b, "--" BOUNDARY "--\n") : rc;
}
