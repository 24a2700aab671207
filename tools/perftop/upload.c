// SPDX-License-Identifier: GPL-2.0-only
/*
 * upload.c: "perftop tables", which builds unwind tables (ehtab.c) and
 * uploads them to the module through /proc/perftop_unwind (issue 22).
 *
 * The module lists the files user frames lie in that have a build-id and no
 * table ("want BUILD-ID PATH"); each is opened, its build-id checked against
 * the one the module saw (a file replaced since is not the one that ran),
 * its table built and written in one write(): the header of unwind.h, then
 * the rows.  --file uploads the tables of the files named instead.
 * --follow does it again every SECONDS, for perftop.service; a file that
 * failed is not tried again while its build-id is wanted.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "perftop.h"

#define DEFAULT_UNWIND "/proc/perftop_unwind"
#define MAX_SECTIONS_SCANNED 256	/* for a build-id note: bounds hostile input */

/* The GNU build-id of an ELF image, from its SHT_NOTE sections: its length, or 0. */
static size_t image_build_id(const uint8_t *img, size_t len, uint8_t *id)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
	const Elf64_Shdr *sh;
	size_t i;

	if (len < sizeof(*eh) || memcmp(img, ELFMAG, SELFMAG) || img[EI_CLASS] != ELFCLASS64 ||
	    !eh->e_shoff || eh->e_shentsize != sizeof(*sh) || eh->e_shoff > len ||
	    (len - eh->e_shoff) / sizeof(*sh) < eh->e_shnum)
		return 0;
	sh = (const Elf64_Shdr *)(img + eh->e_shoff);
	for (i = 0; i < eh->e_shnum && i < MAX_SECTIONS_SCANNED; i++) {
		size_t off = sh[i].sh_offset, end, n;

		if (sh[i].sh_type != SHT_NOTE || off > len || sh[i].sh_size > len - off)
			continue;
		end = off + sh[i].sh_size;
		while (end - off >= sizeof(Elf64_Nhdr)) {
			const Elf64_Nhdr *nh = (const Elf64_Nhdr *)(img + off);
			size_t name = (nh->n_namesz + 3) & ~(size_t)3;
			size_t desc = (nh->n_descsz + 3) & ~(size_t)3;

			off += sizeof(*nh);
			if (nh->n_namesz > end - off || name > end - off ||
			    nh->n_descsz > end - off - name || desc > end - off - name)
				break;
			n = nh->n_descsz;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    !memcmp(img + off, "GNU", 4) && n && n <= PERFTOP_UW_BUILD_ID_MAX) {
				memcpy(id, img + off + name, n);
				return n;
			}
			off += name + desc;
		}
	}
	return 0;
}

static void hex(char *out, const uint8_t *id, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", id[i]);
	out[2 * n] = 0;
}

/*
 * PATH's upload (header and rows) into *BLOB, *LEN bytes, and its build-id
 * in hex into IDHEX.  WANT (hex) or NULL: the build-id it must have.  0, or
 * -1 with fail() saying why.
 */
int upload_blob(const char *path, const char *want, void **blob, size_t *blob_len,
		char *idhex)
{
	struct perftop_uw_upload *h;
	struct ehtab t;
	char *img;
	const char *why;
	size_t len, bytes;
	int ret;

	ret = read_file(path, &img, &len);
	if (ret)
		return fail("%s: %s", path, strerror(-ret));
	h = xcalloc(1, sizeof(*h));
	memcpy(h->magic, PERFTOP_UW_MAGIC, 4);
	h->version = PERFTOP_UW_VERSION;
	h->build_id_len = (u8)image_build_id((const uint8_t *)img, len, h->build_id);
	hex(idhex, h->build_id, h->build_id_len);
	if (!h->build_id_len) {
		ret = fail("%s: no build-id: the module finds tables by build-id", path);
		goto out;
	}
	if (want && strcmp(want, idhex)) {
		ret = fail("%s: build-id %s, not the %s that ran: the file changed", path, idhex, want);
		goto out;
	}
	if (ehtab_build(img, len, &t)) {
		ret = fail("%s: %s", path, last_error());
		goto out;
	}
	if (!t.n || t.n > PERFTOP_UW_MAX_ROWS) {
		ret = fail("%s: %zu rows: none, or more than %u", path, t.n, PERFTOP_UW_MAX_ROWS);
		goto free_table;
	}
	h->nrows = (u32)t.n;
	why = perftop_uw_check_header(h);
	if (!why)
		why = perftop_uw_check_rows(t.rows, h->nrows);
	if (why) {
		ret = fail("%s: the table has %s", path, why);
		goto free_table;
	}
	bytes = sizeof(*h) + t.n * sizeof(*t.rows);
	h = xrealloc(h, bytes);
	memcpy((char *)h + sizeof(*h), t.rows, t.n * sizeof(*t.rows));
	*blob = h;
	*blob_len = bytes;
	h = NULL;
	ret = 0;
free_table:
	ehtab_free(&t);
out:
	free(h);
	free(img);
	return ret;
}

/* PATH's table to FD, as upload_blob(); one line on stdout when taken. */
static int upload(int fd, const char *path, const char *want)
{
	char idhex[2 * PERFTOP_UW_BUILD_ID_MAX + 1];
	size_t len;
	void *blob;
	ssize_t w;

	if (upload_blob(path, want, &blob, &len, idhex))
		return -1;
	w = write(fd, blob, len);
	free(blob);
	if (w != (ssize_t)len)
		return fail("%s: the module refused its table: %s", path,
			    w < 0 ? strerror(errno) : "a short write");
	printf("%s %s: %zu rows, %zu bytes\n", path, idhex,
	       (len - sizeof(struct perftop_uw_upload)) / sizeof(struct perftop_uw_row),
	       len - sizeof(struct perftop_uw_upload));
	return 0;
}

/* In place: the module escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *o = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = 0;
}

/*
 * One pass over the module's "want" lines.  FAILED holds "BUILDID PATH" of
 * what failed before (not tried again).  The number of failures, or -1 when
 * the module cannot be read.
 */
static int want_pass(const char *proc, struct strmap *failed)
{
	char *buf, *line, *next, *sp, *id, *path;
	size_t len, seen;
	int fd, ret, bad = 0;

	ret = read_file(proc, &buf, &len);
	if (ret)
		return fail("%s: %s", proc, strerror(-ret));
	fd = open(proc, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return fail("%s: %s", proc, strerror(errno));
	}
	for (line = buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (strncmp(line, "want ", 5))
			continue;
		sp = strchr(line + 5, ' ');
		if (!sp)
			continue;
		*sp = 0;
		id = line + 5;
		path = sp + 1;
		if (strmap_get(failed, id, &seen))
			continue;
		unescape(path);
		if (upload(fd, path, id)) {
			fprintf(stderr, "perftop: %s\n", last_error());
			strmap_intern(failed, id, 0, NULL);
			bad++;
		}
	}
	close(fd);
	free(buf);
	fflush(stdout);
	return bad;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int tables_run(const char *proc, char **files, int nfiles, double follow)
{
	struct strmap failed = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	int fd, i, ret = 0;

	if (!proc)
		proc = DEFAULT_UNWIND;
	if (nfiles) {
		fd = open(proc, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "perftop: %s: %s\n", proc, strerror(errno));
			return 1;
		}
		for (i = 0; i < nfiles; i++)
			if (upload(fd, files[i], NULL)) {
				fprintf(stderr, "perftop: %s\n", last_error());
				ret = 1;
			}
		close(fd);
		return ret;
	}
	if (follow > 0) {
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}
	do {
		int bad = want_pass(proc, &failed);

		if (bad < 0) {
			fprintf(stderr, "perftop: %s\n", last_error());
			ret = 1;
			if (follow <= 0)
				break;
		} else if (bad) {
			ret = 1;
		}
		if (follow > 0 && !stop) {
			struct timespec ts = { (time_t)follow,
					       (long)((follow - (time_t)follow) * 1e9) };

			nanosleep(&ts, NULL);
		}
	} while (follow > 0 && !stop);
	strmap_free(&failed);
	return follow > 0 ? 0 : ret;
}
