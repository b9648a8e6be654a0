/*
 * chardet_tables.h - the tables of chardet.c, kept apart so that the code
 * reads alone (private to chardet.c)
 *
 * chardet_freq_*: codes (lead byte << 8 | trail byte) of the ideographs
 * most frequent in Chinese (simplified: GB, traditional: Big5) and
 * Japanese (Shift_JIS, EUC-JP) text and of the most frequent Hangul
 * syllables (CP949), sorted ascending; chardet_freq_*_n entries each.
 * chardet_sb_*: code points of bytes 0x80-0xff of the single-byte
 * candidates; 0: unassigned.
 */
#ifndef GUICHET_PARSERS_CHARDET_TABLES_H
#define GUICHET_PARSERS_CHARDET_TABLES_H

#include <stddef.h>
#include <stdint.h>

extern const uint16_t chardet_freq_gb[];
extern const size_t chardet_freq_gb_n;
extern const uint16_t chardet_freq_big5[];
extern const size_t chardet_freq_big5_n;
extern const uint16_t chardet_freq_sjis[];
extern const size_t chardet_freq_sjis_n;
extern const uint16_t chardet_freq_eucjp[];
extern const size_t chardet_freq_eucjp_n;
extern const uint16_t chardet_freq_kr[];
extern const size_t chardet_freq_kr_n;
extern const uint16_t chardet_sb_cp1252[128];
extern const uint16_t chardet_sb_koi8r[128];
extern const uint16_t chardet_sb_cp1251[128];

#endif
