/*
 * imap_folder.c - the IMAP folder commands: SELECT, CREATE, UID SEARCH,
 * UID FETCH, UID MOVE (or COPY + STORE + EXPUNGE) and APPEND (see imap.h)
 *
 * Every command works on a whole set of UIDs at once, sorted, without
 * duplicates, compressed into ranges and cut into sets of at most
 * SET_RANGES_MAX ranges so that no command line grows without bound.
 * In a libetpan UID set, 0 stands for "*": UID 0 never reaches a set here.
 */
#include "imap_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"

/* ----- UID sets ------------------------------------------------------- */

static int
cmp_uid(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorted copy of uids without duplicates nor 0 (which libetpan would
 * send as "*"). *out is NULL when the result is empty. */
static size_t
normalize_uids(uint32_t **out, const uint32_t *uids, size_t n)
{
	uint32_t *u;
	size_t i, m = 0;

	*out = NULL;
	if (n == 0)
		return 0;
	u = xmalloc(n * sizeof(*u));
	memcpy(u, uids, n * sizeof(*u));
	qsort(u, n, sizeof(*u), cmp_uid);
	for (i = 0; i < n; i++)
		if (u[i] != 0 && (m == 0 || u[m - 1] != u[i]))
			u[m++] = u[i];
	if (m == 0) {
		free(u);
		return 0;
	}
	*out = u;
	return m;
}

/* A set of at most SET_RANGES_MAX ranges from uids[from..n) (sorted,
 * unique, no 0). Returns the index after the last UID taken. */
static size_t
make_set(struct mailimap_set **out, const uint32_t *uids, size_t n,
    size_t from)
{
	struct mailimap_set *set;
	size_t i = from, ranges = 0;
	uint32_t first, last;
	int r;

	set = mailimap_set_new_empty();
	if (set == NULL)
		fatal("mailimap_set_new_empty: out of memory");
	while (i < n && ranges < SET_RANGES_MAX) {
		first = last = uids[i++];
		while (i < n && last != UINT32_MAX && uids[i] == last + 1)
			last = uids[i++];
		if (first == last)
			r = mailimap_set_add_single(set, first);
		else
			r = mailimap_set_add_interval(set, first, last);
		if (r != MAILIMAP_NO_ERROR)
			fatal("mailimap_set_add: out of memory");
		ranges++;
	}
	*out = set;
	return i;
}

/* ----- Folders -------------------------------------------------------- */

int
imap_select(struct imap_conn *c, const char *folder, uint32_t *uidvalidity_r,
    uint32_t *uidnext_r, uint32_t *exists_r, struct gc_err *err)
{
	struct mailimap_selection_info *si;
	char text[SERVER_TEXT_MAX + 8];
	int r;

	r = imap_usable(c, false, "SELECT", err);
	if (r == 0)
		r = imap_check_folder(folder, "SELECT", err);
	if (r < 0)
		return r;
	c->selected = false;
	r = mailimap_select(c->imap, folder);
	if (r == MAILIMAP_ERROR_SELECT) {
		imap_server_text(text, sizeof(text), c, NULL);
		return gc_err_set(err, GC_ENOTFOUND, "cannot select folder "
		    "'%s' on %s: %s", folder, c->where, text);
	}
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "SELECT", err);
	si = c->imap->imap_selection_info;
	if (si == NULL || si->sel_uidvalidity == 0)
		return gc_err_set(err, GC_EPROTO, "%s sent no UIDVALIDITY "
		    "for folder '%s'", c->where, folder);
	c->selected = true;
	/* the folder as it is now is the caller's: news are what the server
	 * tells after this (an EXISTS in the answer to a later command
	 * included; IDLE takes it up) */
	(void)imap_news_take(c);
	if (uidvalidity_r != NULL)
		*uidvalidity_r = si->sel_uidvalidity;
	if (uidnext_r != NULL)
		*uidnext_r = si->sel_uidnext;
	if (exists_r != NULL)
		*exists_r = si->sel_exists;
	return 0;
}

/* Whether LIST names folder exactly (INBOX in any case). */
int
imap_folder_exists(struct imap_conn *c, const char *folder, bool *exists_r,
    struct gc_err *err)
{
	clist *list = NULL;
	clistiter *it;
	int r;

	*exists_r = false;
	r = mailimap_list(c->imap, "", folder, &list);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "LIST", err);
	for (it = clist_begin(list); it != NULL; it = clist_next(it)) {
		struct mailimap_mailbox_list *mb = clist_content(it);

		if (mb->mb_name == NULL)
			continue;
		if (strcmp(mb->mb_name, folder) == 0 ||
		    (str_casecmp(folder, "INBOX") == 0 &&
		    str_casecmp(mb->mb_name, "INBOX") == 0))
			*exists_r = true;
	}
	mailimap_list_result_free(list);
	return 0;
}

int
imap_ensure_folder(struct imap_conn *c, const char *folder,
    struct gc_err *err)
{
	char text[SERVER_TEXT_MAX + 8];
	bool exists;
	int r;

	r = imap_usable(c, false, "CREATE", err);
	if (r == 0)
		r = imap_check_folder(folder, "CREATE", err);
	if (r < 0)
		return r;
	/* A name with LIST wildcards cannot be checked by LIST. */
	if (strpbrk(folder, "*%") == NULL) {
		r = imap_folder_exists(c, folder, &exists, err);
		if (r < 0 || exists)
			return r;
	}
	r = mailimap_create(c->imap, folder);
	if (r == MAILIMAP_NO_ERROR)
		return 0;
	if (r != MAILIMAP_ERROR_CREATE)
		return imap_fail(c, r, "CREATE", err);
	/* Someone else may have created it meanwhile. */
	imap_server_text(text, sizeof(text), c, NULL);
	if (strpbrk(folder, "*%") == NULL) {
		r = imap_folder_exists(c, folder, &exists, err);
		if (r < 0 || exists)
			return r;
	}
	return gc_err_set(err, GC_EPROTO, "cannot create folder '%s' on "
	    "%s: %s", folder, c->where, text);
}

/* ----- Search and fetch ----------------------------------------------- */

/* UID SEARCH min_uid:* UNDELETED [SINCE the date of since] */
static int
search_uids(struct imap_conn *c, uint32_t min_uid, const struct tm *since,
    uint32_t **uids_r, size_t *n_r, struct gc_err *err)
{
	struct mailimap_search_key *key, *undeleted;
	struct mailimap_set *set;
	clist *result = NULL;
	clistiter *it;
	uint32_t *u;
	size_t n, m;
	int r;

	*uids_r = NULL;
	*n_r = 0;
	r = imap_usable(c, true, "UID SEARCH", err);
	if (r < 0)
		return r;
	if (min_uid == 0)
		min_uid = 1;
	set = mailimap_set_new_interval(min_uid, 0);        /* min:* */
	undeleted = mailimap_search_key_new(MAILIMAP_SEARCH_KEY_UNDELETED,
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL,
	    NULL, NULL);
	key = mailimap_search_key_new_multiple_empty();
	if (set == NULL || undeleted == NULL || key == NULL)
		fatal("mailimap_search_key: out of memory");
	if (mailimap_search_key_multiple_add(key,
	    mailimap_search_key_new_uid(set)) != MAILIMAP_NO_ERROR ||
	    mailimap_search_key_multiple_add(key, undeleted) !=
	    MAILIMAP_NO_ERROR)
		fatal("mailimap_search_key: out of memory");
	if (since != NULL) {
		struct mailimap_date *d = mailimap_date_new(since->tm_mday,
		    since->tm_mon + 1, since->tm_year + 1900);
		struct mailimap_search_key *k = d == NULL ? NULL :
		    mailimap_search_key_new(MAILIMAP_SEARCH_KEY_SINCE, NULL,
		    NULL, NULL, NULL, NULL, NULL, NULL, d, NULL, NULL, NULL,
		    NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0,
		    NULL, NULL, NULL);

		if (k == NULL ||
		    mailimap_search_key_multiple_add(key, k) !=
		    MAILIMAP_NO_ERROR)
			fatal("mailimap_search_key: out of memory");
	}
	r = mailimap_uid_search(c->imap, NULL, key, &result);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "UID SEARCH", err);

	n = (size_t)clist_count(result);
	u = xmalloc((n > 0 ? n : 1) * sizeof(*u));
	m = 0;
	/* "min:*" also matches the last message when min is past it. */
	for (it = clist_begin(result); it != NULL; it = clist_next(it)) {
		uint32_t *v = clist_content(it);

		if (v != NULL && *v >= min_uid && m < n)
			u[m++] = *v;
	}
	mailimap_search_result_free(result);
	*n_r = normalize_uids(uids_r, u, m);
	free(u);
	return 0;
}

int
imap_search_uids(struct imap_conn *c, uint32_t min_uid, uint32_t **uids_r,
    size_t *n_r, struct gc_err *err)
{
	return search_uids(c, min_uid, NULL, uids_r, n_r, err);
}

int
imap_search_since(struct imap_conn *c, const struct tm *day,
    uint32_t **uids_r, size_t *n_r, struct gc_err *err)
{
	return search_uids(c, 1, day, uids_r, n_r, err);
}

struct fetched {
	uint32_t uid;
	bool has_uid, has_size, has_body, has_date;
	uint32_t size;
	time_t date;
	const char *body;
	size_t body_len;
};

/* An INTERNALDATE as UTC seconds; false when there is none or it is not
 * a date. */
static bool
date_of(const struct mailimap_date_time *d, time_t *t_r)
{
	struct tm tm;
	int zone, off;

	if (d == NULL || d->dt_year < 1970 || d->dt_year > 9999 ||
	    d->dt_month < 1 || d->dt_month > 12 || d->dt_day < 1 ||
	    d->dt_day > 31 || d->dt_hour < 0 || d->dt_hour > 23 ||
	    d->dt_min < 0 || d->dt_min > 59 || d->dt_sec < 0 ||
	    d->dt_sec > 60 || d->dt_zone < -9959 || d->dt_zone > 9959)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = d->dt_year - 1900;
	tm.tm_mon = d->dt_month - 1;
	tm.tm_mday = d->dt_day;
	tm.tm_hour = d->dt_hour;
	tm.tm_min = d->dt_min;
	tm.tm_sec = d->dt_sec;
	zone = d->dt_zone < 0 ? -d->dt_zone : d->dt_zone;   /* +HHMM */
	off = (zone / 100) * 3600 + (zone % 100) * 60;
	*t_r = timegm(&tm) - (d->dt_zone < 0 ? -off : off);
	return true;
}

static void
fetched_of(struct fetched *f, struct mailimap_msg_att *att)
{
	clistiter *it;

	memset(f, 0, sizeof(*f));
	for (it = clist_begin(att->att_list); it != NULL;
	    it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);
		struct mailimap_msg_att_static *st;

		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC ||
		    item->att_data.att_static == NULL)
			continue;
		st = item->att_data.att_static;
		switch (st->att_type) {
		case MAILIMAP_MSG_ATT_UID:
			f->uid = st->att_data.att_uid;
			f->has_uid = true;
			break;
		case MAILIMAP_MSG_ATT_RFC822_SIZE:
			f->size = st->att_data.att_rfc822_size;
			f->has_size = true;
			break;
		case MAILIMAP_MSG_ATT_INTERNALDATE:
			f->has_date = date_of(st->att_data.att_internal_date,
			    &f->date);
			break;
		case MAILIMAP_MSG_ATT_BODY_SECTION:
			if (st->att_data.att_body_section != NULL &&
			    st->att_data.att_body_section->sec_body_part !=
			    NULL) {
				f->body = st->att_data.att_body_section->
				    sec_body_part;
				f->body_len = st->att_data.att_body_section->
				    sec_length;
				f->has_body = true;
			}
			break;
		}
	}
}

enum { SLOT_ABSENT = 0, SLOT_SIZED, SLOT_DONE };

/* Bytes of mail asked for by one UID FETCH of bodies, when the sizes are
 * known: libetpan holds a command's whole answer while we copy the mails
 * out of it, so this bounds what is held twice. At least one mail per
 * command. */
#define FETCH_CMD_BYTES (4u * 1024 * 1024)

/* UID FETCH set (UID att): the set and att are consumed; *result_r the
 * answer, for mailimap_fetch_list_free(). what names the command in a
 * failure. */
static int
uid_fetch(struct imap_conn *c, struct mailimap_set *set,
    struct mailimap_fetch_att *att, clist **result_r, const char *what,
    struct gc_err *err)
{
	struct mailimap_fetch_type *ft;
	struct mailimap_fetch_att *fa;
	int r;

	*result_r = NULL;
	if (att == NULL ||
	    (ft = mailimap_fetch_type_new_fetch_att_list_empty()) == NULL ||
	    (fa = mailimap_fetch_att_new_uid()) == NULL ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft, fa) != 0 ||
	    mailimap_fetch_type_new_fetch_att_list_add(ft, att) != 0)
		fatal("mailimap_fetch_att: out of memory");
	r = mailimap_uid_fetch(c->imap, set, ft, result_r);
	mailimap_fetch_type_free(ft);
	mailimap_set_free(set);
	return r != MAILIMAP_NO_ERROR ? imap_fail(c, r, what, err) : 0;
}

/* The end of the run of uids[from..n) whose announced sizes (res[], by
 * their index in all[]) fit in FETCH_CMD_BYTES; at least from + 1. */
static size_t
sized_run(const uint32_t *uids, size_t n, size_t from, const uint32_t *all,
    size_t nall, const struct imap_msg *res, const unsigned char *state)
{
	size_t end = from, bytes = 0;

	for (; end < n; end++) {
		const uint32_t *hit = bsearch(&uids[end], all, nall,
		    sizeof(*all), cmp_uid);
		size_t size = hit && state[hit - all] == SLOT_SIZED ?
		    res[hit - all].len : 0;

		if (end > from && size > FETCH_CMD_BYTES - bytes)
			break;
		bytes += size < FETCH_CMD_BYTES ? size : FETCH_CMD_BYTES;
	}
	return end;
}

/* One fetch pass over uids[0..n) (sorted, unique): sizes only, or bodies.
 * Results land in res[]/state[], indexed like all[0..nall). */
static int
fetch_pass(struct imap_conn *c, const uint32_t *uids, size_t n, bool bodies,
    size_t max_size, const uint32_t *all, size_t nall,
    struct imap_msg *res, unsigned char *state, struct gc_err *err)
{
	struct mailimap_set *set;
	struct fetched f;
	clist *result;
	clistiter *it;
	size_t from = 0, idx;
	const uint32_t *hit;
	int r;

	while (from < n) {
		size_t end = bodies ? sized_run(uids, n, from, all, nall, res,
		    state) : n;

		from = make_set(&set, uids, end, from);
		if ((r = uid_fetch(c, set, bodies ?
		    mailimap_fetch_att_new_body_peek_section(
		    mailimap_section_new(NULL)) :
		    mailimap_fetch_att_new_rfc822_size(), &result,
		    "UID FETCH", err)) != 0)
			return r;
		for (it = clist_begin(result); it != NULL;
		    it = clist_next(it)) {
			fetched_of(&f, clist_content(it));
			/* Unsolicited FETCH (flags) and strangers: skip. */
			if (!f.has_uid)
				continue;
			hit = bsearch(&f.uid, all, nall, sizeof(*all),
			    cmp_uid);
			if (hit == NULL)
				continue;
			idx = (size_t)(hit - all);
			if (!bodies && f.has_size) {
				res[idx].uid = f.uid;
				res[idx].len = f.size;
				state[idx] = SLOT_SIZED;
			} else if (bodies && f.has_body &&
			    state[idx] != SLOT_DONE) {
				res[idx].uid = f.uid;
				state[idx] = SLOT_DONE;
				if (max_size != 0 && f.body_len > max_size) {
					/* The size announced was wrong. */
					res[idx].len = f.body_len;
					continue;
				}
				res[idx].data = xmalloc(f.body_len + 1);
				memcpy(res[idx].data, f.body, f.body_len);
				res[idx].data[f.body_len] = '\0';
				res[idx].len = f.body_len;
			}
		}
		mailimap_fetch_list_free(result);
	}
	return 0;
}

/* The header blocks of uids[0..n) (sorted, unique), in one command, into
 * res[].header (indexed like all[]), each cut at IMAP_OVERSIZE_HEADER. */
static int
fetch_headers(struct imap_conn *c, const uint32_t *uids, size_t n,
    const uint32_t *all, size_t nall, struct imap_msg *res,
    struct gc_err *err)
{
	struct mailimap_set *set;
	struct fetched f;
	clist *result = NULL;
	clistiter *it;
	int r;

	make_set(&set, uids, n, 0);
	if ((r = uid_fetch(c, set, mailimap_fetch_att_new_body_peek_section(
	    mailimap_section_new_header()), &result, "UID FETCH (header)",
	    err)) != 0)
		return r;
	for (it = clist_begin(result); it != NULL; it = clist_next(it)) {
		const uint32_t *hit;
		struct imap_msg *m;
		size_t len;

		fetched_of(&f, clist_content(it));
		if (!f.has_uid || !f.has_body || (hit = bsearch(&f.uid, all,
		    nall, sizeof(*all), cmp_uid)) == NULL)
			continue;
		m = &res[hit - all];
		if (m->header != NULL)
			continue;
		len = f.body_len < IMAP_OVERSIZE_HEADER ? f.body_len :
		    IMAP_OVERSIZE_HEADER;
		m->header = xmalloc(len + 1);
		memcpy(m->header, f.body, len);
		m->header[len] = '\0';
		m->header_len = len;
	}
	mailimap_fetch_list_free(result);
	return 0;
}

int
imap_fetch(struct imap_conn *c, const uint32_t *uids, size_t n,
    size_t max_size, struct imap_msg **msgs_r, size_t *n_r,
    struct gc_err *err)
{
	return imap_fetch_budget(c, uids, n, max_size, 0, msgs_r, n_r, NULL,
	    err);
}

int
imap_fetch_budget(struct imap_conn *c, const uint32_t *uids, size_t n,
    size_t max_size, size_t budget, struct imap_msg **msgs_r, size_t *n_r,
    size_t *taken_r, struct gc_err *err)
{
	struct imap_msg *res;
	unsigned char *state;
	uint32_t *all, *want;
	size_t nall, nwant, i, m, upto, total = 0;
	int r;

	*msgs_r = NULL;
	*n_r = 0;
	if (taken_r)
		*taken_r = n;
	r = imap_usable(c, true, "UID FETCH", err);
	if (r < 0)
		return r;
	nall = normalize_uids(&all, uids, n);
	if (nall == 0)
		return 0;
	res = xcalloc(nall, sizeof(*res));
	state = xcalloc(nall, 1);
	want = all;
	nwant = nall;
	upto = nall;
	if (max_size != 0 || budget != 0) {
		r = fetch_pass(c, all, nall, false, max_size, all, nall, res,
		    state, err);
		if (r < 0)
			goto out;
		want = xmalloc(nall * sizeof(*want));
		for (i = nwant = 0; i < nall; i++) {
			if (state[i] != SLOT_SIZED ||
			    (max_size != 0 && res[i].len > max_size))
				continue;
			/* the budget, as announced; at least one mail */
			if (budget != 0 && nwant > 0 &&
			    res[i].len > budget - total) {
				upto = i;
				break;
			}
			total += res[i].len;
			want[nwant++] = all[i];
		}
	}
	if (nwant > 0)
		r = fetch_pass(c, want, nwant, true, max_size, all, nall,
		    res, state, err);
	if (r < 0)
		goto out;
	/* the header of each mail too big to fetch: who sent it */
	if (max_size != 0) {
		uint32_t *big = xmalloc(nall * sizeof(*big));
		size_t nbig = 0;

		for (i = 0; i < upto; i++)
			if (state[i] == SLOT_SIZED && res[i].len > max_size)
				big[nbig++] = all[i];
		if (nbig > 0)
			r = fetch_headers(c, big, nbig, all, nall, res, err);
		free(big);
		if (r < 0)
			goto out;
	}
	/* Keep what came back whole, and what is too large to fetch. */
	for (i = m = 0; i < upto; i++) {
		bool oversize = max_size != 0 && res[i].data == NULL &&
		    res[i].len > max_size;

		if ((state[i] == SLOT_DONE && res[i].data != NULL) ||
		    (state[i] != SLOT_ABSENT && oversize))
			res[m++] = res[i];
	}
	for (; i < nall; i++) {
		free(res[i].data);    /* past the budget: none, but be sure */
		free(res[i].header);
	}
	if (m == 0) {
		free(res);
		res = NULL;
	}
	*msgs_r = res;
	*n_r = m;
	if (taken_r)
		*taken_r = upto;
	res = NULL;
out:
	if (res != NULL)
		imap_msgs_free(&res, nall);
	if (want != all)
		free(want);
	free(all);
	free(state);
	return r;
}

void
imap_msgs_free(struct imap_msg **msgs, size_t n)
{
	size_t i;

	if (msgs == NULL || *msgs == NULL)
		return;
	for (i = 0; i < n; i++) {
		free((*msgs)[i].data);
		free((*msgs)[i].header);
	}
	free(*msgs);
	*msgs = NULL;
}

/* ----- Move and append ------------------------------------------------ */

static int
move_fallback(struct imap_conn *c, struct mailimap_set *set,
    const char *dest, struct gc_err *err)
{
	struct mailimap_store_att_flags *flags;
	struct mailimap_flag_list *fl;
	char text[SERVER_TEXT_MAX + 8];
	int r;

	r = mailimap_uid_copy(c->imap, set, dest);
	if (r == MAILIMAP_ERROR_UID_COPY) {
		imap_server_text(text, sizeof(text), c, NULL);
		return gc_err_set(err, GC_EPROTO, "UID COPY to '%s' refused "
		    "by %s: %s", dest, c->where, text);
	}
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "UID COPY", err);
	fl = mailimap_flag_list_new_empty();
	if (fl == NULL || mailimap_flag_list_add(fl,
	    mailimap_flag_new_deleted()) != MAILIMAP_NO_ERROR)
		fatal("mailimap_flag_list: out of memory");
	flags = mailimap_store_att_flags_new_add_flags_silent(fl);
	if (flags == NULL)
		fatal("mailimap_store_att_flags: out of memory");
	r = mailimap_uid_store(c->imap, set, flags);
	mailimap_store_att_flags_free(flags);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "UID STORE", err);
	if (c->caps & IMAP_CAP_UIDPLUS)
		r = mailimap_uid_expunge(c->imap, set);
	else
		r = mailimap_expunge(c->imap);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, (c->caps & IMAP_CAP_UIDPLUS) ?
		    "UID EXPUNGE" : "EXPUNGE", err);
	return 0;
}

int
imap_move(struct imap_conn *c, const uint32_t *uids, size_t n,
    const char *dest, struct gc_err *err)
{
	struct mailimap_set *set;
	char text[SERVER_TEXT_MAX + 8];
	uint32_t *all;
	size_t nall, from = 0;
	int r;

	r = imap_usable(c, true, "UID MOVE", err);
	if (r == 0)
		r = imap_check_folder(dest, "UID MOVE", err);
	if (r < 0)
		return r;
	nall = normalize_uids(&all, uids, n);
	while (r == 0 && from < nall) {
		from = make_set(&set, all, nall, from);
		if (c->caps & IMAP_CAP_MOVE) {
			r = mailimap_uid_move(c->imap, set, dest);
			if (r == MAILIMAP_ERROR_UID_MOVE) {
				imap_server_text(text, sizeof(text), c, NULL);
				r = gc_err_set(err, GC_EPROTO, "UID MOVE to "
				    "'%s' refused by %s: %s", dest, c->where,
				    text);
			} else if (r != MAILIMAP_NO_ERROR) {
				r = imap_fail(c, r, "UID MOVE", err);
			}
		} else {
			r = move_fallback(c, set, dest, err);
		}
		mailimap_set_free(set);
	}
	free(all);
	return r;
}

int
imap_append(struct imap_conn *c, const char *folder, const char *data,
    size_t len, struct gc_err *err)
{
	char text[SERVER_TEXT_MAX + 8];
	int r;

	r = imap_usable(c, false, "APPEND", err);
	if (r == 0)
		r = imap_check_folder(folder, "APPEND", err);
	if (r < 0)
		return r;
	if (data == NULL || len == 0)
		return gc_err_set(err, GC_EINVAL, "APPEND: empty message");
	r = mailimap_append(c->imap, folder, NULL, NULL, data, len);
	if (r == MAILIMAP_ERROR_APPEND) {
		imap_server_text(text, sizeof(text), c, NULL);
		return gc_err_set(err, GC_EPROTO, "APPEND to '%s' refused by "
		    "%s: %s", folder, c->where, text);
	}
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "APPEND", err);
	return 0;
}


int
imap_internal_dates(struct imap_conn *c, const uint32_t *uids, size_t n,
    time_t *dates, struct gc_err *err)
{
	size_t from = 0;

	memset(dates, 0, n * sizeof(*dates));
	while (from < n) {
		struct mailimap_set *set;
		clist *result;
		clistiter *it;
		int r;

		from = make_set(&set, uids, n, from);
		if ((r = uid_fetch(c, set, mailimap_fetch_att_new_internaldate(),
		    &result, "UID FETCH (INTERNALDATE)", err)) != 0)
			return r;
		for (it = clist_begin(result); it != NULL;
		    it = clist_next(it)) {
			const uint32_t *hit;
			struct fetched f;

			fetched_of(&f, clist_content(it));
			if (f.has_uid && f.has_date && (hit = bsearch(&f.uid,
			    uids, n, sizeof(*uids), cmp_uid)) != NULL)
				dates[hit - uids] = f.date;
		}
		mailimap_fetch_list_free(result);
	}
	return 0;
}
