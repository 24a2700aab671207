// SPDX-License-Identifier: GPL-2.0-only
/*
 * page.c: parse a /proc/perftop or /proc/perftop_all page (perftop(4)).
 *
 * The page is checked as it is read: a page cut short (no footer, a last
 * line without its newline) is "truncated"; anything that breaks the
 * grammar (a malformed number, ranks out of order, a frame whose file has
 * no "# object" line) is "corrupt", with its line number; what does not
 * start as a page at all is "not a perftop page".
 *
 * Versions: the module's 0.x pages grew by adding (0.2 added words, frame
 * forms and footer lines to 0.1's), so a 0.x page newer than this reader
 * is read, words, footer lines and kind= values it does not know skipped
 * or kept as they are, and flagged (page->newer) for a warning.  A page of
 * another major version promises nothing of the kind: it is refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "perftop.h"

/* The newest page format this reader knows: 0.2. */
#define FORMAT_MAJOR 0
#define FORMAT_MINOR 2

/* The module keeps 8; leave room for a later one that keeps more. */
#define MAX_FRAMES 128

struct parser {
	struct page *p;
	const char *source;
	unsigned long line;
	bool footer;		/* past the ranks */
	bool have_busy;
};

static int corrupt(struct parser *ps, const char *what)
{
	return fail("%s: corrupt page: line %lu: %s", ps->source, ps->line, what);
}

/* A whole decimal or (hex) hexadecimal word, without overflow. */
static bool parse_u64(const char *s, size_t n, bool hex, uint64_t *out)
{
	uint64_t v = 0;
	unsigned int base = hex ? 16 : 10;

	if (n == 0 || n > (hex ? 16 : 20))
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *digits = "0123456789abcdef";
		const char *d = memchr(digits, s[i] | (hex ? 0x20 : 0), base);

		if (!d || !s[i])
			return false;
		if (v > (UINT64_MAX - (uint64_t)(d - digits)) / base)
			return false;
		v = v * base + (uint64_t)(d - digits);
	}
	*out = v;
	return true;
}

/* "0x" then hex digits up to the end of the word. */
static bool parse_hex(const char *s, size_t n, uint64_t *out)
{
	return n > 2 && s[0] == '0' && s[1] == 'x' && parse_u64(s + 2, n - 2, true, out);
}

/*
 * The value of "KEY=" among the space-separated words of LINE, as a
 * pointer and a length; NULL when the key is absent.
 */
static const char *word_value(const char *line, const char *key, size_t *len)
{
	size_t klen = strlen(key);

	for (const char *w = line; *w;) {
		size_t n = strcspn(w, " ");

		if (n > klen && !strncmp(w, key, klen)) {
			*len = n - klen;
			return w + klen;
		}
		w += n;
		w += strspn(w, " ");
	}
	return NULL;
}

/* A footer or header number: absent keeps *out, malformed is an error. */
static int word_u64(struct parser *ps, const char *line, const char *key, uint64_t *out)
{
	size_t n;
	const char *v = word_value(line, key, &n);

	if (v && !parse_u64(v, n, false, out))
		return fail("%s: corrupt page: line %lu: bad %.*s", ps->source,
			    ps->line, (int)strlen(key) - 1, key);
	return 0;
}

/* Undo the octal escapes of paths (\040 space, \011, \012, \134). */
static char *unescape_path(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			char c = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));

			if (c) {
				*o++ = c;
				s += 4;
				continue;
			}
		}
		*o++ = *s++;
	}
	*o = '\0';
	return out;
}

/* "MAJOR.MINOR...": another major is refused, a newer minor flagged. */
static int check_version(struct parser *ps, const char *v)
{
	char *end;
	unsigned long major, minor = 0;

	errno = 0;
	major = strtoul(v, &end, 10);
	if (end == v || errno)
		return fail("%s: not a perftop page (version \"%s\")", ps->source, ps->p->version);
	if (*end == '.')
		minor = strtoul(end + 1, &end, 10);
	if (major != FORMAT_MAJOR)
		return fail("%s: a perftop %s page: this perftop reads the %d.x format (%d.%d and older); update perftop",
			    ps->source, ps->p->version, FORMAT_MAJOR, FORMAT_MAJOR, FORMAT_MINOR);
	ps->p->newer = minor > FORMAT_MINOR;
	return 0;
}

static int parse_header(struct parser *ps, char *line)
{
	struct page *p = ps->p;

	if (ps->line == 1) {
		const char *v = "";
		size_t n = 0;

		/* Only past the prefix is there a version to read. */
		if (!strncmp(line, "# perftop ", strlen("# perftop "))) {
			v = line + strlen("# perftop ");
			n = strcspn(v, ": ");
		}
		if (!n || v[n] != ':')
			return fail("%s: not a perftop page (it does not start with \"# perftop VERSION:\")",
				    ps->source);
		p->version = clean_text(v, n);
		return check_version(ps, v);
	}
	if (strncmp(line, "# ", 2))
		return corrupt(ps, "the header has three lines starting with \"# \"");
	if (word_u64(ps, line, "tsc_khz=", &p->tsc_khz))
		return -1;
	return 0;
}

static int parse_object(struct parser *ps, char *line)
{
	struct page *p = ps->p;
	char *id, *path;
	size_t n;
	struct object *o;

	if (strncmp(line, "# object build-id=", strlen("# object build-id=")))
		return corrupt(ps, "expected \"# object build-id=HEX PATH\"");
	id = line + strlen("# object build-id=");
	n = strcspn(id, " ");
	if (id[n] != ' ')
		return corrupt(ps, "expected \"# object build-id=HEX PATH\"");
	path = id + n + 1;
	if (path[0] != '/')
		return corrupt(ps, "an object's path does not start with /");
	id[n] = '\0';
	if (!strcmp(id, "none")) {
		id = NULL;
	} else {
		if (n < 2 || n > 128 || n % 2)
			return corrupt(ps, "a build-id is an even number of hex digits");
		for (size_t i = 0; i < n; i++) {
			id[i] |= 0x20;	/* lowercase, as libdwfl's bytes print */
			if (!strchr("0123456789abcdef", id[i]) || !id[i])
				return corrupt(ps, "a build-id is an even number of hex digits");
		}
	}
	GROW(p->objects, p->nobjects, p->cap_objects);
	o = &p->objects[p->nobjects++];
	o->esc_path = path;
	o->build_id = id;
	o->path = unescape_path(path);
	return 0;
}

static int parse_footer(struct parser *ps, char *line)
{
	struct page *p = ps->p;
	uint64_t lost = 0;

	if (!strncmp(line, "# object ", strlen("# object ")))
		return parse_object(ps, line);
	if (!strncmp(line, "# other: ", strlen("# other: "))) {
		/* Evicted stacks: charted as one entry, so that totals add up. */
		struct rank *r;
		uint64_t ticks = 0, ns = 0, count = 0;

		if (word_u64(ps, line, "ticks=", &ticks) || word_u64(ps, line, "ns=", &ns) ||
		    word_u64(ps, line, "count=", &count))
			return -1;
		if (!ns)
			return 0;
		GROW(p->ranks, p->nranks, p->cap_ranks);
		r = &p->ranks[p->nranks++];
		*r = (struct rank){ .kind = RANK_OTHER, .ticks = ticks, .ns = ns,
				    .count = count, .stack = "", .pid = "", .kind_name = "",
				    .comm = xstrdup("[evicted stacks]"), .first = p->nframes };
		return 0;
	}
	if (word_value(line, "busy_ns=", &(size_t){ 0 }))
		ps->have_busy = true;
	if (word_u64(ps, line, "busy_ns=", &p->busy_ns) ||
	    word_u64(ps, line, "busy_ticks=", &p->busy_ticks) ||
	    word_u64(ps, line, "idle_ns=", &p->idle_ns) ||
	    word_u64(ps, line, "idle_ticks=", &p->idle_ticks) ||
	    word_u64(ps, line, "gap_ticks=", &p->gap_ticks) ||
	    word_u64(ps, line, "switches=", &p->switches) ||
	    word_u64(ps, line, "lost_ticks=", &lost))
		return -1;
	if (lost) {
		struct rank *r;

		GROW(p->ranks, p->nranks, p->cap_ranks);
		r = &p->ranks[p->nranks++];
		*r = (struct rank){ .kind = RANK_OTHER, .ticks = lost, .kind_name = "",
				    .ns = page_ticks_ns(p, lost), .stack = "", .pid = "",
				    .comm = xstrdup("[lost]"), .first = p->nframes };
	}
	return 0;
}

static int parse_rank(struct parser *ps, char *line)
{
	struct page *p = ps->p;
	struct rank r = { .stack = "", .pid = "", .kind_name = "", .first = p->nframes };
	char *s = line + strlen("rank "), *colon;
	size_t n = strcspn(s, " ");
	bool have[4] = { false };
	uint64_t number;

	if (!parse_u64(s, n, false, &number))
		return corrupt(ps, "a rank line starts with \"rank NUMBER\"");
	if (number != p->nstacks + 1)
		return corrupt(ps, "ranks are not numbered 1, 2, 3...");
	colon = strstr(s, ": ");
	if (!colon)
		return corrupt(ps, "a rank line has \": \" before its words");
	for (char *w = colon + 2; *w;) {
		char *eq;

		n = strcspn(w, " ");
		if (!strncmp(w, "comm=", 5)) {
			/* comm is last and may hold spaces. */
			r.comm = clean_text(w + 5, strlen(w + 5));
			break;
		}
		eq = memchr(w, '=', n);
		if (eq) {
			const char *v = eq + 1;
			size_t vn = n - (size_t)(v - w);
			uint64_t x;

			*eq = '\0';
			if (!strcmp(w, "jhash")) {
				if (!parse_hex(v, vn, &x) || x > UINT32_MAX)
					return corrupt(ps, "bad jhash");
				r.jhash = (uint32_t)x;
				have[0] = true;
			} else if (!strcmp(w, "ticks")) {
				if (!parse_u64(v, vn, false, &r.ticks))
					return corrupt(ps, "bad ticks");
				have[1] = true;
			} else if (!strcmp(w, "ns")) {
				if (!parse_u64(v, vn, false, &r.ns))
					return corrupt(ps, "bad ns");
				have[2] = true;
			} else if (!strcmp(w, "count")) {
				if (!parse_u64(v, vn, false, &r.count))
					return corrupt(ps, "bad count");
			} else if (!strcmp(w, "kind")) {
				have[3] = true;
				r.kind_name = v;
				if (vn == 4 && !strncmp(v, "user", 4))
					r.kind = RANK_USER;
				else if (vn == 6 && !strncmp(v, "kernel", 6))
					r.kind = RANK_KERNEL;
				else if (vn == 4 && !strncmp(v, "idle", 4))
					r.kind = RANK_IDLE;
				else if (vn)	/* a later kind: a stack all the same */
					r.kind = RANK_NEW;
				else
					return corrupt(ps, "kind= is empty");
			} else if (!strcmp(w, "stack")) {
				r.stack = v;
			} else if (!strcmp(w, "pid")) {
				r.pid = v;
			}
		}
		w += n;
		if (*w) {
			*w++ = '\0';	/* ends the value stack= and pid= point to */
			w += strspn(w, " ");
		}
	}
	if (!r.comm || !have[0] || !have[1] || !have[2] || !have[3]) {
		free(r.comm);
		return corrupt(ps, "a rank line needs jhash, ticks, ns, kind and comm");
	}
	/* Until the footer, the last rank is the previous stack's. */
	if (p->nstacks && r.ticks > p->ranks[p->nranks - 1].ticks) {
		free(r.comm);
		return corrupt(ps, "ranks are not in decreasing order of ticks");
	}
	GROW(p->ranks, p->nranks, p->cap_ranks);
	p->ranks[p->nranks++] = r;
	p->nstacks++;
	return 0;
}

/* Sort a frame's text into its kind, and its path and number. */
static int classify(struct parser *ps, struct frame *f, const char *t)
{
	const char *plus;
	size_t n = strlen(t);

	f->raw = t;
	if (t[0] == '/') {
		const char *suffix = " (file offset)";

		f->kind = FRAME_ELF;
		if (n > strlen(suffix) && !strcmp(t + n - strlen(suffix), suffix)) {
			f->kind = FRAME_FILE;
			n -= strlen(suffix);
		}
		/* Spaces in paths are escaped: the number is after the last "+". */
		plus = memrchr(t, '+', n);
		if (!plus || memchr(t, ' ', n) || !parse_hex(plus + 1, n - (size_t)(plus + 1 - t), &f->addr))
			return corrupt(ps, "a file frame is PATH+0xHEX");
		f->path_len = (size_t)(plus - t);
		return 0;
	}
	if (!strncmp(t, "[vdso]+", 7) || !strncmp(t, "[anon]+", 7)) {
		f->kind = t[1] == 'v' ? FRAME_VDSO : FRAME_ANON;
		if (!parse_hex(t + 7, n - 7, &f->addr))
			return corrupt(ps, "a [vdso] or [anon] frame is [..]+0xHEX");
		return 0;
	}
	if (!strncmp(t, "0x", 2)) {
		/* An address the module could not place (0.1 pages: every user frame). */
		f->kind = FRAME_UNRESOLVED;
		return 0;
	}
	f->kind = FRAME_KERNEL;
	return 0;
}

static int parse_frame(struct parser *ps, char *line)
{
	struct page *p = ps->p;
	struct rank *r = p->nstacks ? &p->ranks[p->nranks - 1] : NULL;
	char *s = line + 3;
	size_t n = strcspn(s, " ");
	uint64_t index;
	struct frame f = { 0 };

	if (!r)
		return corrupt(ps, "a frame line before any rank");
	if (!parse_u64(s, n, false, &index) || s[n] != ' ' || !s[n + 1])
		return corrupt(ps, "a frame line is \"  #INDEX FRAME\"");
	if (index != r->nframes)
		return corrupt(ps, "frames are not numbered #0, #1, #2...");
	if (index >= MAX_FRAMES)
		return corrupt(ps, "too many frames");
	if (classify(ps, &f, s + n + 1))
		return -1;
	GROW(p->frames, p->nframes, p->cap_frames);
	p->frames[p->nframes++] = f;
	r->nframes++;
	return 0;
}

/* Every ELF frame names an object line; find it. */
static int link_objects(struct parser *ps)
{
	struct page *p = ps->p;
	struct strmap paths = { 0 };
	int ret = 0;

	for (size_t i = 0; i < p->nobjects; i++) {
		bool added;

		strmap_intern(&paths, p->objects[i].esc_path, i, &added);
		if (!added) {
			ret = fail("%s: corrupt page: two \"# object\" lines for %s",
				   ps->source, p->objects[i].path);
			goto out;
		}
	}
	for (size_t i = 0; i < p->nframes; i++) {
		struct frame *f = &p->frames[i];
		char *path;
		bool found;

		if (f->kind != FRAME_ELF)
			continue;
		path = strndup(f->raw, f->path_len);
		if (!path)
			path = xstrdup("");
		found = strmap_get(&paths, path, &f->object);
		if (!found)
			ret = fail("%s: corrupt page: no \"# object\" line for %.200s",
				   ps->source, path);
		free(path);
		if (!found)
			break;
	}
out:
	strmap_free(&paths);
	return ret;
}

int page_parse(struct page *p, char *buf, size_t len, const char *source)
{
	struct parser ps = { .p = p, .source = source };
	char *line, *end;

	memset(p, 0, sizeof(*p));
	p->buf = buf = xrealloc(buf, len + 1);
	buf[len] = '\0';
	if (!len)
		return fail("%s: empty page", source);
	/* Before "truncated" or "corrupt": is it a page at all? */
	if (strncmp(buf, "# perftop ", len < 10 ? len : 10))
		return fail("%s: not a perftop page (it does not start with \"# perftop VERSION:\")",
			    source);
	if (memchr(buf, '\0', len))
		return fail("%s: corrupt page: a NUL byte at offset %zu", source,
			    (size_t)((char *)memchr(buf, '\0', len) - buf));
	if (buf[len - 1] != '\n')
		return fail("%s: truncated page: the last line has no newline", source);
	for (line = buf; *line; line = end + 1) {
		int ret;

		end = strchr(line, '\n');
		*end = '\0';
		ps.line++;
		if (ps.line <= 3)
			ret = parse_header(&ps, line);
		else if (!strncmp(line, "rank ", 5))
			ret = ps.footer ? corrupt(&ps, "a rank after the footer") : parse_rank(&ps, line);
		else if (!strncmp(line, "  #", 3))
			ret = ps.footer ? corrupt(&ps, "a frame after the footer") : parse_frame(&ps, line);
		else if (!strncmp(line, "# ", 2)) {
			ps.footer = true;
			ret = parse_footer(&ps, line);
		} else {
			ret = corrupt(&ps, "not a header, rank, frame or footer line");
		}
		if (ret)
			return ret;
	}
	if (ps.line < 3)
		return fail("%s: truncated page: %lu of the 3 header lines", source, ps.line);
	if (!p->tsc_khz)
		return fail("%s: corrupt page: no tsc_khz in the header", source);
	if (!ps.have_busy)
		return fail("%s: truncated page: no footer (busy_ns)", source);
	return link_objects(&ps);
}

int page_read(struct page *p, const char *path)
{
	char *buf;
	size_t len;
	struct timespec now;
	struct stat st;
	int err, ret;

	/* Captured now for the module's file; a saved page when it was written. */
	clock_gettime(CLOCK_REALTIME, &now);
	err = read_file(path, &buf, &len);
	if (!err && strncmp(path, "/proc/", 6) && strcmp(path, "-") && !stat(path, &st) &&
	    S_ISREG(st.st_mode))
		now = st.st_mtim;

	if (!strcmp(path, "-"))
		path = "standard input";
	if (err) {
		memset(p, 0, sizeof(*p));
		/* The module's files: say what to do about it. */
		if (err == -ENOENT && !strcmp(path, "/proc/perftop_all") && !access("/proc/perftop", F_OK))
			return fail("%s: no such file: the perftop module loaded is older than 0.2 "
				    "(perftop report --input /proc/perftop reads its page)", path);
		if (err == -ENOENT && !strncmp(path, "/proc/perftop", strlen("/proc/perftop")))
			return fail("module not loaded: systemctl start perftop");
		if ((err == -EACCES || err == -EPERM) && !strncmp(path, "/proc/", strlen("/proc/")))
			return fail("%s: permission denied: reading it needs root (CAP_PERFMON or CAP_SYS_ADMIN)",
				    path);
		return fail("%s: %s", path, strerror(-err));
	}
	ret = page_parse(p, buf, len, path);
	p->time_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	return ret;
}

char *rank_identity(const struct page *p, const struct rank *r)
{
	struct strbuf b = { 0 };

	if (r->kind == RANK_OTHER)
		return xasprintf("other %s", r->comm);
	sb_addf(&b, "%s", r->kind_name);
	for (size_t j = 0; j < r->nframes; j++) {
		const struct frame *f = &p->frames[r->first + j];
		const char *id = f->kind == FRAME_ELF ? p->objects[f->object].build_id : NULL;

		sb_addf(&b, "\n%s %s", f->raw, id ? id : "-");
	}
	return b.s;
}

int page_delta(struct page *p, const struct page *old)
{
	struct strmap index = { 0 };
	size_t n = 0;

	if (p->busy_ticks < old->busy_ticks || p->switches < old->switches)
		return fail("the counters went back between the two reads: the module was reset or reloaded");
	for (size_t i = 0; i < old->nranks; i++) {
		char *key = rank_identity(old, &old->ranks[i]);

		strmap_intern(&index, key, i, NULL);
		free(key);
	}
	p->nstacks = 0;
	for (size_t i = 0; i < p->nranks; i++) {
		struct rank r = p->ranks[i];
		char *key = rank_identity(p, &r);
		size_t j;

		/* An entry evicted and made again since: all its time is new. */
		if (strmap_get(&index, key, &j) && r.ns >= old->ranks[j].ns) {
			const struct rank *o = &old->ranks[j];

			r.ns -= o->ns;
			r.ticks = r.ticks >= o->ticks ? r.ticks - o->ticks : 0;
			r.count = r.count >= o->count ? r.count - o->count : 0;
		}
		free(key);
		if (!r.ns && !r.count) {
			free(r.comm);
			continue;
		}
		if (r.kind != RANK_OTHER)
			p->nstacks++;
		p->ranks[n++] = r;
	}
	p->nranks = n;
	page_sort(p);
	strmap_free(&index);
	p->busy_ns -= p->busy_ns >= old->busy_ns ? old->busy_ns : p->busy_ns;
	p->idle_ns -= p->idle_ns >= old->idle_ns ? old->idle_ns : p->idle_ns;
	p->busy_ticks -= old->busy_ticks;
	p->idle_ticks -= p->idle_ticks >= old->idle_ticks ? old->idle_ticks : p->idle_ticks;
	p->switches -= old->switches;
	p->duration_ns = p->time_ns - old->time_ns;
	p->time_ns = old->time_ns;
	return 0;
}

void page_free(struct page *p)
{
	for (size_t i = 0; i < p->nframes; i++) {
		free(p->frames[i].text);
		free(p->frames[i].name);
	}
	for (size_t i = 0; i < p->nranks; i++)
		free(p->ranks[i].comm);
	for (size_t i = 0; i < p->nobjects; i++)
		free(p->objects[i].path);
	free(p->frames);
	free(p->ranks);
	free(p->objects);
	free(p->version);
	free(p->buf);
	memset(p, 0, sizeof(*p));
}

bool rank_charted(const struct rank *r, bool idle)
{
	return r->kind != RANK_IDLE || idle;
}

uint64_t page_ticks_ns(const struct page *p, uint64_t ticks)
{
	unsigned __int128 ns;

	if (!p->tsc_khz)
		return 0;
	ns = (unsigned __int128)ticks * 1000000u / p->tsc_khz;
	return ns > UINT64_MAX ? UINT64_MAX : (uint64_t)ns;
}
