/*
 * dedup.c - deduplication keys (see dedup.h)
 */
#include "desk/dedup.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/sha256.h"
#include "common/util.h"

void
dedup_sha256(unsigned char *out, const void *data, size_t len)
{
	sha256(out, data, len);
}

static void
update_str(EVP_MD_CTX *ctx, const char *tag, const char *v)
{
	EVP_DigestUpdate(ctx, tag, strlen(tag) + 1);
	if (v != NULL)
		EVP_DigestUpdate(ctx, v, strlen(v) + 1);
}

/* Offset of the body: after the first empty line (LF LF, CRLF CRLF or a
 * mix). 0 when there is none. */
static size_t
body_offset(const char *raw, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (raw[i] != '\n')
			continue;
		if (raw[i + 1] == '\n')
			return i + 2;
		if (raw[i + 1] == '\r' && i + 2 < len && raw[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* Hash raw[start, end) less its trailing blanks and every CR (so that a
 * mail's CRLF and LF forms are one mail), after tag; finish the digest
 * into out (hex) and free ctx. */
static void
finish_without_cr(char *out, EVP_MD_CTX *ctx, const char *tag,
    const char *raw, size_t start, size_t end)
{
	unsigned char md[SHA256_LEN];
	size_t run = 0;

	while (end > start && strchr(" \t\r\n", raw[end - 1]) != NULL)
		end--;
	EVP_DigestUpdate(ctx, tag, strlen(tag) + 1);
	for (size_t i = start; i < end; i++) {
		if (raw[i] == '\r') {
			if (run > 0)
				EVP_DigestUpdate(ctx, raw + i - run, run);
			run = 0;
			continue;
		}
		run++;
	}
	if (run > 0)
		EVP_DigestUpdate(ctx, raw + end - run, run);
	sha256_end(ctx, md);
	hex_encode(out, md, sizeof(md));
}

void
dedup_key(char *out, const char *raw, size_t len, const char *message_id,
    const char *from, const char *date, const char *subject)
{
	EVP_MD_CTX *ctx = sha256_begin();

	if (message_id != NULL && message_id[0] != '\0') {
		update_str(ctx, "mid", message_id);
	} else {
		update_str(ctx, "from", from);
		update_str(ctx, "date", date);
		update_str(ctx, "subject", subject);
	}
	finish_without_cr(out, ctx, "body", raw, body_offset(raw, len), len);
}

#define RAW_MID_MAX 998   /* characters of a Message-ID looked at */

/* The Message-ID of a header block read as plain lines (folded lines
 * joined): the text between its first '<' and '>' (else the trimmed
 * value), into out (size RAW_MID_MAX + 1). false when there is none. */
static bool
raw_message_id(char *out, const char *raw, size_t len)
{
	static const char name[] = "message-id:";
	size_t i = 0, o = 0;
	bool in_value = false, angle = false;

	while (i < len) {
		size_t eol = i;

		while (eol < len && raw[eol] != '\n')
			eol++;
		if (eol == i || (eol == i + 1 && raw[i] == '\r'))
			break;          /* the end of the header block */
		if (in_value && raw[i] != ' ' && raw[i] != '\t')
			break;                  /* the field ended */
		if (!in_value && eol - i >= sizeof(name) - 1 &&
		    strncasecmp(raw + i, name, sizeof(name) - 1) == 0) {
			in_value = true;
			i += sizeof(name) - 1;
		}
		for (; in_value && i < eol && o < RAW_MID_MAX; i++) {
			char c = raw[i];

			if (c == '<' && !angle && o == 0) {
				angle = true;
				continue;
			}
			if (c == '>' && angle)
				goto done;
			if (c == ' ' || c == '\t' || c == '\r' || c == '\0')
				continue;
			out[o++] = c;
		}
		i = eol + 1;
	}
done:
	out[o] = '\0';
	return o > 0;
}

void
dedup_raw_message_id(char *out, size_t size, const char *raw, size_t len)
{
	char mid[RAW_MID_MAX + 1];

	if (size == 0)
		return;
	if (!raw_message_id(mid, raw, len))
		mid[0] = '\0';
	snprintf(out, size, "%s", mid);
}

void
dedup_key_raw(char *out, const char *raw, size_t len)
{
	char mid[RAW_MID_MAX + 1];
	EVP_MD_CTX *ctx;

	if (raw_message_id(mid, raw, len)) {
		dedup_key(out, raw, len, mid, NULL, NULL, NULL);
		return;
	}
	ctx = sha256_begin();
	/* the whole mail, headers included */
	finish_without_cr(out, ctx, "raw", raw, 0, len);
}
