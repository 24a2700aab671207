// SPDX-License-Identifier: GPL-2.0-only
/*
 * ptuwload: "perftop tables" (tools/perftop/upload.c, with the same ehtab.c
 * and util.c) without the rest of perftop(1), which needs elfutils' shared
 * libraries: the guest has none.
 *
 *   ptuwload [--proc FILE]                 upload what the module wants
 *   ptuwload [--proc FILE] --file PATH...  upload the tables of PATH...
 *   ptuwload [--proc FILE] --fuzz N PATH   N uploads of PATH's table, each
 *                                          with a few bytes changed or cut:
 *                                          the module must take exactly
 *                                          those unwind.h's checks pass
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "perftop.h"

/* What the module must do with an upload of LEN bytes: 1 take it, 0 refuse it. */
static int valid(const struct perftop_uw_upload *h, size_t len)
{
	if (len < sizeof(*h) || perftop_uw_check_header(h) ||
	    len != sizeof(*h) + (size_t)h->nrows * sizeof(struct perftop_uw_row))
		return 0;
	return !perftop_uw_check_rows((const struct perftop_uw_row *)(h + 1), h->nrows);
}

static int fuzz(const char *proc, long n, const char *path)
{
	char idhex[2 * PERFTOP_UW_BUILD_ID_MAX + 1];
	unsigned char *blob, *m;
	long i, taken = 0, refused = 0, skipped = 0;
	size_t len, mlen, off;
	int fd, k, want;
	ssize_t w;

	if (upload_blob(path, NULL, (void **)&blob, &len, idhex)) {
		fprintf(stderr, "ptuwload: %s\n", last_error());
		return 1;
	}
	fd = open(proc, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ptuwload: %s: %s\n", proc, strerror(errno));
		return 1;
	}
	m = xmalloc(len);
	srandom(22);
	for (i = 0; i < n; i++) {
		memcpy(m, blob, len);
		mlen = len;
		for (k = 1 + random() % 4; k; k--) {
			/* Mostly the header and the first rows, where the checks are. */
			off = random() % 4 ? (size_t)random() % (sizeof(struct perftop_uw_upload) + 64)
					   : (size_t)random() % len;
			m[off % len] = random() % 3 ? (unsigned char)random() : m[off % len] ^ 1;
		}
		if (!(random() % 8))
			mlen = (size_t)random() % len;
		/* No rows is a drop: what it finds depends on what came before. */
		if (mlen >= sizeof(struct perftop_uw_upload) &&
		    !((struct perftop_uw_upload *)m)->nrows) {
			skipped++;
			continue;
		}
		want = valid((struct perftop_uw_upload *)m, mlen);
		w = write(fd, m, mlen);
		if ((w == (ssize_t)mlen) != want) {
			fprintf(stderr, "ptuwload: upload %ld of %zu bytes: the module %s it (%s), unwind.h's checks %s\n",
				i, mlen, w == (ssize_t)mlen ? "took" : "refused",
				w < 0 ? strerror(errno) : "", want ? "pass" : "fail");
			return 1;
		}
		if (w < 0 && errno != EINVAL) {
			fprintf(stderr, "ptuwload: upload %ld: %s, not EINVAL\n", i, strerror(errno));
			return 1;
		}
		taken += want;
		refused += !want;
	}
	printf("%ld uploads: %ld taken, %ld refused (EINVAL), %ld drops skipped, as unwind.h's checks say\n",
	       n, taken, refused, skipped);
	close(fd);
	free(m);
	free(blob);
	return 0;
}

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
	if (i + 2 == argc - 1 && !strcmp(argv[i], "--fuzz"))
		return fuzz(proc ? proc : "/proc/perftop_unwind", atol(argv[i + 1]), argv[i + 2]);
	if (i < argc) {
		fprintf(stderr, "usage: ptuwload [--proc FILE] [--file PATH... | --fuzz N PATH]\n");
		return 2;
	}
	return tables_run(proc, NULL, 0, 0);
}
