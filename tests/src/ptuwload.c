// SPDX-License-Identifier: GPL-2.0-only
/*
 * ptuwload: "perftop tables" (tools/perftop/upload.c, with the same ehtab.c
 * and util.c) without the rest of perftop(1), which needs elfutils' shared
 * libraries: the guest has none.
 *
 *   ptuwload [--proc FILE]                 upload what the module wants
 *   ptuwload [--proc FILE] --file PATH...  upload the tables of PATH...
 */
#include <string.h>

#include "perftop.h"

int main(int argc, char **argv)
{
	const char *proc = NULL;
	int i = 1;

	if (i + 1 < argc && !strcmp(argv[i], "--proc")) {
		proc = argv[i + 1];
		i += 2;
	}
	if (i < argc && !strcmp(argv[i], "--file"))
		return tables_run(proc, argv + i + 1, argc - i - 1, 0);
	if (i < argc) {
		fprintf(stderr, "usage: ptuwload [--proc FILE] [--file PATH...]\n");
		return 2;
	}
	return tables_run(proc, NULL, 0, 0);
}
