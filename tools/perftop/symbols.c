// SPDX-License-Identifier: GPL-2.0-only
/*
 * symbols.c: name user frames.
 *
 * A user frame is PATH+0xVADDR, the address nm and addr2line use for that
 * file.  Each file is opened once (under the sysroot, if any) and checked
 * against the build-id the page recorded for it: a file that changed since
 * it was profiled would give wrong names, so its frames are marked instead.
 *
 * libdwfl does the ELF work: it takes the symbol table of the file itself,
 * else of its separate debug file, else .dynsym.  The debug file is found by
 * build-id under DEBUGDIR/.build-id/xx/rest.debug and, when DEBUGINFOD_URLS
 * is set, through libdebuginfod.  We call libdebuginfod ourselves rather
 * than leave it to libdwfl, which would dlopen it: linking it makes the
 * package depend on it, so that debuginfod works wherever perftop is
 * installed.
 *
 * C++ names are demangled with the C++ runtime's __cxa_demangle(), looked
 * up with dlopen() as elfutils' tools link it: a C program need not link
 * libstdc++ for it, and where it is absent names stay as the symbol table
 * has them.
 */
#include <dlfcn.h>
#include <elfutils/debuginfod.h>
#include <errno.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "perftop.h"

enum obj_state {
	OBJ_OK,		/* named from its symbols */
	OBJ_MISSING,	/* not there, or not ELF: object+offset */
	OBJ_MISMATCH,	/* another build than the one profiled: marked */
};

struct elfobj {
	Dwfl *dwfl;
	Dwfl_Module *mod;
	enum obj_state state;
	bool fixed;		/* ET_EXEC: loaded at its own vaddrs */
	char *base;		/* the page's file name, printable, once named */
	struct segment *segs;	/* its PT_LOAD segments (OBJ_OK only) */
	size_t nsegs;
};

/*
 * A name looked up, per (object, address) for the life of the process: the
 * live view reads the same stacks every interval, and a full table repeats
 * its addresses many times, while dwfl_module_addrinfo() is the cost.
 */
/*
 * At most this many names are kept: a live view that runs for weeks on a
 * machine whose programs come and go (builds, JITs) would otherwise keep
 * every address it ever named.  A full default table has at most 65536
 * frames; past the bound the cache starts again, empty.
 * PERFTOP_DEBUG_NAMES_MAX lowers it, for the tests.
 */
#define NAMES_MAX	(1u << 20)

struct cached {
	size_t obj;		/* objs[] index + 1; 0 for an empty slot */
	uint64_t at;
	char *sym;		/* NULL: no symbol there */
	uint64_t off;
};

struct syms {
	char *sysroot;		/* "" for / */
	char *debug_path;	/* libdwfl's debuginfo_path */
	Dwfl_Callbacks callbacks;
	debuginfod_client *debuginfod;
	struct strmap index;	/* "BUILD-ID PATH" to objs[] */
	struct elfobj *objs;
	size_t nobjs, cap;
	struct cached *cache;	/* open addressing, a power of two */
	size_t cache_cap, cache_len, cache_max;
	unsigned long lookups;	/* dwfl_module_addrinfo() calls */
	enum syms_warn warn_mode;
	void *cxx;		/* libstdc++, once asked; (void *)-1: not there */
	char *(*demangle)(const char *, char *, size_t *, int *);
	struct strmap warned;	/* files warned about */
	struct strbuf warnings;	/* SYMS_WARN_LATER's, for syms_free() */
};

/* libdwfl asks for a debug file: the .build-id tree, then debuginfod. */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			  Dwarf_Addr base, const char *file_name, const char *debuglink,
			  GElf_Word crc, char **debuginfo_file_name)
{
	struct syms *s = *userdata;
	const unsigned char *id;
	GElf_Addr vaddr;
	char *path = NULL;
	int len, fd;

	fd = dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name,
					  debuglink, crc, debuginfo_file_name);
	if (fd >= 0 || !s->debuginfod)
		return fd;
	len = dwfl_module_build_id(mod, &id, &vaddr);
	if (len <= 0)
		return -1;
	fd = debuginfod_find_debuginfo(s->debuginfod, id, len, &path);
	if (fd < 0)
		return -1;
	*debuginfo_file_name = path;	/* libdwfl frees it */
	return fd;
}

struct syms *syms_new(const char *sysroot, const char *debug_dir)
{
	struct syms *s = xcalloc(1, sizeof(*s));
	const char *urls = getenv("DEBUGINFOD_URLS");
	/* libdwfl looks for build-ids only under absolute directories. */
	char *root = sysroot ? realpath(sysroot, NULL) : NULL;

	s->sysroot = xstrdup(root && strcmp(root, "/") ? root : "");
	free(root);
	/*
	 * The sysroot's debug directory, then the host's: a debug file is
	 * checked by its build-id, wherever it is found.
	 */
	if (!debug_dir)
		debug_dir = "/usr/lib/debug";
	s->debug_path = *s->sysroot ? xasprintf("%s/usr/lib/debug:%s", s->sysroot, debug_dir) :
				      xstrdup(debug_dir);
	s->callbacks.find_elf = dwfl_build_id_find_elf;
	s->callbacks.find_debuginfo = find_debuginfo;
	s->callbacks.debuginfo_path = &s->debug_path;
	if (urls && *urls)
		s->debuginfod = debuginfod_begin();
	return s;
}

void syms_free(struct syms *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nobjs; i++) {
		if (s->objs[i].dwfl)
			dwfl_end(s->objs[i].dwfl);
		free(s->objs[i].segs);
		free(s->objs[i].base);
	}
	if (s->debuginfod)
		debuginfod_end(s->debuginfod);
	/* For the tests: each (object, address) is looked up once. */
	if (getenv("PERFTOP_DEBUG_NAMES"))
		fprintf(stderr, "perftop: names: %lu lookups, %zu addresses cached\n",
			s->lookups, s->cache_len);
	for (size_t i = 0; i < s->cache_cap; i++)
		free(s->cache[i].sym);
	free(s->cache);
	if (s->cxx && s->cxx != (void *)-1)
		dlclose(s->cxx);
	if (s->warnings.len)
		fputs(s->warnings.s, stderr);
	sb_free(&s->warnings);
	strmap_free(&s->warned);
	strmap_free(&s->index);
	free(s->objs);
	free(s->debug_path);
	free(s->sysroot);
	free(s);
}

/* The build-id of a reported module as lowercase hex ("" for none). */
static void module_build_id(Dwfl_Module *mod, char *hex, size_t size)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int len = dwfl_module_build_id(mod, &bits, &vaddr);

	hex[0] = '\0';
	for (int i = 0; i < len && (size_t)(2 * i + 2) < size; i++)
		snprintf(hex + 2 * i, 3, "%02x", bits[i]);
}

/* The loadable segments of the file, for pprof's mappings. */
static void read_segments(struct elfobj *e)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(e->mod, &bias);
	GElf_Ehdr eh;
	size_t n = 0;

	if (!elf || !gelf_getehdr(elf, &eh) || elf_getphdrnum(elf, &n))
		return;
	e->fixed = eh.e_type == ET_EXEC;
	e->segs = xcalloc(n, sizeof(*e->segs));
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD ||
		    ph.p_vaddr + ph.p_memsz < ph.p_vaddr)
			continue;
		e->segs[e->nsegs++] = (struct segment){ .vaddr = ph.p_vaddr,
							.end = ph.p_vaddr + ph.p_memsz,
							.offset = ph.p_offset };
	}
}

/* xasprintf, made printable: names come from the page and from ELF files. */
static char *clean_printf(const char *fmt, ...) PRINTF(1, 2);
static char *clean_printf(const char *fmt, ...)
{
	va_list ap;
	char *s, *clean;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return xstrdup("?");
	clean = clean_text(s, strlen(s));
	free(s);
	return clean;
}

/* One warning per file for the whole process, now or at syms_free(). */
static void warn(struct syms *s, const char *path, const char *fmt, ...) PRINTF(3, 4);
static void warn(struct syms *s, const char *path, const char *fmt, ...)
{
	char *msg, *clean;
	va_list ap;
	bool added;

	strmap_intern(&s->warned, path, 0, &added);
	if (!added || s->warn_mode == SYMS_WARN_NEVER)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	clean = clean_printf("perftop: warning: %s: %s", path, msg ? msg : "?");
	free(msg);
	if (s->warn_mode == SYMS_WARN_LATER)
		sb_addf(&s->warnings, "%s\n", clean);
	else
		fprintf(stderr, "%s\n", clean);
	free(clean);
}

void syms_warnings(struct syms *s, enum syms_warn mode)
{
	s->warn_mode = mode;
}

/*
 * Report the file open on FD to a new Dwfl of E: its module, or NULL (not
 * ELF; FD closed).  Its build-id, as hex, in HEX.
 */
static Dwfl_Module *report(struct syms *s, struct elfobj *e, const char *path, int fd,
			   char *hex, size_t size)
{
	void **userdata;

	e->dwfl = dwfl_begin(&s->callbacks);
	if (!e->dwfl) {
		close(fd);
		return NULL;
	}
	dwfl_report_begin(e->dwfl);
	/* Bias 0: the module's addresses are the file's own vaddrs. */
	e->mod = dwfl_report_elf(e->dwfl, base_name(path), path, fd, 0, true);
	dwfl_report_end(e->dwfl, NULL, NULL);
	if (!e->mod) {
		close(fd);	/* not ELF: libdwfl did not take it */
		dwfl_end(e->dwfl);
		e->dwfl = NULL;
		return NULL;
	}
	dwfl_module_info(e->mod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL);
	*userdata = s;
	module_build_id(e->mod, hex, size);
	return e->mod;
}

/*
 * Open and check the object of the page, once per build-id and path: the
 * file at its path (under the sysroot), else, when it is not there, not
 * readable, not ELF or another build, the executable of that build-id
 * from the debuginfod servers.  What names no frame is warned about.
 */
static struct elfobj *object_of(struct syms *s, const struct object *o)
{
	const char *deleted = " (deleted)";
	char *key = xasprintf("%s %s", o->build_id ? o->build_id : "none", o->path);
	char *path, *why = NULL, hex[2 * 64 + 1] = "";
	size_t n = strlen(o->path), i;
	struct elfobj *e;
	bool added;
	struct stat st;
	int fd;

	i = strmap_intern(&s->index, key, s->nobjs, &added);
	free(key);
	if (!added)
		return &s->objs[i];
	GROW(s->objs, s->nobjs, s->cap);
	e = &s->objs[s->nobjs++];
	*e = (struct elfobj){ .state = OBJ_MISSING };

	/*
	 * A file deleted since it was mapped: the path may now hold a new
	 * version, which only a recorded build-id can tell apart.
	 */
	if (n > strlen(deleted) && !strcmp(o->path + n - strlen(deleted), deleted)) {
		if (!o->build_id) {
			warn(s, o->path, "deleted, and no build-id to check a file against: not named");
			return e;
		}
		n -= strlen(deleted);
	}
	path = xasprintf("%s%.*s", s->sysroot, (int)n, o->path);
	/* Only regular files: a page may name a FIFO or a device. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		why = xasprintf("%s", errno == ENOENT ? "not found" : strerror(errno));
	if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode))) {
		why = xstrdup("not a regular file");
		close(fd);
		fd = -1;
	}
	if (fd >= 0 && !report(s, e, path, fd, hex, sizeof(hex)))
		why = xstrdup("not an ELF file");
	if (e->mod && strcmp(hex, o->build_id ? o->build_id : "")) {
		why = xasprintf("build-id %s, not the profiled %s", *hex ? hex : "none",
				o->build_id ? o->build_id : "none");
		e->state = OBJ_MISMATCH;
	}
	/* The build profiled, by its build-id, from debuginfod. */
	if (why && o->build_id && s->debuginfod) {
		char *got = NULL;

		fd = debuginfod_find_executable(s->debuginfod, (const unsigned char *)o->build_id, 0, &got);
		if (fd >= 0) {
			if (e->dwfl)
				dwfl_end(e->dwfl);
			*e = (struct elfobj){ .state = OBJ_MISSING };
			if (report(s, e, got, fd, hex, sizeof(hex)) && !strcmp(hex, o->build_id)) {
				free(why);
				why = NULL;
			}
		}
		free(got);
	}
	if (why) {
		warn(s, path, "%s: %s", why, e->state == OBJ_MISMATCH ?
		     "its frames are marked, not named" : "its frames are not named");
	} else if (e->mod) {
		e->state = OBJ_OK;
		read_segments(e);
	}
	free(why);
	free(path);
	return e;
}

bool syms_segment(struct syms *s, const struct object *o, uint64_t vaddr,
		  struct segment *seg, bool *fixed)
{
	struct elfobj *e = object_of(s, o);

	for (size_t i = 0; i < e->nsegs; i++) {
		if (vaddr >= e->segs[i].vaddr && vaddr < e->segs[i].end) {
			*seg = e->segs[i];
			*fixed = e->fixed;
			return true;
		}
	}
	return false;
}

/* "func" from a kernel frame "func+0x1/0x20 [mod]": "func [mod]". */
static char *kernel_name(const char *raw)
{
	const char *plus = strstr(raw, "+0x");

	if (!plus)
		return clean_printf("%s", raw);
	return clean_printf("%.*s%s", (int)(plus - raw), raw, plus + strcspn(plus, " "));
}

/* "base+0xADDR" for a frame in a file, whose path is raw[0..path_len). */
static char *file_name(const struct frame *f, const char *mark)
{
	const char *slash = memrchr(f->raw, '/', f->path_len);
	const char *base = slash && slash + 1 < f->raw + f->path_len ? slash + 1 : f->raw;

	return clean_printf("%s%.*s+0x%" PRIx64, mark, (int)(f->raw + f->path_len - base),
			    base, f->addr);
}

static struct cached *cache_slot(struct syms *s, size_t obj, uint64_t at)
{
	uint64_t h = (at ^ ((uint64_t)obj << 48)) * 0x9e3779b97f4a7c15ULL;
	size_t i = (size_t)(h >> 20) & (s->cache_cap - 1);

	while (s->cache[i].obj && (s->cache[i].obj != obj || s->cache[i].at != at))
		i = (i + 1) & (s->cache_cap - 1);
	return &s->cache[i];
}

/* SYM demangled, if a C++ name and the C++ runtime can; else a copy. */
static char *demangled(struct syms *s, const char *sym)
{
	char *out;
	int status = -1;

	if (strncmp(sym, "_Z", 2))
		return xstrdup(sym);
	if (!s->cxx) {
		s->cxx = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
		if (s->cxx)
			*(void **)&s->demangle = dlsym(s->cxx, "__cxa_demangle");
		else
			s->cxx = (void *)-1;
	}
	if (!s->demangle)
		return xstrdup(sym);
	out = s->demangle(sym, NULL, NULL, &status);
	if (!out || status) {
		free(out);
		return xstrdup(sym);
	}
	return out;
}

/* The symbol at AT in objs[e], looked up once. */
static const char *lookup(struct syms *s, struct elfobj *e, uint64_t at, uint64_t *off)
{
	size_t obj = (size_t)(e - s->objs) + 1;
	struct cached *c;
	const char *sym;
	GElf_Off o = 0;
	GElf_Sym es;

	if (!s->cache_max) {
		const char *v = getenv("PERFTOP_DEBUG_NAMES_MAX");

		s->cache_max = v && atoi(v) > 0 ? (size_t)atoi(v) : NAMES_MAX;
	}
	if (s->cache_len >= s->cache_max) {
		/* The names returned before were copied: none is in use. */
		for (size_t i = 0; i < s->cache_cap; i++)
			free(s->cache[i].sym);
		memset(s->cache, 0, s->cache_cap * sizeof(*s->cache));
		s->cache_len = 0;
	}
	if (2 * (s->cache_len + 1) > s->cache_cap) {
		struct cached *old = s->cache;
		size_t n = s->cache_cap;

		s->cache_cap = n ? 2 * n : 1024;
		s->cache = xcalloc(s->cache_cap, sizeof(*s->cache));
		for (size_t i = 0; i < n; i++)
			if (old[i].obj)
				*cache_slot(s, old[i].obj, old[i].at) = old[i];
		free(old);
	}
	c = cache_slot(s, obj, at);
	if (!c->obj) {
		s->lookups++;
		sym = dwfl_module_addrinfo(e->mod, at, &o, &es, NULL, NULL, NULL);
		*c = (struct cached){ .obj = obj, .at = at, .off = o,
				      .sym = sym && *sym ? demangled(s, sym) : NULL };
		/* Kept printable: every frame at this address copies it as is. */
		if (c->sym) {
			char *clean = clean_text(c->sym, strlen(c->sym));

			free(c->sym);
			c->sym = clean;
		}
		s->cache_len++;
	}
	*off = c->off;
	return c->sym;
}

static void resolve_elf(struct syms *s, const struct page *p, struct frame *f, bool innermost,
			struct elfobj *e)
{
	const struct object *o = &p->objects[f->object];
	const char *sym = NULL;
	uint64_t off = 0;
	/*
	 * Outer frames are return addresses: the call is the instruction
	 * before, which may be the last of another function (a call to a
	 * noreturn function), so look up the byte before.
	 */
	uint64_t at = innermost || !f->addr ? f->addr : f->addr - 1;

	if (e->state == OBJ_MISMATCH) {
		f->text = clean_printf("[build-id mismatch] %s", f->raw);
		f->name = file_name(f, "[build-id mismatch] ");
		return;
	}
	if (e->state == OBJ_OK)
		sym = lookup(s, e, at, &off);
	if (!sym) {
		f->text = clean_printf("%s", f->raw);
		f->name = file_name(f, "");
		return;
	}
	/* Both parts are printable already: no need to clean them again. */
	if (!e->base)
		e->base = clean_text(base_name(o->path), strlen(base_name(o->path)));
	f->name = xstrdup(sym);
	f->text = xasprintf("%s+0x%" PRIx64 " (%s)", sym, off + (f->addr - at), e->base);
	f->named = true;
}

/* Name the frames of P's rank R; OBJS: the page's objects' objs[] indices, or NULL. */
static void resolve_rank(struct syms *s, struct page *p, size_t r, size_t *objs)
{
	for (size_t i = 0; i < p->ranks[r].nframes; i++) {
		struct frame *f = &p->frames[p->ranks[r].first + i];
		struct elfobj *e;

		free(f->text);
		free(f->name);
		f->text = f->name = NULL;
		f->named = false;
		switch (f->kind) {
		case FRAME_ELF:
			if (!objs)
				e = object_of(s, &p->objects[f->object]);
			else if (objs[f->object] == SIZE_MAX)
				e = object_of(s, &p->objects[f->object]);
			else
				e = &s->objs[objs[f->object]];
			if (objs)
				objs[f->object] = (size_t)(e - s->objs);
			resolve_elf(s, p, f, i == 0, e);
			continue;
		case FRAME_KERNEL:
			f->name = kernel_name(f->raw);
			break;
		case FRAME_FILE:
			f->name = file_name(f, "");
			break;
		case FRAME_VDSO:
			f->name = xstrdup("[vdso]");
			break;
		case FRAME_ANON:
			f->name = xstrdup("[anon]");
			break;
		case FRAME_UNRESOLVED:
			f->name = clean_printf("%.*s", (int)strcspn(f->raw, " "), f->raw);
			break;
		}
		f->text = clean_printf("%s", f->raw);
	}
}

void syms_resolve_rank(struct syms *s, struct page *p, size_t r)
{
	resolve_rank(s, p, r, NULL);
}

void syms_resolve(struct syms *s, struct page *p)
{
	/* The page's objects, opened (or found open) once per page. */
	size_t *objs = xcalloc(p->nobjects, sizeof(*objs));

	for (size_t i = 0; i < p->nobjects; i++)
		objs[i] = SIZE_MAX;
	for (size_t r = 0; r < p->nranks; r++)
		resolve_rank(s, p, r, objs);
	free(objs);
}
