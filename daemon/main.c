/*
 * main.c - the guichet command line (placeholder while the CLI is built)
 */
#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "guichet: not yet\n");
	return 64;
}
