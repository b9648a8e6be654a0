/*
 * compose_int.h - what the files of message composition share (not for
 * users: they read notify/compose.h)
 *
 *   compose.c         compose_message() and compose_message_id(): the
 *                     message checked and put together
 *   compose_header.c  the header writer (hw_*): text cleaned, lines
 *                     folded, encoded-words, addresses, message ids
 *   compose_enc.c     the transfer encodings (enc_*): the body made CRLF
 *                     and valid UTF-8, 7bit or quoted-printable, base64
 * compose.c calls both others, compose_header.c calls compose_enc.c
 * (base64 for encoded-words), compose_enc.c calls neither.
 */
#ifndef GC_NOTIFY_COMPOSE_INT_H
#define GC_NOTIFY_COMPOSE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "common/mem.h"
#include "notify/compose.h"

#define LINE_MAX_COL 78         /* fold before passing this column */

/* The header writer: appends to out, folding before an item that would
 * pass LINE_MAX_COL. */
struct hw {
	struct buf *out;
	size_t col;         /* column of the next byte on the current line */
	size_t start;       /* column right after "Name:" */
	int rc;             /* first buf error, sticky */
};

/* compose_header.c */
char *hw_clean_text(struct arena *a, const char *s, bool collapse);
void hw_raw(struct hw *w, const char *s, size_t n);
void hw_start(struct hw *w, const char *name);
void hw_item(struct hw *w, const char *sep, const char *text, size_t n);
void hw_end(struct hw *w);
void hw_unstructured(struct hw *w, const char *s);
bool hw_msgid_ok(const char *id);
int hw_addr_list(struct hw *w, struct arena *a, const char *hname,
    const struct compose_addr *v, size_t n, struct gc_err *err);
void hw_filename(struct hw *w, struct arena *a, const char *filename);

/* compose_enc.c */
char *enc_normalize_body(struct arena *a, const char *body, size_t *len_r);
bool enc_is_7bit(const char *s, size_t n);
int enc_qp(struct buf *out, const char *s, size_t n);
int enc_base64(struct buf *out, const unsigned char *p, size_t n);
size_t enc_b64(char *out, const unsigned char *p, size_t n);

#endif
