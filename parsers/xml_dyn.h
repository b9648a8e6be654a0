/*
 * xml_dyn.h - libxml2, opened when the first HTML is read
 *
 * Only a mail with HTML needs libxml2 (and the ICU and C++ runtime it
 * brings), so it is not linked into every command but opened by the
 * first caller (common/dynlib.h). Code that includes this header after
 * libxml2's own calls htmlReadMemory(), xmlFree() and the others as it
 * would the library's: the names below stand for the functions of the
 * table, which xml_dyn() fills on first use (it exits with a clear
 * message when the library cannot be opened; `serve` and `ingest` call
 * xml_dyn_load() when they start, to fail there instead).
 */
#ifndef GC_PARSERS_XML_DYN_H
#define GC_PARSERS_XML_DYN_H

#include <libxml/HTMLparser.h>
#include <libxml/globals.h>
#include <libxml/tree.h>

#include "common/err.h"

struct xml_dyn {
	__typeof__(htmlReadMemory) *read_memory;
	__typeof__(xmlFreeDoc) *free_doc;
	__typeof__(xmlGetProp) *get_prop;
	__typeof__(xmlUnlinkNode) *unlink_node;
	__typeof__(xmlFreeNode) *free_node;
	xmlFreeFunc *free;              /* libxml2's variable xmlFree */
	const char **parser_version;    /* "20914" for 2.9.14 */
};

/* Open libxml2 once; 0, or GC_ECONFIG with the loader's reason. */
int xml_dyn_load(struct gc_err *err);
/* The table, opened on first use; exits (EX_UNAVAILABLE) if it cannot. */
const struct xml_dyn *xml_dyn(void);

#define htmlReadMemory (xml_dyn()->read_memory)
#define xmlFreeDoc (xml_dyn()->free_doc)
#define xmlGetProp (xml_dyn()->get_prop)
#define xmlUnlinkNode (xml_dyn()->unlink_node)
#define xmlFreeNode (xml_dyn()->free_node)
#undef xmlFree
#define xmlFree (*xml_dyn()->free)

#endif
