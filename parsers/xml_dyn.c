/*
 * xml_dyn.c - libxml2, opened when the first HTML is read (see xml_dyn.h)
 */
#include "parsers/xml_dyn.h"

#include "common/dynlib.h"

static struct xml_dyn table;
static const struct dynlib_sym syms[] = {
	{ "htmlReadMemory", (void **)&table.read_memory },
	{ "xmlFreeDoc", (void **)&table.free_doc },
	{ "xmlGetProp", (void **)&table.get_prop },
	{ "xmlUnlinkNode", (void **)&table.unlink_node },
	{ "xmlFreeNode", (void **)&table.free_node },
	{ "xmlFree", (void **)&table.free },
	{ "xmlParserVersion", (void **)&table.parser_version },
};
DYNLIB_TABLE(xml_dyn, GUICHET_SONAME_XML2, syms, table)
