/*
 * pgp.c - decrypting the security channel's reports with GPGME (see
 * pgp.h)
 *
 * Two caps bound what a report can cost: the ciphertext is measured
 * before GnuPG sees it (max_encrypted_size), and the clear text is
 * written through a callback that refuses the byte past
 * max_decrypted_size, which stops a compression bomb where it starts.
 * GnuPG never asks for a passphrase (loopback mode, no answer): the
 * secret key of the home must have none, or be unlocked in its agent.
 */
#include "desk/pgp.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/mem.h"
#include "desk/gpgme_dyn.h"
#include "desk/mailout.h"
#include "parsers/auto.h"
#include "parsers/mime.h"
#include "parsers/pgp.h"

void
pgp_home(char *buf, size_t size, const struct conf_pgp *p)
{
	if (p->home != NULL)
		snprintf(buf, size, "%s", p->home);
	else
		snprintf(buf, size, "%s.gnupg", p->key_file ? p->key_file :
		    "");
}

static void
gpgme_start(void)
{
	static bool done;

	if (done)
		return;
	gpgme_check_version(NULL);
	gpgme_set_locale(NULL, LC_CTYPE, setlocale(LC_CTYPE, NULL));
	done = true;
}

static gpgme_error_t
no_passphrase(void *hook, const char *uid_hint, const char *info,
    int prev_bad, int fd)
{
	(void)hook;
	(void)uid_hint;
	(void)info;
	(void)prev_bad;
	(void)fd;
	return gpgme_error(GPG_ERR_NO_PASSPHRASE);
}

static int
context(gpgme_ctx_t *ctx_r, const char *home, struct gc_err *err)
{
	gpgme_error_t e;

	gpgme_start();
	if ((e = gpgme_new(ctx_r)) != 0)
		return gc_err_set(err, GC_EIO, "GPGME: %s", gpgme_strerror(e));
	if ((e = gpgme_set_protocol(*ctx_r, GPGME_PROTOCOL_OpenPGP)) != 0 ||
	    (e = gpgme_ctx_set_engine_info(*ctx_r, GPGME_PROTOCOL_OpenPGP,
	    NULL, home)) != 0 ||
	    (e = gpgme_set_pinentry_mode(*ctx_r,
	    GPGME_PINENTRY_MODE_LOOPBACK)) != 0) {
		gpgme_release(*ctx_r);
		*ctx_r = NULL;
		return gc_err_set(err, GC_EIO, "GPGME: %s", gpgme_strerror(e));
	}
	gpgme_set_passphrase_cb(*ctx_r, no_passphrase, NULL);
	return 0;
}

/* The home folder: there, a folder, entered by its owner only. */
static int
check_home(const char *home, bool create, struct gc_err *err)
{
	struct stat st;

	if (create && mkdir(home, 0700) != 0 && errno != EEXIST)
		return gc_err_set(err, GC_ECONFIG, "[pgp] cannot create the "
		    "private GnuPG home %s: %s", home, strerror(errno));
	if (stat(home, &st) != 0)
		return gc_err_set(err, GC_ECONFIG, "[pgp] home %s: %s", home,
		    strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return gc_err_set(err, GC_ECONFIG, "[pgp] home %s is not a "
		    "folder", home);
	if ((st.st_mode & 077) != 0)
		return gc_err_set(err, GC_ECONFIG, "[pgp] home %s may be "
		    "entered by others than its owner (mode %03o): chmod 700",
		    home, (unsigned)(st.st_mode & 0777));
	return 0;
}

static int
import_key(gpgme_ctx_t ctx, const char *file, struct gc_err *err)
{
	gpgme_data_t d;
	gpgme_error_t e;
	gpgme_import_result_t r;

	if ((e = gpgme_data_new_from_file(&d, file, 1)) != 0)
		return gc_err_set(err, GC_ECONFIG, "[pgp] key_file %s: %s",
		    file, gpgme_strerror(e));
	e = gpgme_op_import(ctx, d);
	gpgme_data_release(d);
	r = e == 0 ? gpgme_op_import_result(ctx) : NULL;
	if (e != 0 || r == NULL || (r->secret_imported == 0 &&
	    r->secret_unchanged == 0))
		return gc_err_set(err, GC_ECONFIG, "[pgp] key_file %s: no "
		    "secret key could be imported from it%s%s", file,
		    e ? ": " : "", e ? gpgme_strerror(e) : "");
	return 0;
}

int
pgp_prepare(const struct conf *c, struct gc_err *err)
{
	const struct conf_pgp *p = &c->pgp;
	char home[4096];
	gpgme_ctx_t ctx = NULL;
	gpgme_key_t key = NULL;
	gpgme_error_t e;
	int rc;

	if (p->line == 0 || p->fingerprint == NULL)
		return 0;
	pgp_home(home, sizeof(home), p);
	if ((rc = check_home(home, p->key_file != NULL, err)) != 0)
		return rc;
	if ((rc = context(&ctx, home, err)) != 0)
		return rc == GC_EIO ? GC_ECONFIG : rc;
	if (p->key_file != NULL && (rc = import_key(ctx, p->key_file,
	    err)) != 0)
		goto out;
	e = gpgme_get_key(ctx, p->fingerprint, &key, 1);
	if (e != 0 || key == NULL)
		rc = gc_err_set(err, GC_ECONFIG, "[pgp] the GnuPG home %s "
		    "holds no secret key %s (%s)", home, p->fingerprint,
		    e ? gpgme_strerror(e) : "not found");
	else if (key->revoked || key->expired || key->disabled)
		rc = gc_err_set(err, GC_ECONFIG, "[pgp] the key %s is %s",
		    p->fingerprint, key->revoked ? "revoked" : key->expired ?
		    "expired" : "disabled");
out:
	gpgme_key_unref(key);
	gpgme_release(ctx);
	return rc;
}

/* Where the clear text goes: a capped buffer. */
struct sink {
	struct buf b;
	size_t max;
	bool over;
};

static ssize_t
sink_write(void *handle, const void *buf, size_t size)
{
	struct sink *s = handle;

	if (s->b.len + size > s->max) {
		s->over = true;
		errno = EFBIG;
		return -1;
	}
	if (buf_add(&s->b, buf, size) != 0) {
		s->over = true;
		errno = EFBIG;
		return -1;
	}
	return (ssize_t)size;
}

/* Whether the report names one of our key's (sub)keys among those it
 * was encrypted to: then a missing secret is ours to fix, whatever the
 * home holds by the time we look (the key may come back between the
 * decryption and this question). */
static bool
sent_to_us(gpgme_ctx_t ctx, const struct conf_pgp *p)
{
	gpgme_decrypt_result_t r = gpgme_op_decrypt_result(ctx);
	gpgme_key_t key = NULL;
	bool ours = false;

	if (r == NULL || gpgme_get_key(ctx, p->fingerprint, &key, 0) != 0 ||
	    key == NULL)
		return false;
	for (gpgme_recipient_t rc = r->recipients; rc && !ours; rc = rc->next)
		for (gpgme_subkey_t sk = key->subkeys; sk && !ours;
		    sk = sk->next)
			ours = rc->keyid != NULL && sk->keyid != NULL &&
			    strcasecmp(rc->keyid, sk->keyid) == 0;
	gpgme_key_unref(key);
	return ours;
}

/* Why GnuPG failed: the report (GC_EPARSE), or our side (GC_ETEMP: the
 * agent, the engine, our key gone from the home, or a secret (sub)key
 * of ours that the report was encrypted to and that GnuPG did not
 * have), which ops fix and the mail waits for in its folder. */
static int
failure(gpgme_ctx_t ctx, const struct conf_pgp *p, const char *home,
    gpgme_error_t e, bool *no_secret_r, struct gc_err *err)
{
	gpgme_err_code_t code = gpgme_err_code(e);
	gpgme_key_t key = NULL;

	if (code == GPG_ERR_NO_SECKEY) {
		if (gpgme_get_key(ctx, p->fingerprint, &key, 1) != 0 ||
		    key == NULL)
			return gc_err_set(err, GC_ETEMP, "[pgp] the secret key "
			    "%s is no longer in %s", p->fingerprint, home);
		gpgme_key_unref(key);
		if ((*no_secret_r = sent_to_us(ctx, p)))
			return gc_err_set(err, GC_ETEMP, "[pgp] a report "
			    "encrypted to the key %s found no secret for it "
			    "in %s (a subkey's secret gone, or the key "
			    "imported again meanwhile): it waits in its "
			    "folder", p->fingerprint, home);
	}
	if (code == GPG_ERR_NO_AGENT || code == GPG_ERR_AGENT ||
	    code == GPG_ERR_INV_ENGINE || code == GPG_ERR_ENGINE_TOO_OLD ||
	    code == GPG_ERR_ASS_CONNECT_FAILED)
		return gc_err_set(err, GC_ETEMP, "GnuPG: %s",
		    gpgme_strerror(e));
	return gc_err_set(err, GC_EPARSE, "cannot decrypt: %s",
	    gpgme_strerror(e));
}

/* *no_secret_r: the blob was encrypted to our key, whose home has no
 * secret for it (see failure()). */
static int
decrypt(const struct conf_pgp *p, const unsigned char *in, size_t len,
    struct sink *s, bool *no_secret_r, struct gc_err *err)
{
	struct gpgme_data_cbs cbs = { NULL, sink_write, NULL, NULL };
	gpgme_ctx_t ctx = NULL;
	gpgme_data_t cin = NULL, cout = NULL;
	gpgme_error_t e;
	char home[4096];
	struct stat st;
	int rc;

	pgp_home(home, sizeof(home), p);
	/* GnuPG would make an empty home where ours was */
	if (stat(home, &st) != 0 || !S_ISDIR(st.st_mode))
		return gc_err_set(err, GC_ETEMP, "[pgp] the GnuPG home %s is "
		    "gone", home);
	if ((rc = context(&ctx, home, err)) != 0)
		return rc == GC_EIO ? GC_ETEMP : rc;
	if ((e = gpgme_data_new_from_mem(&cin, (const char *)in, len, 0)) ||
	    (e = gpgme_data_new_from_cbs(&cout, &cbs, s))) {
		rc = gc_err_set(err, GC_ETEMP, "GPGME: %s", gpgme_strerror(e));
		goto out;
	}
	e = gpgme_op_decrypt(ctx, cin, cout);
	if (s->over)
		rc = gc_err_set(err, GC_ELIMIT, "the decrypted report passes "
		    "max_decrypted_size (%lld bytes)", p->max_decrypted_size);
	else if (e != 0)
		rc = failure(ctx, p, home, e, no_secret_r, err);
out:
	gpgme_data_release(cin);
	gpgme_data_release(cout);
	gpgme_release(ctx);
	return rc;
}

int
pgp_check_decrypts(const struct conf *c, struct gc_err *err)
{
	static const char probe[] = "guichet: can this key decrypt?";
	const struct conf_pgp *p = &c->pgp;
	gpgme_ctx_t ctx = NULL;
	gpgme_key_t key[2] = { NULL, NULL };
	gpgme_data_t in = NULL, out = NULL;
	gpgme_error_t e;
	struct sink s = { BUF_INIT(0), sizeof(probe), false };
	char home[4096], *blob = NULL;
	size_t len = 0;
	bool no_secret = false;
	int rc;

	if (p->line == 0 || p->fingerprint == NULL)
		return 0;
	buf_init(&s.b, s.max + 1);
	pgp_home(home, sizeof(home), p);
	if ((rc = context(&ctx, home, err)) != 0)
		return rc == GC_EIO ? GC_ETEMP : rc;
	if ((e = gpgme_get_key(ctx, p->fingerprint, &key[0], 0)) != 0 ||
	    (e = gpgme_data_new_from_mem(&in, probe, sizeof(probe) - 1, 0)) ||
	    (e = gpgme_data_new(&out)) ||
	    (e = gpgme_op_encrypt(ctx, key, GPGME_ENCRYPT_ALWAYS_TRUST, in,
	    out))) {
		rc = gc_err_set(err, GC_ECONFIG, "[pgp] cannot encrypt to the "
		    "key %s: %s", p->fingerprint, gpgme_strerror(e));
		goto out;
	}
	blob = gpgme_data_release_and_get_mem(out, &len);
	out = NULL;
	rc = decrypt(p, (const unsigned char *)blob, len, &s, &no_secret, err);
	if (no_secret)
		rc = gc_err_set(err, GC_ECONFIG, "[pgp] the GnuPG home %s "
		    "holds the key %s without the secret of the subkey that "
		    "reports are encrypted to: import the whole secret key "
		    "(gpg --export-secret-keys %s)", home, p->fingerprint,
		    p->fingerprint);
	else if (rc == GC_EPARSE)
		rc = gc_err_set(err, GC_ECONFIG, "[pgp] the secret key %s "
		    "cannot decrypt without help (%s): guichet has no "
		    "passphrase to give, so use a key without one (gpg "
		    "--passwd %s, an empty one)", p->fingerprint, err->msg,
		    p->fingerprint);
	else if (rc == 0 && (s.b.len != sizeof(probe) - 1 ||
	    memcmp(s.b.data, probe, s.b.len) != 0))
		rc = gc_err_set(err, GC_ECONFIG, "[pgp] the key %s decrypts "
		    "its own test message wrong", p->fingerprint);
out:
	buf_free(&s.b);
	gpgme_free(blob);
	gpgme_data_release(in);
	gpgme_data_release(out);
	gpgme_key_unref(key[0]);
	gpgme_release(ctx);
	return rc;
}

int
pgp_open_mail(const struct conf *c, const struct conf_mailbox *mb,
    const char *raw, const struct mail_limits *lim, struct mail **m,
    bool *decrypted_r, struct gc_err *err)
{
	const struct conf_pgp *p = &c->pgp;
	struct pgp_found f;
	struct sink s = { BUF_INIT(0), 0, false };
	struct buf clear;
	struct mail_limits l = *lim;
	struct mail *cm = NULL;
	size_t cap;
	bool no_secret = false;
	int rc;

	*decrypted_r = false;
	if (p->line == 0 || p->mailbox == NULL || strcmp(p->mailbox,
	    mb->name) != 0 || pgp_detect(&f, *m) == PGP_NONE)
		return 0;
	if (f.data == NULL)
		return gc_err_set(err, GC_EPARSE, "not a PGP message: %s",
		    f.why);
	if (f.len > (size_t)p->max_encrypted_size)
		return gc_err_set(err, GC_ELIMIT, "the encrypted report has "
		    "%zu bytes, max_encrypted_size is %lld", f.len,
		    p->max_encrypted_size);
	s.max = (size_t)p->max_decrypted_size;
	buf_init(&s.b, s.max + 1);
	if ((rc = decrypt(p, f.data, f.len, &s, &no_secret, err)) != 0) {
		buf_free(&s.b);
		return rc;
	}
	/* the outer header and the clear content (mail_parse copies it);
	 * an inline report's text and files go in base64 */
	cap = (*m)->header_bytes + 2 * (s.b.len + f.before_len +
	    (f.after ? strlen(f.after) : 0)) + 4096;
	for (size_t i = 0; f.kind == PGP_INLINE && i < (*m)->nattachments; i++)
		cap += 2 * (*m)->attachments[i].len + 1024;
	buf_init(&clear, cap);
	rc = pgp_clear_mail(&clear, raw, (*m)->header_bytes, &f,
	    buf_str(&s.b), s.b.len);
	buf_free(&s.b);
	if (rc != 0) {
		buf_free(&clear);
		return gc_err_set(err, GC_ELIMIT, "the clear report is too "
		    "big");
	}
	l.max_mail_bytes = clear.len + 1;
	if (l.max_text_bytes < 3 * clear.len + 65536)
		l.max_text_bytes = 3 * clear.len + 65536;
	rc = mail_parse(&cm, buf_str(&clear), clear.len, &l, err);
	buf_free(&clear);
	if (rc != 0)
		return gc_err_set(err, rc == GC_ELIMIT ? GC_ELIMIT : GC_EPARSE,
		    "the decrypted report cannot be read: %s", err->msg);
	mail_free(m);
	*m = cm;
	*decrypted_r = true;
	return 0;
}

void
pgp_vars(struct mailout_var *v, char *line, size_t size,
    const struct conf *c, const char *mailbox, const char *lang)
{
	const struct conf_pgp *p = &c->pgp;
	bool ours = p->line != 0 && p->fingerprint != NULL && p->mailbox &&
	    mailbox != NULL && strcmp(p->mailbox, mailbox) == 0;

	line[0] = '\0';
	if (ours)
		snprintf(line, size, strcmp(lang, "fr") == 0 ?
		    "Notre clé OpenPGP pour les signalements de sécurité : %s."
		    : "Our OpenPGP key for security reports: %s.",
		    p->fingerprint);
	v[0].name = "pgp_fingerprint";
	v[0].value = ours ? p->fingerprint : "";
	v[1].name = "pgp_line";
	v[1].value = line;
}

int
pgp_ack_failed(struct desk *in, const struct conf_mailbox *mb,
    const struct mail *m, const char *why, struct gc_err *err)
{
	const char *automatic = NULL;
	char line[300], mid[256];
	struct mailout_var vars[10];
	struct mailout_rcpt to;
	struct mailout_req req = { 0 };
	size_t n = 0;

	if (m->from.addr == NULL || conf_is_our_address(in->conf,
	    m->from.addr) || auto_classify(m, &automatic) != AUTO_NONE)
		return 0;
	to.name = m->from.name;
	to.addr = m->from.addr;
	pgp_vars(vars, line, sizeof(line), in->conf, mb->name, mb->language);
	n = 2;
	vars[n].name = "support_name";
	vars[n++].value = in->conf->general.support_name;
	vars[n].name = "mailbox_address";
	vars[n++].value = mb->address;
	vars[n].name = "requester_name";
	vars[n++].value = m->from.name ? m->from.name : m->from.addr;
	vars[n].name = "requester_address";
	vars[n++].value = m->from.addr;
	vars[n].name = "subject";
	vars[n++].value = m->subject;
	vars[n].name = "error";
	vars[n++].value = why;
	req.template_name = "pgp_failed";
	req.language = mb->language;
	req.purpose = "pgp_failed";
	req.to = &to;
	req.nto = 1;
	req.reply_to = mb->address;
	req.in_reply_to = m->message_id;
	req.author = "system";
	req.automatic = true;
	req.capped = true;
	req.vars = vars;
	req.nvars = n;
	return mailout_queue(in->out, in->db, in->now, &req, mid, err);
}
