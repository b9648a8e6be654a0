/*
 * lmtp.h - mail handed over by the MTA over LMTP, to the running daemon
 *
 * With [lmtp] listen = unix:/run/guichet/lmtp.sock (or 127.0.0.1:2424)
 * the MTA delivers to the daemon (Postfix: mailbox_transport or a
 * transport map to lmtp:unix:/run/guichet/lmtp.sock), and each mail goes
 * through intake in the daemon's own database session: no process and no
 * database connection per mail, which is what `guichet ingest` costs.
 *
 * A recipient is a mailbox by its address (also as local+detail@domain);
 * another recipient is refused at RCPT (550). After DATA, each accepted
 * recipient has its answer (RFC 2033):
 *   250  the mail is committed (as a ticket message, a copy already
 *        stored, or in the quarantine);
 *   451  it could not be stored now (the database is away): the MTA keeps
 *        it and tries again;
 *   552  it is larger than the hard cap, [guichet] max_mail_size four
 *        times (as `ingest`: past max_mail_size it is taken, quarantined).
 * Nothing is stored before the final dot, and a session that breaks off
 * stores nothing: the MTA still has the mail. The final delivery adds
 * Return-Path: with the envelope sender (RFC 5321 4.4).
 *
 * One thread: the sessions are non-blocking, served from the daemon's
 * poll() (serve.c). Each buffer has a cap, a client that stays silent is
 * told 421 after [lmtp] timeout, one that makes too many mistakes is told
 * 421 too, and past max_connections a new client is told 421 at once.
 *
 * Ownership: the struct lmtp is the daemon's (lmtp_new .. lmtp_free); it
 * reads the configuration in force through the app at each use, so a
 * SIGHUP needs only lmtp_reload(), which opens the new listener when
 * listen changed (the sessions under way go on).
 */
#ifndef GC_LMTP_H
#define GC_LMTP_H

#include <stddef.h>

#include "common/err.h"
#include "daemon/app.h"
#include "daemon/metrics.h"
#include "desk/desk.h"

struct lmtp;
struct pollfd;

/* Store one mail for one mailbox and commit it: 0, or GC_E* with the
 * reason in err (the mail is then not stored; answered 451). */
typedef int (*lmtp_store_fn)(void *ctx, const struct conf_mailbox *mb,
    const char *raw, size_t len, struct intake_result *res,
    struct gc_err *err);

/* Listen when [lmtp] says so (otherwise an lmtp that does nothing).
 * GC_EIO when the socket cannot be made (the reason in err). */
int lmtp_new(struct lmtp **out, struct app *app, lmtp_store_fn store,
    void *ctx, struct gc_err *err);
/* After a new configuration was installed. */
int lmtp_reload(struct lmtp *l, struct gc_err *err);
/* How many descriptors lmtp_pollfds() may fill at most. */
size_t lmtp_nfds(const struct lmtp *l);
/* Fill fds with what to wait for; returns how many. */
size_t lmtp_pollfds(struct lmtp *l, struct pollfd *fds);
/* Milliseconds until a session times out, -1 when none may. */
int lmtp_timeout_ms(const struct lmtp *l);
/* Serve what poll() reported in fds (the n that lmtp_pollfds() filled),
 * and end the sessions whose time is up. Stores the mails completed. */
void lmtp_service(struct lmtp *l, const struct pollfd *fds, size_t n);
/* The listener's figures for /metrics (off: f->on false). */
void lmtp_figures(const struct lmtp *l, struct metrics_lmtp *f);
/* How many recipients were answered 250 so far (it moves when a mail
 * was stored). */
unsigned long long lmtp_stored(const struct lmtp *l);
/* Serve the sessions under way for as long as they keep coming (each
 * wait for the next bytes at most gap_ms), at most budget_ms in all:
 * after a mail, the next one of the MTA's stream is taken before the
 * outbox is flushed, so that a burst is sent as one. */
void lmtp_burst(struct lmtp *l, int budget_ms, int gap_ms);
/* Every session is told 421 (a mail under way is not answered: the MTA
 * keeps it), the listener closed, the Unix socket removed. */
void lmtp_free(struct lmtp **l);

#endif
