/*
 * mime_int.h - what the files of the mail parser share (not for users:
 * they read parsers/mime.h)
 *
 * The parser is one job cut in steps, one file each:
 *   mime_walk.c      mail_parse(), and the order of the steps for one
 *                    message (nested ones too); the MIME tree: parts
 *                    found, typed and decoded
 *   mime_text.c      the body text: which parts a reader sees, as UTF-8
 *   mime_attach.c    the attachments listed, with unique file names
 *   mime_header.c    header blocks read into fields, their raw-byte charset
 *   mime_envelope.c  the structured fields: addresses, ids, date
 *   mime_type.c      what a content type says (token, report, text kind)
 *   mime.c           the accessors of a parsed mail (mime.h)
 * Each calls only files listed below it, so no two call each other.
 * All of a message's state lives in struct ctx (one per mail_parse())
 * and struct walk (one per message, nested ones included).
 *
 * Line ends: a message that holds any LF is read with LF as the line end
 * (a CR before it is dropped); a message with CRs and no LF at all is read
 * with CR as the line end. Nothing is rewritten: parts point into one copy
 * of the input, so attachments keep their exact bytes.
 */
#ifndef GC_PARSERS_MIME_INT_H
#define GC_PARSERS_MIME_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "common/util.h"
#include "parsers/mime.h"

#define NONE ((size_t)-1)

struct ctx {
	struct arena *a;
	struct mail_limits lim;
	struct gc_err *err;
	char eol;                   /* '\n' or '\r' */
	size_t nparts;              /* across nested mails */
};

/* A header field as read: name and unfolded value, raw bytes. */
struct field {
	const char *name;
	const char *value;          /* NUL-free, may be invalid UTF-8 */
	size_t len;
	bool plain;                 /* valid UTF-8 without ESC: as it is */
};

struct fields {
	struct field *v;
	size_t n;
};

/* Tree links kept beside the parts while a message is walked. */
struct node {
	size_t first_child, last_child, next;
	const char *start;          /* multipart/related "start" cid */
	bool attach_like;           /* disposition attachment / file name */
};

struct walk {
	struct mail_part *parts;
	struct node *nodes;
	size_t n, cap;
	const char *fallback;       /* charset for raw 8-bit header bytes */
	unsigned base;              /* nesting level of the root part */
};

enum kind { K_NONE = 0, K_HTML = 1, K_ENRICHED = 2, K_PLAIN = 3 };

/* ----- Lines ------------------------------------------------------ */

/* The line at p: *le_r is where its content ends (before CR/LF), the
 * return value where the next line starts. */
static inline const char *
line_next(const struct ctx *c, const char *p, const char *end,
    const char **le_r)
{
	const char *nl = memchr(p, c->eol, (size_t)(end - p));
	const char *le = nl != NULL ? nl : end;

	if (c->eol == '\n' && le > p && le[-1] == '\r')
		le--;
	*le_r = le;
	return nl != NULL ? nl + 1 : end;
}

/* Where the content before the line at ls ends: the line break in front
 * of a delimiter line belongs to the delimiter. */
static inline const char *
before_break(const struct ctx *c, const char *start, const char *ls)
{
	if (ls > start && ls[-1] == c->eol) {
		ls--;
		if (c->eol == '\n' && ls > start && ls[-1] == '\r')
			ls--;
	}
	return ls;
}

static inline bool
mime_is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Length of the field name at the start of a line, colon excluded, or 0
 * when the line is not "name[blanks]:". */
static inline size_t
field_name_len(const char *ls, const char *le, const char **colon_r)
{
	const char *q = ls;
	size_t n;

	while (q < le && (unsigned char)*q > 32 && (unsigned char)*q < 127 &&
	    *q != ':')
		q++;
	n = (size_t)(q - ls);
	while (q < le && mime_is_blank(*q))
		q++;
	if (n == 0 || q >= le || *q != ':')
		return 0;
	*colon_r = q;
	return n;
}

static inline bool
line_is_blankish(const char *ls, const char *le)
{
	for (; ls < le; ls++)
		if (!mime_is_blank(*ls) && *ls != '\r')
			return false;
	return true;
}

/* Field names are equal (ASCII case-insensitive)? The first letter is
 * compared inline: most names differ there. */
static inline bool
same_name(const char *a, const char *b)
{
	return ((a[0] ^ b[0]) & ~0x20) == 0 && str_casecmp(a, b) == 0;
}

static inline bool
mime_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Only blanks, line ends and NULs (or a byte order mark)? */
static inline bool
mime_blank(const char *p, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	for (; i < len; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' &&
		    p[i] != '\n' && p[i] != '\0')
			return false;
	return true;
}

/* mime.c: the first top-level header named name (any case), or NULL */
const struct mail_header *mime_header_find(const struct mail *m,
    const char *name);

/* mime_header.c */
int mime_read_fields(struct ctx *c, struct fields *out, const char **body_r,
    const char *p, const char *end, bool top);
const struct field *mime_field_get(const struct fields *f, const char *name);
void mime_make_headers(struct ctx *c, const struct mail_header **out,
    size_t *n_r, const struct fields *f, const char *fallback);
const char *mime_header_charset(struct ctx *c, const struct fields *f);

/* mime_envelope.c */
const char *mime_display_text(struct ctx *c, const char *v, size_t len);
const char *mime_squash(struct ctx *c, const char *v, size_t len,
    bool lower_domain);
void mime_read_envelope(struct ctx *c, struct mail *m);

/* mime_type.c */
bool mime_is_token(const char *s);
const char *mime_content_type(const char *v, bool digest);
bool mime_is_report_type(const char *ct);
enum kind mime_type_kind(const char *ct);

/* mime_text.c */
void mime_select_body(struct walk *w, size_t i);
bool mime_fallback_body(struct walk *w);
int mime_build_text(struct ctx *c, struct mail *m, struct walk *w);
int mime_forwarded_text(struct ctx *c, struct mail *m, struct walk *w);

/* mime_attach.c */
void mime_build_attachments(struct ctx *c, struct mail *m, struct walk *w);
/* "[image: ID]" of an HTML body's cid: image (html.c) becomes
 * "[image: FILE NAME]" of that attachment. */
void mime_name_images(struct ctx *c, struct mail *m);

#endif
