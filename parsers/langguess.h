/*
 * langguess.h - which of our languages (French, English) a customer wrote
 * in
 *
 * A desk whose mails are in French answers an English-speaking customer
 * in French unless their organisation says otherwise. A mail tells its
 * language: by its words (the little words every sentence has: "the",
 * "and", "you" against "le", "et", "vous", and French elisions and
 * accents), and by its Content-Language header (Outlook and others set
 * it from the writer's editor). The guess is careful: a short or mixed
 * text says nothing, and the desk's language stays.
 *
 * Pure code: no allocation, no I/O; a text of any size is read up to
 * LANG_GUESS_SCAN bytes.
 */
#ifndef GC_LANGGUESS_H
#define GC_LANGGUESS_H

#include <stddef.h>

#define LANG_GUESS_SCAN 2048   /* bytes of a text read */
#define LANG_GUESS_MIN 3       /* words of the winning language, at least */

/* "fr" or "en" when text (len bytes, UTF-8 or not) is clearly in one of
 * them: at least LANG_GUESS_MIN words of it, and twice as many as of the
 * other; else NULL. */
const char *lang_guess_text(const char *text, size_t len);

/* "fr" or "en" from a Content-Language value ("en-US", "fr, en": the
 * first tag decides); NULL for another language, several first tags in
 * no language of ours, or nothing. */
const char *lang_guess_header(const char *value);

/* The customer's language: the text's (subject, then body, read as one),
 * else the header's, else NULL (the caller's default). */
const char *lang_guess(const char *subject, const char *text,
    const char *content_language);

/* The words counted for lang ("fr", "en"; else NULL), *n_r of them,
 * sorted as strcmp() sorts them (the search halves them): for tests and
 * for the curious. */
const char *const *lang_guess_words(const char *lang, size_t *n_r);

#endif
