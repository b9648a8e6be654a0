/*
 * mime.h - turning the raw bytes of a mail into a struct mail
 *
 * mail_parse() reads a whole message (RFC 5322 + MIME) from memory and
 * returns what the rest of Guichet needs: the top-level header fields, the
 * decoded addresses, subject, ids and date, the body text in UTF-8, the
 * attachments, and every MIME part (for the bounce and auto-reply
 * detectors). It is pure (no I/O, no clock) and built for hostile input:
 * it never crashes or hangs whatever the bytes (NUL bytes, LF, CRLF or
 * bare-CR line ends, broken boundaries, nesting bombs, 8-bit junk in
 * header fields), and its cost is linear in the input for a given depth
 * limit. A mail with broken parts still parses, best effort.
 *
 * Every string reachable from a struct mail is valid UTF-8 without NUL
 * bytes (attachment and part data are bytes, not strings).
 *
 * Body text (mail.text): the text parts a mail client would show, blank
 * ones left out: in multipart/alternative the text/plain, else the
 * text/enriched or text/richtext, else the HTML (converted, html.h),
 * and the HTML also when it shows at least twice the words of the
 * text/plain and a dozen more (a stub "use an HTML reader", a forward
 * whose message is only in the HTML), in the mail itself (not in the
 * messages it carries, whose text is seldom read); in multipart/related
 * its root
 * (the "start" part, else the first part with text); in any other
 * multipart every text child (an HTML one only when no text/plain, nor
 * a multipart that gives text, is beside it: it is then an attachment).
 * Parts marked as attachments (a disposition other than inline, a file
 * name) are not text, but a disposition that is not even a token counts
 * as none. When that gives
 * nothing: the first text/plain not disposed as an attachment even with
 * a file name, else the first other text/... without one, else a
 * message/partial fragment after the first (all there is of it). When
 * the mail still has no text of its own, its text is that of the
 * messages it carries (forwarded as message/rfc822, or a digest), each
 * after a line "---------- Forwarded message ----------" and its From,
 * Date, Subject and To lines; the first fragment of a message/partial
 * gives its text as it is.
 *
 * Ownership: everything a struct mail points to, including the nested
 * struct mail of a forwarded message (mail_attachment.message), lives in
 * one arena owned by the top-level struct mail ("one pool per mail") and
 * is freed by mail_free(). The raw input is copied: the caller may free it
 * as soon as mail_parse() returns. Nested mails must not be passed to
 * mail_free(). Callers may allocate their own per-mail data in the same
 * arena (mail_arena()) so that it goes away with the mail.
 */
#ifndef GC_PARSERS_MIME_H
#define GC_PARSERS_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/err.h"
#include "common/mem.h"

struct mail_addr {
	const char *name;       /* UTF-8 display name, NULL if none */
	const char *addr;       /* "local@domain", domain lowercased; NULL if
	                         * none (a bare "local" is kept as is) */
};

struct mail_header {
	const char *name;       /* as written (printable ASCII) */
	const char *value;      /* unfolded, trimmed, raw (RFC 2047 words
	                         * not decoded); 8-bit bytes converted to
	                         * UTF-8; controls other than TAB removed */
	bool converted;         /* its raw bytes were not UTF-8 (or held
	                         * ESC): read in the declared or a guessed
	                         * charset. An address past ASCII read from
	                         * it has U+FFFD for each such character:
	                         * RFC 6532 has addresses in UTF-8 only, and
	                         * a guessed one may be somebody else's */
};

struct mail;

struct mail_attachment {
	const char *filename;       /* UTF-8 (RFC 2047/2231 decoded, raw
	                             * 8-bit read as the header's charset),
	                             * at most 255 bytes, never NULL: a part
	                             * without a name gets one from its type
	                             * ("image.png", "signature.asc",
	                             * "part-3.bin"); unique in the mail
	                             * (ASCII case ignored): a second
	                             * "a.pdf" is "a (2).pdf" */
	const char *content_type;   /* lowercase "type/subtype" */
	const char *disposition;    /* "attachment", "inline" or NULL */
	const char *content_id;     /* without <>, or NULL */
	const unsigned char *data;  /* decoded bytes (not NUL-terminated for
	                             * the caller's purposes; may hold NULs) */
	size_t len;
	const struct mail *message; /* message/rfc822: the forwarded mail,
	                             * parsed; NULL otherwise */
	size_t part;                /* index in mail.parts */
};

/* One node of the MIME tree, in depth-first order (parts[0] is the root,
 * the message body itself). Containers (multipart/...) have no data. */
struct mail_part {
	const char *content_type;   /* lowercase "type/subtype" */
	const char *charset;        /* lowercase label, or NULL */
	const char *disposition;    /* lowercase, or NULL */
	const char *filename;       /* as in mail_attachment, or NULL */
	const char *content_id;     /* without <>, or NULL */
	const char *encoding;       /* lowercase Content-Transfer-Encoding,
	                             * or NULL */
	const struct mail_header *headers;   /* the part's own fields */
	size_t nheaders;
	const unsigned char *data;  /* decoded body; NULL for containers */
	size_t len;
	const struct mail *message; /* message/rfc822, message/global,
	                             * text/rfc822-headers parts, and the
	                             * first fragment of a message/partial:
	                             * parsed */
	size_t parent;              /* index of the parent; 0 for the root */
	unsigned depth;             /* 0 for the root */
	bool is_body;               /* used for mail.text */
	bool is_attachment;         /* listed in mail.attachments */
};

/* Limits: GC_ELIMIT when one is passed. Zero in a field means the
 * default. */
struct mail_limits {
	size_t max_mail_bytes;      /* the raw input */
	size_t max_header_bytes;    /* one header block (top level or part) */
	size_t max_depth;           /* MIME nesting, message/rfc822 included
	                             * (at most MAIL_DEPTH_HARD_MAX) */
	size_t max_parts;           /* parts in the whole mail, nested
	                             * messages included */
	size_t max_text_bytes;      /* mail.text once converted to UTF-8 */
};

#define MAIL_DEFAULT_MAX_MAIL_BYTES (64u * 1024 * 1024)
#define MAIL_DEFAULT_MAX_HEADER_BYTES (256u * 1024)
#define MAIL_DEFAULT_MAX_DEPTH 32
#define MAIL_DEFAULT_MAX_PARTS 2000
#define MAIL_DEFAULT_MAX_TEXT_BYTES (16u * 1024 * 1024)
#define MAIL_DEPTH_HARD_MAX 100

struct mail {
	const struct mail_header *headers;  /* top-level, in order */
	size_t nheaders;

	const char *subject;        /* UTF-8, RFC 2047 decoded, unfolded,
	                             * controls removed, blanks squeezed;
	                             * "" if none */
	struct mail_addr from;      /* first From address (both NULL if
	                             * none) */
	const struct mail_addr *to, *cc, *reply_to;
	size_t nto, ncc, nreply_to;
	const char *sender;         /* Sender addr-spec, or NULL */
	const char *return_path;    /* addr-spec; "" for the null return
	                             * path <>; NULL if no field */
	const char *message_id;     /* without <>, NULL if none/unparseable */
	const char *in_reply_to;    /* first msg-id, without <>, or NULL */
	const char *const *references;  /* without <>, in order */
	size_t nreferences;
	time_t date;                /* Date field, UTC; 0 if !has_date */
	bool has_date;

	const char *text;           /* the body text, UTF-8, LF line ends;
	                             * "" if none (see "Body text") */
	const char *new_text;       /* text without quoted history and
	                             * signature (quote.h); may be "" */
	const char *text_charset;   /* declared charset of the first body
	                             * part, lowercased; NULL if none */
	bool text_charset_unknown;  /* a best-effort conversion was used */
	bool text_from_html;        /* (some of) the text is converted
	                             * HTML: there was no text/plain */

	const struct mail_attachment *attachments;
	size_t nattachments;

	const struct mail_part *parts;
	size_t nparts;

	size_t header_bytes;        /* size of the top-level header block,
	                             * the blank line included */

	/* private */
	struct arena *pool;
	bool nested;
};

/* The default limits (the MAIL_DEFAULT_* values). */
struct mail_limits mail_limits_default(void);

/* Parse len bytes at raw. lim may be NULL (defaults). On success *out is
 * a new mail to free with mail_free(). Errors: GC_ELIMIT when a limit is
 * passed (err says which), GC_EPARSE when nothing can be made of the
 * input (empty, or no header field at all); *out is then NULL. */
int mail_parse(struct mail **out, const char *raw, size_t len,
    const struct mail_limits *lim, struct gc_err *err);

/* The first top-level field of that name (ASCII case-insensitive), or
 * NULL. */
const char *mail_header_get(const struct mail *m, const char *name);

/* The first top-level field of that name as display text: RFC 2047
 * words decoded, controls removed, blanks squeezed (as mail.subject);
 * allocated in m's arena; NULL if there is no such field. */
const char *mail_header_text(struct mail *m, const char *name);

/* The arena that owns m (for the caller's per-mail allocations). */
struct arena *mail_arena(struct mail *m);

/* Free a mail from mail_parse() and set *m to NULL. NULL is fine. */
void mail_free(struct mail **m);

#endif
