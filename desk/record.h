/*
 * record.h - what the desk writes of a mail it keeps: the message with its
 * attachments, and the events of its ticket
 *
 * Every change to a ticket is an event (record_event), written in the
 * caller's transaction at the desk's clock.
 */
#ifndef GC_DESK_RECORD_H
#define GC_DESK_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "desk/desk.h"

struct mail_addr;

/* The addresses of a header's list (out: n entries); returns how many. */
size_t record_addrs(const char **out, const struct mail_addr *a, size_t n);

/* The limits intake parses a mail of len bytes with (the config's). */
struct mail_limits record_mail_limits(const struct conf *c, size_t len);

/* The texts of a parsed mail cut at max_text_size, with a note, as the
 * ticket keeps them (the mail's arena holds the cut copies). */
void record_cut_texts(const struct conf *c, struct mail *m);

/* A stored mail read again as intake read it: parsed with its limits,
 * its texts cut as they were (#split, #send). */
int record_mail_reread(const struct conf *c, const char *raw, size_t len,
    struct mail **m, struct gc_err *err);

/* Store the mail as a message of the ticket (author "customer", "agent"
 * or "system"; agent: the agent's name), with its attachments; *mid_r,
 * when asked, is the message's row id. */
int record_mail(struct desk *in, const struct conv_mail *cm,
    int64_t ticket_id, const char *author, const char *agent, bool internal,
    int64_t *mid_r, struct gc_err *err);
/* The same, and the event the mail is (as record_event(), which frees
 * data), and with touch the ticket's updated_at, in one statement. */
int record_mail_event(struct desk *in, const struct conv_mail *cm,
    int64_t ticket_id, const char *author, const char *agent, bool internal,
    const char *kind, const char *actor, char *data, bool touch,
    struct gc_err *err);

/* With encryption on (desk/vault.h), seal sm's raw mail and texts in
 * place: sealed[0..2] get the blobs (raw, text, new_text; malloc'd, the
 * caller frees them after the insert), sm points at them; sm->sealed_tsv
 * is the blind index (desk/vault_index.h; malloc'd, the caller frees
 * it). */
struct store_message;
struct store_attachment;
int record_seal_message(struct desk *in, struct store_message *sm,
    unsigned char *sealed[3], struct gc_err *err);
/* Store an attachment (its content sealed with encryption on). */
int record_attachment(struct desk *in, const struct store_attachment *a,
    struct gc_err *err);

/* Keep a mail in the quarantine (its bytes sealed with encryption on). */
struct store_quarantine;
int record_quarantine(struct desk *in, const struct store_quarantine *q,
    int64_t *id_r, struct gc_err *err);

/* An event of the ticket; data is JSON (common/evjson.h) or NULL, and is
 * freed here. */
int record_event(struct desk *in, int64_t ticket_id, const char *kind,
    const char *actor, char *data, struct gc_err *err);

/* What the mail says that its quotes do not: its new text, else all of
 * its text. */
const char *record_new_text(const struct mail *m);

#endif
