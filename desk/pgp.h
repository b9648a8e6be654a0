/*
 * pgp.h - the security channel's encrypted reports: OpenPGP decryption
 * with GPGME and the answer to a report that cannot be read
 *
 * Only the mail of the mailbox that [pgp] names is decrypted; an
 * encrypted mail to any other address is taken as it is. The clear mail
 * (the outer header, the decrypted content: parsers/pgp.h) is what the
 * ticket records, through the same path as any mail; the raw encrypted
 * mail stays the message's raw.
 *
 * GnuPG runs as a child of GPGME (with its agent) in the home of
 * pgp_home(); nothing else is kept between two mails.
 */
#ifndef GC_DESK_PGP_H
#define GC_DESK_PGP_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "conf/conf.h"
#include "desk/desk.h"

struct mail_limits;
struct mailout_var;

/* The GnuPG home of [pgp] into buf: home (key_file, if given, is
 * imported into it), else "<key_file>.gnupg". */
void pgp_home(char *buf, size_t size, const struct conf_pgp *p);

/* At start (every command that reads the config, and check-config):
 * with [pgp], the home is a folder only its owner may enter (created
 * for key_file), key_file (if given) is imported into it, and the home holds the secret
 * key of the fingerprint. 0, or GC_ECONFIG with why in err. */
int pgp_prepare(const struct conf *c, struct gc_err *err);

/* With [pgp] set: a few bytes encrypted to its key are decrypted as a
 * report would be. A secret key that needs a passphrase (guichet has no
 * one to type) or cannot decrypt is refused here, by `serve` when it
 * starts or reloads and by `check-config`, rather than on every report,
 * which would all go to the quarantine. 0, or GC_ECONFIG with why; the
 * engine or agent failing is GC_ETEMP. Spawns GnuPG: not for every
 * command. */
int pgp_check_decrypts(const struct conf *c, struct gc_err *err);

/* When mb is [pgp]'s mailbox and *m (parsed from raw) is encrypted:
 * *m becomes the clear mail, parsed with lim (its raw bytes owned by its
 * arena), and *decrypted_r is true. Returns 0 then and when there is
 * nothing to decrypt. A report that cannot be read (too big, not
 * decryptable, corrupt, decrypting to more than max_decrypted_size)
 * returns GC_EPARSE or GC_ELIMIT with why in err; *m is left as it was.
 * GC_ETEMP when our side failed (the home or our key gone, GnuPG's
 * agent or engine unusable): the mail is to be kept and tried again. */
int pgp_open_mail(const struct conf *c, const struct conf_mailbox *mb,
    const char *raw, const struct mail_limits *lim, struct mail **m, bool *decrypted_r,
    struct gc_err *err);

/* Tell the sender of a report that could not be decrypted (quarantined
 * already) so, with the key's fingerprint: not to an automatic mail,
 * not to our own addresses, capped like every automatic answer; why
 * is what went wrong (the template's error). */
int pgp_ack_failed(struct desk *in, const struct conf_mailbox *mb,
    const struct mail *m, const char *why, struct gc_err *err);

/* The template variables pgp_fingerprint and pgp_line (a sentence in
 * lang giving the fingerprint) for a ticket of mailbox name: both empty
 * unless it is [pgp]'s mailbox. line is the caller's buffer. */
void pgp_vars(struct mailout_var *v, char *line, size_t size,
    const struct conf *c, const char *mailbox, const char *lang);

#endif
