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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"
#include "sql/db.h"

/* Store the ticket's rating (score 1-5; comment may be NULL, or sealed:
 * sealed_len bytes kept in sealed_comment instead; via "mail" or
 * "link"; tell: its agents are still to be told, told_at NULL);
 * *previous_r: the score it replaced, 0 for none. */
int store_rating_set(struct db *db, int64_t ticket_id, int score,
    const char *comment, const unsigned char *sealed, size_t sealed_len,
    const char *via, bool tell, time_t now, int *previous_r,
    struct gc_err *err);

/* A rating whose agents are to be told. */
struct store_rating {
	int64_t ticket_id;
	int score;
	char *comment;            /* in clear, or NULL */
	char *sealed_hex;         /* sealed, as hex, or NULL */
};
/* The ratings still to tell, the oldest first, at most max, locked for
 * this transaction (SKIP LOCKED); *out malloc'd (store_ratings_free). */
int store_rating_untold(struct db *db, int max, struct store_rating **out,
    size_t *n_r, struct gc_err *err);
void store_ratings_free(struct store_rating **r, size_t n);
/* The ticket's rating told to its agents at now. */
int store_rating_told(struct db *db, int64_t ticket_id, time_t now,
    struct gc_err *err);

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
