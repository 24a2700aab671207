// SPDX-License-Identifier: GPL-2.0-only
/*
 * util.c: memory, errors, a string map, growing strings, whole files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "perftop.h"

static void out_of_memory(void)
{
	fputs("perftop: out of memory\n", stderr);
	exit(2);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		out_of_memory();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		out_of_memory();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

char *xstrdup(const char *s)
{
	return strcpy(xmalloc(strlen(s) + 1), s);
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		out_of_memory();
	va_end(ap);
	return s;
}

static char error_text[1024];

int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(error_text, sizeof(error_text), fmt, ap);
	va_end(ap);
	return -1;
}

const char *last_error(void)
{
	return error_text;
}

/* ---- string map: open addressing, a word-at-a-time hash ---------------- */

struct strmap_slot {
	char *key;
	size_t value;
	uint64_t hash;		/* kept: growing and probing compare it first */
};

/*
 * Eight bytes a step: the live view hashes a few megabytes of stack
 * identities a second, and a byte-at-a-time hash is a chain of dependent
 * multiplies.  Each step and the end mix the high bits into the low ones,
 * which index the table.
 */
static uint64_t hash(const char *s)
{
	size_t n = strlen(s);
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return h;
}

static struct strmap_slot *slot_at(const struct strmap *m, const char *key, uint64_t h)
{
	size_t i = (size_t)h & (m->cap - 1);

	while (m->slots[i].key && (m->slots[i].hash != h || strcmp(m->slots[i].key, key)))
		i = (i + 1) & (m->cap - 1);
	return &m->slots[i];
}

static struct strmap_slot *slot_of(const struct strmap *m, const char *key)
{
	return slot_at(m, key, hash(key));
}

bool strmap_get(const struct strmap *m, const char *key, size_t *value)
{
	struct strmap_slot *s;

	if (!m->cap)
		return false;
	s = slot_of(m, key);
	if (!s->key)
		return false;
	*value = s->value;
	return true;
}

size_t strmap_intern(struct strmap *m, const char *key, size_t value, bool *added)
{
	struct strmap_slot *s;
	uint64_t h;

	/* Keep the table at most half full: probes stay short. */
	if (2 * (m->len + 1) > m->cap) {
		struct strmap old = *m;

		m->cap = old.cap ? 2 * old.cap : 64;
		m->slots = xcalloc(m->cap, sizeof(*m->slots));
		for (size_t i = 0; i < old.cap; i++)
			if (old.slots[i].key)
				*slot_at(m, old.slots[i].key, old.slots[i].hash) = old.slots[i];
		free(old.slots);
	}
	h = hash(key);
	s = slot_at(m, key, h);
	if (added)
		*added = !s->key;
	if (!s->key) {
		s->key = xstrdup(key);
		s->value = value;
		s->hash = h;
		m->len++;
	}
	return s->value;
}

void strmap_free(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

/* ---- strings ------------------------------------------------------------ */

void sb_add(struct strbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = 2 * (b->len + n + 1);
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void sb_addf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		out_of_memory();
	sb_add(b, s, (size_t)n);
	free(s);
}

void sb_free(struct strbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

/* The length of the UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned int c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	c = s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return len;
}

/*
 * comm and paths come from the kernel with only a few characters escaped:
 * anything else a task or a file name may hold reaches us raw.  Every
 * output (a terminal, XML, protobuf strings) wants printable, valid UTF-8.
 */
char *clean_text(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	char *out = xmalloc(n + 1), *o = out;

	for (size_t i = 0; i < n;) {
		size_t len = u[i] == 0x7f || u[i] < 0x20 ? 0 : utf8_len(u + i, n - i);

		if (!len) {
			*o++ = '?';
			i++;
			continue;
		}
		memcpy(o, u + i, len);
		o += len;
		i += len;
	}
	*o = '\0';
	return out;
}

const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

void format_ns(char *out, size_t size, uint64_t ns)
{
	if (ns >= 1000000000ULL)
		snprintf(out, size, "%.3f s", ns / 1e9);
	else if (ns >= 1000000ULL)
		snprintf(out, size, "%.3f ms", ns / 1e6);
	else
		snprintf(out, size, "%.3f us", ns / 1e3);
}

/* ---- files -------------------------------------------------------------- */

/* A page of every stack with 64 frames is tens of MiB; this bounds a mistake. */
#define MAX_FILE (256u << 20)

int read_file(const char *path, char **buf, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *b;
	/* "-" is standard input, as with most commands. */
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(STDIN_FILENO);

	struct stat st;

	if (fd < 0)
		return -errno;
	/* A regular file says its size: one buffer, no copies as it grows. */
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size < MAX_FILE)
		cap = (size_t)st.st_size + 1;
	b = xmalloc(cap);
	/*
	 * One open, reads until end of file: the module hands out its
	 * snapshot over the consecutive reads of one open file.
	 */
	for (;;) {
		ssize_t r;

		if (n == cap) {
			if (cap >= MAX_FILE) {
				free(b);
				close(fd);
				return -EFBIG;
			}
			cap *= 2;
			b = xrealloc(b, cap);
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(b);
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*buf = b;
	*len = n;
	return 0;
}
