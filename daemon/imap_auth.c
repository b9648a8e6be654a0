/*
 * imap_auth.c - AUTHENTICATE XOAUTH2 / OAUTHBEARER for the IMAP client
 * (see imap_conn.h)
 *
 * libetpan's SASL goes through Cyrus SASL, which knows neither
 * mechanism, so the command is written on the session's stream after
 * libetpan's own tag, and the answer read with libetpan's parser. A
 * server that refuses the token first sends a continuation with its
 * error (RFC 7628 3.2.2, and Google's XOAUTH2); the client answers it
 * (an empty line for XOAUTH2, %x01 for OAUTHBEARER) and the tagged NO
 * follows. The stream is told the line is private (libetpan's logger
 * then leaves it out), and the server's text quoted in an error is
 * scrubbed of the token.
 */
#include "daemon/imap_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "daemon/oauth2_wire.h"

static int
send_line(struct imap_conn *c, const char *a, const char *b)
{
	mailstream *s = c->imap->imap_stream;
	int r = 0;

	mailstream_set_privacy(s, 0);
	if (mailstream_write(s, a, strlen(a)) < 0 ||
	    (b != NULL && mailstream_write(s, b, strlen(b)) < 0) ||
	    mailstream_write(s, "\r\n", 2) < 0 || mailstream_flush(s) < 0)
		r = MAILIMAP_ERROR_STREAM;
	mailstream_set_privacy(s, 1);
	return r;
}

int
imap_authenticate(struct imap_conn *c, const char *user,
    const char *token, bool oauthbearer, struct gc_err *err)
{
	const char *mech = oauthbearer ? "OAUTHBEARER" : "XOAUTH2";
	struct mailimap_response *resp = NULL;
	char text[SERVER_TEXT_MAX + 8], *ir = NULL, *cmd;
	int r, state;

	if (!mailimap_has_authentication(c->imap, (char *)mech))
		return gc_err_set(err, GC_EAUTH, "%s does not offer "
		    "AUTH=%s (auth = oauth2)", c->where, mech);
	if ((r = oauth2_sasl(&ir, oauthbearer ? OAUTH2_OAUTHBEARER :
	    OAUTH2_XOAUTH2, user, token, c->url.host,
	    c->url.port, err)) != 0)
		return r;
	r = mailimap_send_current_tag(c->imap);
	if (r == MAILIMAP_NO_ERROR) {
		cmd = xasprintf("AUTHENTICATE %s ", mech);
		r = send_line(c, cmd, ir);
		free(cmd);
	}
	explicit_bzero(ir, strlen(ir));
	free(ir);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "AUTHENTICATE", err);
	if (mailimap_read_line(c->imap) == NULL)
		return imap_fail(c, MAILIMAP_ERROR_STREAM, "AUTHENTICATE",
		    err);
	if (c->imap->imap_stream_buffer->str[0] == '+') {
		/* the server's error, as a challenge: answer, then NO */
		r = send_line(c, oauthbearer ? "AQ==" : "", NULL);
		if (r != MAILIMAP_NO_ERROR)
			return imap_fail(c, r, "AUTHENTICATE", err);
		if (mailimap_read_line(c->imap) == NULL)
			return imap_fail(c, MAILIMAP_ERROR_STREAM,
			    "AUTHENTICATE", err);
	}
	r = mailimap_parse_response(c->imap, &resp);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r == MAILIMAP_ERROR_PARSE ? r :
		    MAILIMAP_ERROR_STREAM, "AUTHENTICATE", err);
	if (resp->rsp_resp_done == NULL ||
	    resp->rsp_resp_done->rsp_type != MAILIMAP_RESP_DONE_TYPE_TAGGED) {
		mailimap_response_free(resp);
		c->dead = true;
		imap_server_text(text, sizeof(text), c, token);
		return gc_err_set(err, GC_ETEMP, "AUTHENTICATE: %s closed "
		    "the connection: %s", c->where, text);
	}
	state = resp->rsp_resp_done->rsp_data.rsp_tagged->rsp_cond_state->
	    rsp_type;
	mailimap_response_free(resp);
	if (state == MAILIMAP_RESP_COND_STATE_OK) {
		c->imap->imap_state = MAILIMAP_STATE_AUTHENTICATED;
		return 0;
	}
	imap_server_text(text, sizeof(text), c, token);
	return gc_err_set(err, GC_EAUTH, "%s as %s at %s refused: %s", mech,
	    user, c->where, text);
}
