/*
 * store_rating.h - customers' satisfaction ratings: one per ticket (a
 * later one replaces it), and the figures of the ratings given since a
 * time (the satisfaction() function of the migrations, which reports
 * read too)
 *
 * Conventions of the whole store (transactions, deferred writes, times,
 * ids, who owns what is returned): see sql/store.h.
 */
#ifndef GC_SQL_STORE_RATING_H
#define GC_SQL_STORE_RATING_H

#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

/* Store the ticket's rating (score 1-5; comment may be NULL, or sealed:
 * sealed_len bytes kept in sealed_comment instead; via "mail" or
 * "link"); *previous_r: the score it replaced, 0 for none. */
int store_rating_set(struct db *db, int64_t ticket_id, int score,
    const char *comment, const unsigned char *sealed, size_t sealed_len,
    const char *via, time_t now, int *previous_r, struct gc_err *err);

struct store_satisfaction {
	long long ratings;
	char average[16];         /* "4.25", "" without ratings */
	char csat[16];            /* percent of 4 and 5, "" without */
	long long score[6];       /* [1]..[5]: how many of each */
};
/* The ratings given since since (0: all). */
int store_satisfaction(struct db *db, time_t since,
    struct store_satisfaction *out, struct gc_err *err);

#endif
