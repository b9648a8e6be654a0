/*
 * lookup.c - questions asked of a config once read (see conf.h):
 * a mailbox, an agent or a queue by name or address, the sections of a
 * type
 *
 * Apart from conf.c, which builds the config, so that the checks that
 * conf.c calls (conf/security.c and the like) may ask them too.
 */
#include "conf/conf.h"

#include <string.h>

#include "common/util.h"

const struct conf_mailbox *
conf_mailbox(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nmailboxes; i++)
		if (strcmp(c->mailboxes[i].name, name) == 0)
			return &c->mailboxes[i];
	return NULL;
}

const struct conf_mailbox *
conf_mailbox_by_address(const struct conf *c, const char *addr)
{
	const char *plus = strchr(addr, '+'), *at = strrchr(addr, '@');

	for (size_t i = 0; i < c->nmailboxes; i++)
		if (str_casecmp(c->mailboxes[i].address, addr) == 0)
			return &c->mailboxes[i];
	/* local+detail@domain: the detail is the sender's business */
	if (plus == NULL || at == NULL || plus > at)
		return NULL;
	for (size_t i = 0; i < c->nmailboxes; i++) {
		const char *m = c->mailboxes[i].address;
		const char *mat = strrchr(m, '@');

		if (mat != NULL && (size_t)(mat - m) == (size_t)(plus - addr) &&
		    str_ncasecmp(m, addr, (size_t)(plus - addr)) == 0 &&
		    str_casecmp(mat, at) == 0)
			return &c->mailboxes[i];
	}
	return NULL;
}

const struct conf_agent *
conf_agent_by_address(const struct conf *c, const char *addr)
{
	for (size_t i = 0; i < c->nagents; i++)
		if (c->agents[i].address &&
		    str_casecmp(c->agents[i].address, addr) == 0)
			return &c->agents[i];
	return NULL;
}

const struct conf_agent *
conf_agent_by_name(const struct conf *c, const char *name)
{
	for (size_t i = 0; name != NULL && i < c->nagents; i++)
		if (strcmp(c->agents[i].name, name) == 0)
			return &c->agents[i];
	return NULL;
}

bool
conf_is_our_address(const struct conf *c, const char *addr)
{
	if (addr == NULL)
		return false;
	if (c->smtp.from_addr && str_casecmp(addr, c->smtp.from_addr) == 0)
		return true;
	for (size_t i = 0; i < c->nmailboxes; i++)
		if (str_casecmp(addr, c->mailboxes[i].address) == 0)
			return true;
	return false;
}

const struct conf_queue *
conf_queue(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nqueues; i++)
		if (strcmp(c->queues[i].name, name) == 0)
			return &c->queues[i];
	return NULL;
}

size_t
conf_sections(const struct conf *c, const char *type,
    const struct conf_section **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nsections; i++)
		if (strcmp(c->sections[i].type, type) == 0) {
			if (n < max)
				out[n] = &c->sections[i];
			n++;
		}
	return n;
}
