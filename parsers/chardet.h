/*
 * chardet.h - guessing the charset of 8-bit text that declares none
 *
 * Header fields sent in raw 8-bit by CJK and old Western clients (a
 * Subject or a name in bare GB2312, Shift_JIS, EUC-KR, KOI8-R...), and
 * bodies without a charset, carry no label. chardet_guess() picks the
 * most likely of the legacy charsets such mail is written in:
 * GB18030 (GB2312, GBK), Big5, Shift_JIS, EUC-JP, EUC-KR, windows-1252,
 * KOI8-R and windows-1251. Each reads the text (its own byte structure
 * and character tables, no iconv); a byte sequence it does not have
 * costs heavily, and what it reads is scored: kana for Japanese, the
 * most frequent Hangul syllables for Korean, the most frequent
 * ideographs of Chinese and Japanese text, lowercase Cyrillic letters in
 * Cyrillic words, accented Latin letters inside Latin words; rare and
 * user-defined areas, C1 controls, box drawing and letters of one script
 * glued to another are penalised. The best score wins, ties going to
 * the more common charset; windows-1252 when nothing scores.
 *
 * A small heuristic of our own rather than a detection library: the
 * candidates are few and known, headers are short (libuchardet and its
 * kin need a few hundred bytes of text to be reliable, and guess among
 * charsets no mail uses), and it needs no new dependency.
 *
 * Pure code, no state; reads at most CHARDET_SAMPLE bytes from the first
 * 8-bit byte on, so that its cost is bounded whatever the input.
 */
#ifndef GC_PARSERS_CHARDET_H
#define GC_PARSERS_CHARDET_H

#include <stddef.h>

#define CHARDET_SAMPLE 2048

/* The label (one charset.h knows) of the most likely charset of the len
 * bytes at in, or NULL when they are ASCII or valid UTF-8. */
const char *chardet_guess(const char *in, size_t len);

#endif
