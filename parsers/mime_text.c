/*
 * mime_text.c - the body text of a message: the parts a reader would
 * see chosen (text or HTML, the richer one), converted to UTF-8 and
 * joined; for a mail with no text of its own, the text of the messages
 * it forwards
 */
#include "parsers/mime_int.h"

#include <strings.h>

#include "parsers/charset.h"
#include "parsers/enriched.h"
#include "parsers/html.h"
#include "parsers/utf8.h"

#define FORWARD_MARKER "---------- Forwarded message ----------"

/* The kind of body text part i is, K_NONE when it is no body text: a
 * container, an attachment, another type, or only blanks (a blank
 * text/plain beside an HTML one must not hide it). */
static enum kind
leaf_kind(const struct walk *w, size_t i)
{
	const struct mail_part *p = &w->parts[i];
	enum kind k;

	if (p->data == NULL || w->nodes[i].attach_like)
		return K_NONE;
	k = mime_type_kind(p->content_type);
	if (k == K_NONE || mime_blank((const char *)p->data, p->len))
		return K_NONE;
	return k;
}

static enum kind best_kind(const struct walk *w, size_t i);

/* The root of a multipart/related: the part its "start" names, else the
 * first; when that one has no text (a picture first, as some MHTML
 * writers do), the first child that has. */
static size_t
related_root(const struct walk *w, size_t i)
{
	size_t k, root = w->nodes[i].first_child;

	if (w->nodes[i].start != NULL)
		for (k = w->nodes[i].first_child; k != NONE;
		    k = w->nodes[k].next)
			if (w->parts[k].content_id != NULL &&
			    strcmp(w->parts[k].content_id,
			    w->nodes[i].start) == 0) {
				root = k;
				break;
			}
	if (root == NONE || best_kind(w, root) != K_NONE)
		return root;
	for (k = w->nodes[i].first_child; k != NONE; k = w->nodes[k].next)
		if (best_kind(w, k) != K_NONE)
			return k;
	return root;
}

/* The best text a subtree can give. */
static enum kind
best_kind(const struct walk *w, size_t i)
{
	const char *ct = w->parts[i].content_type;
	enum kind best = K_NONE, k;
	size_t j;

	if (!mime_starts(ct, "multipart/"))
		return leaf_kind(w, i);
	if (strcmp(ct, "multipart/related") == 0) {
		j = related_root(w, i);
		return j != NONE ? best_kind(w, j) : K_NONE;
	}
	for (j = w->nodes[i].first_child; j != NONE; j = w->nodes[j].next) {
		k = best_kind(w, j);
		if (k > best)
			best = k;
	}
	return best;
}

/* ----- Text or HTML: the one a reader would see -------------------- */

/* How much a text holds: its words, each non-ASCII character counting
 * as one more (CJK text has no blanks between words). unit_step() reads
 * one byte and says whether it starts a unit. */
static size_t
unit_step(unsigned char ch, bool *in_word)
{
	if (ch >= 0xc0) {
		*in_word = false;
		return 1;
	}
	if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	    ch == '\0') {
		*in_word = false;
		return 0;
	}
	if (ch < 0x80 && !*in_word) {
		*in_word = true;
		return 1;
	}
	return 0;
}

static size_t
text_units(const char *p, size_t len)
{
	size_t n = 0;
	bool in_word = false;

	for (size_t i = 0; i < len; i++)
		n += unit_step((unsigned char)p[i], &in_word);
	return n;
}

/* The leaf that gives a subtree's text of kind k: itself, or the root of
 * a multipart/related; NONE otherwise. */
static size_t
text_leaf(const struct walk *w, size_t i, enum kind k)
{
	if (strcmp(w->parts[i].content_type, "multipart/related") == 0)
		i = related_root(w, i);
	if (i == NONE || mime_starts(w->parts[i].content_type, "multipart/"))
		return NONE;
	return leaf_kind(w, i) == k ? i : NONE;
}

/* Does the tag at p (just after '<') open an element whose content is
 * no text (style, script, head's title)? Returns the closing tag to look
 * for, or NULL. */
static const char *
hidden_element(const char *p, const char *end)
{
	static const char *const names[] = { "style", "script", "title" };
	static const char *const closing[] = {
		"</style", "</script", "</title",
	};
	size_t i, n;

	if (p >= end || (*p != 's' && *p != 'S' && *p != 't' && *p != 'T'))
		return NULL;            /* most tags: at once */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		n = strlen(names[i]);
		if ((size_t)(end - p) > n && strncasecmp(p, names[i], n) == 0 &&
		    (p[n] == '>' || p[n] == ' ' || p[n] == '\t' ||
		    p[n] == '\n' || p[n] == '\r'))
			return closing[i];
	}
	return NULL;
}

/* Just after the next "<" that starts tag (ASCII case ignored) from p,
 * or end. */
static const char *
skip_to(const char *p, const char *end, const char *tag)
{
	size_t n = strlen(tag);

	while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		if ((size_t)(end - p) >= n && strncasecmp(p, tag, n) == 0)
			return p + 1;
		p++;
	}
	return end;
}

/* text_units() of the text an HTML document shows, estimated in one pass
 * without parsing it: tags, comments and the content of style, script
 * and title elements are skipped, an entity counts as a blank. */
static size_t
html_units(const char *p, size_t len)
{
	const char *end = p + len, *q, *close;
	size_t n = 0;
	bool in_word = false;

	while (p < end) {
		unsigned char ch = (unsigned char)*p;

		if (ch == '<') {
			in_word = false;
			if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
				q = memmem(p + 4, (size_t)(end - p - 4), "-->",
				    3);
				p = q != NULL ? q + 3 : end;
				continue;
			}
			close = hidden_element(p + 1, end);
			if (close != NULL)
				p = skip_to(p + 1, end, close);
			q = memchr(p, '>', (size_t)(end - p));
			p = q != NULL ? q + 1 : end;
			continue;
		}
		if (ch == '&') {
			q = p + 1;
			while (q < end && q - p < 10 && *q != ';' && *q != '<')
				q++;
			p = q < end && *q == ';' ? q + 1 : p + 1;
			in_word = false;
			continue;
		}
		n += unit_step(ch, &in_word);   /* as text_units() */
		p++;
	}
	return n;
}

/* Is the HTML alternative (leaf h) much richer than the plain one (leaf
 * t)? Mailers and newsletter tools put a stub in the text/plain ("view
 * this mail in a browser"), or only the text they wrote, the forwarded
 * message being in the HTML alone. The HTML wins when it shows at least
 * twice the words of the plain text, and HTML_MIN_MORE more (counted on
 * the raw bytes, whatever their charset: a CJK character is a word). */
#define HTML_MIN_MORE 12

static bool
html_richer(const struct walk *w, size_t t, size_t h)
{
	const struct mail_part *pt = &w->parts[t], *ph = &w->parts[h];
	size_t plain, html;

	/* Cheap first: the HTML's bytes bound the words it shows. */
	plain = text_units((const char *)pt->data, pt->len);
	if (ph->len / 2 < 2 * plain || ph->len / 2 < plain + HTML_MIN_MORE)
		return false;
	html = html_units((const char *)ph->data, ph->len);
	return html >= 2 * plain && html >= plain + HTML_MIN_MORE;
}

/* Mark the parts that make the body text (depth-first). */
void
mime_select_body(struct walk *w, size_t i)
{
	const char *ct = w->parts[i].content_type;
	size_t j, pick = NONE;
	enum kind best = K_NONE, k;
	bool has_plain = false;

	if (!mime_starts(ct, "multipart/")) {
		if (leaf_kind(w, i) != K_NONE)
			w->parts[i].is_body = true;
		return;
	}
	if (strcmp(ct, "multipart/alternative") == 0) {
		/* text/plain first, then enriched, else HTML; the first of
		 * the best. */
		for (j = w->nodes[i].first_child; j != NONE;
		    j = w->nodes[j].next) {
			k = best_kind(w, j);
			if (k > best) {
				best = k;
				pick = j;
			}
		}
		/* Only in the mail itself: the text of a message it carries
		 * (returned in a bounce, forwarded) is seldom read, and its
		 * HTML would be converted for nothing. */
		if (best == K_PLAIN && w->base == 0) {
			size_t t = text_leaf(w, pick, K_PLAIN), h = NONE;

			for (j = w->nodes[i].first_child; j != NONE;
			    j = w->nodes[j].next)
				if (text_leaf(w, j, K_HTML) != NONE)
					h = j;
			if (t != NONE && h != NONE &&
			    html_richer(w, t, text_leaf(w, h, K_HTML)))
				pick = h;
		}
		if (pick != NONE)
			mime_select_body(w, pick);
		return;
	}
	if (strcmp(ct, "multipart/related") == 0) {
		j = related_root(w, i);
		if (j != NONE)
			mime_select_body(w, j);
		return;
	}
	/* mixed, report, signed, digest, ...: every text child; an HTML or
	 * enriched child beside a plain one, or beside a multipart that
	 * gives the text, is no body (it is kept as an attachment). */
	for (j = w->nodes[i].first_child; j != NONE; j = w->nodes[j].next)
		if (leaf_kind(w, j) == K_PLAIN ||
		    (mime_starts(w->parts[j].content_type, "multipart/") &&
		    best_kind(w, j) != K_NONE))
			has_plain = true;
	for (j = w->nodes[i].first_child; j != NONE; j = w->nodes[j].next) {
		k = leaf_kind(w, j);
		if (has_plain && (k == K_HTML || k == K_ENRICHED))
			continue;
		mime_select_body(w, j);
	}
}

/* When the chosen parts gave no text: the first text/plain part that is
 * not marked as an attachment, even with a file name; else the first
 * other text/... part without a file name (text/x-whatever; not the
 * report types); else a later fragment of a split message
 * (message/partial), which is all we can show of it. Blank parts do not
 * count. Marks it as the body and returns true; false when there is
 * none. */
bool
mime_fallback_body(struct walk *w)
{
	size_t i, pick = NONE;
	int pass;

	for (pass = 0; pass < 3 && pick == NONE; pass++) {
		for (i = 0; i < w->n && pick == NONE; i++) {
			struct mail_part *p = &w->parts[i];
			const char *ct = p->content_type;

			if (p->data == NULL || p->message != NULL ||
			    mime_blank((const char *)p->data, p->len))
				continue;
			if (p->disposition != NULL &&
			    strcmp(p->disposition, "inline") != 0 &&
			    mime_is_token(p->disposition))
				continue;
			if (pass == 0 && strcmp(ct, "text/plain") == 0)
				pick = i;
			else if (pass == 1 && mime_starts(ct, "text/") &&
			    !mime_is_report_type(ct) && p->filename == NULL)
				pick = i;
			else if (pass == 2 &&
			    strcmp(ct, "message/partial") == 0)
				pick = i;
		}
	}
	if (pick == NONE)
		return false;
	for (i = 0; i < w->n; i++)
		w->parts[i].is_body = false;
	w->parts[pick].is_body = true;
	return true;
}

/* CRLF and CR become LF, controls other than LF and TAB go. */
static void
normalise_text(char *s)
{
	char *r = strchr(s, '\r'), *w = r;

	if (r == NULL) {
		utf8_strip_controls(s, true, true);
		return;
	}
	while (*r != '\0') {
		if (*r == '\r') {
			*w++ = '\n';
			r += r[1] == '\n' ? 2 : 1;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	utf8_strip_controls(s, true, true);
}

static int
text_limit(struct ctx *c)
{
	return gc_err_set(c->err, GC_ELIMIT, "text over %zu bytes",
	    c->lim.max_text_bytes);
}

/* mail.text from the parts marked is_body, in order. */
int
mime_build_text(struct ctx *c, struct mail *m, struct walk *w)
{
	struct buf text, tmp;
	const char *cs;
	size_t i;
	bool html;
	int rc = 0;

	m->text_charset = NULL;
	m->text_charset_unknown = false;
	m->text_from_html = false;
	buf_init(&text, c->lim.max_text_bytes);
	for (i = 0; i < w->n && rc == 0; i++) {
		struct mail_part *p = &w->parts[i];
		char *s;

		if (!p->is_body)
			continue;
		html = strcmp(p->content_type, "text/html") == 0;
		cs = p->charset;
		if (cs == NULL && html)
			cs = html_sniff_charset(c->a, (const char *)p->data,
			    p->len);
		if (m->text_charset == NULL && cs != NULL)
			m->text_charset = cs;
		buf_init(&tmp, c->lim.max_text_bytes);
		rc = charset_convert(&tmp, &m->text_charset_unknown, cs,
		    (const char *)p->data, p->len);
		s = (char *)buf_str(&tmp);
		if (rc == 0 && html) {
			rc = html_to_text(&s, c->a, buf_str(&tmp), tmp.len,
			    c->lim.max_text_bytes);
			m->text_from_html = true;
		} else if (rc == 0 &&
		    mime_type_kind(p->content_type) == K_ENRICHED) {
			rc = enriched_to_text(&s, c->a, buf_str(&tmp),
			    tmp.len, strcmp(p->content_type,
			    "text/richtext") == 0, c->lim.max_text_bytes);
		}
		if (rc == 0 && s[0] != '\0') {
			normalise_text(s);
			if (text.len > 0 && text.data[text.len - 1] != '\n')
				rc = buf_addc(&text, '\n');
			if (rc == 0)
				rc = buf_addstr(&text, s);
		}
		buf_free(&tmp);
	}
	if (rc != 0) {
		buf_free(&text);
		return text_limit(c);
	}
	m->text = arena_strndup(c->a, buf_str(&text), text.len);
	buf_free(&text);
	return 0;
}

/* A header of a forwarded message for its introduction: "Name: value\n"
 * as display text, nothing when absent or empty. */
static int
intro_field(struct ctx *c, struct buf *b, const struct mail *sub,
    const char *name)
{
	const char *v = mail_header_get(sub, name);

	if (v == NULL || (v = mime_display_text(c, v, strlen(v))) == NULL)
		return 0;
	return buf_printf(b, "%s: %s\n", name, v);
}

/* mail.text of a mail with no text of its own: the text of the messages
 * it carries (forwarded as attachments, a digest's messages), each after
 * a forward marker and its From, Date, Subject and To as a mail client
 * writes them when it forwards inline; the first fragment of a split
 * message as it is. */
int
mime_forwarded_text(struct ctx *c, struct mail *m, struct walk *w)
{
	struct buf text;
	size_t i;
	int rc = 0;

	buf_init(&text, c->lim.max_text_bytes);
	for (i = 0; i < w->n && rc == 0; i++) {
		const struct mail *sub = w->parts[i].message;
		const char *ct = w->parts[i].content_type;

		if (sub == NULL || sub->text[0] == '\0')
			continue;
		if (strcmp(ct, "message/rfc822") != 0 &&
		    strcmp(ct, "message/global") != 0 &&
		    strcmp(ct, "message/partial") != 0)
			continue;
		if (text.len > 0)
			rc = buf_addstr(&text, "\n");
		if (rc == 0 && strcmp(ct, "message/partial") != 0) {
			rc = buf_addstr(&text, FORWARD_MARKER "\n");
			if (rc == 0)
				rc = intro_field(c, &text, sub, "From");
			if (rc == 0)
				rc = intro_field(c, &text, sub, "Date");
			if (rc == 0 && sub->subject[0] != '\0')
				rc = buf_printf(&text, "Subject: %s\n",
				    sub->subject);
			if (rc == 0)
				rc = intro_field(c, &text, sub, "To");
			if (rc == 0)
				rc = buf_addc(&text, '\n');
		}
		if (rc == 0)
			rc = buf_addstr(&text, sub->text);
		if (rc == 0 && text.data[text.len - 1] != '\n')
			rc = buf_addc(&text, '\n');
		if (m->text_charset == NULL)
			m->text_charset = sub->text_charset;
		m->text_charset_unknown |= sub->text_charset_unknown;
		m->text_from_html |= sub->text_from_html;
	}
	if (rc != 0) {
		buf_free(&text);
		return text_limit(c);
	}
	if (text.len > 0)
		m->text = arena_strndup(c->a, buf_str(&text), text.len);
	buf_free(&text);
	return 0;
}
