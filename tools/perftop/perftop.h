/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * perftop(1): what the parts of the command share.
 *
 *   page.c     parse a /proc/perftop or /proc/perftop_all page
 *   symbols.c  name user frames from ELF symbol tables and debug files
 *   text.c     the top-N report
 *   folded.c   FlameGraph's folded stacks
 *   svg.c      a flame graph, labelled in the file, with zoom and search
 *   pprof.c    a gzipped pprof profile
 *   live.c     the live view (-d SECONDS)
 *   views.c    filters, stacks merged by function, --inverted, --functions
 *   util.c     memory, strings, a string map, errors
 *   ehtab.c    unwind tables from .eh_frame (not used by the command yet)
 *   main.c     options and modes
 */
#ifndef PERFTOP_CLI_H
#define PERFTOP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- util.c ------------------------------------------------------------ */

/* Out of memory is the one error the command does not recover from. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) PRINTF(1, 2);

/* Make room for one more element of *arr, which holds n of cap. */
#define GROW(arr, n, cap)                                                     \
	do {                                                                  \
		if ((n) >= (cap)) {                                           \
			(cap) = (cap) ? 2 * (cap) : 16;                       \
			(arr) = xrealloc((arr), (cap) * sizeof(*(arr)));      \
		}                                                             \
	} while (0)

/*
 * The last error, for main() to print as "perftop: MESSAGE".  Functions
 * that can fail on bad input or a missing file set it with fail() and
 * return -1; nothing below main() exits, so that the fuzz test can run the
 * parser and the outputs many times in one process.
 */
int fail(const char *fmt, ...) PRINTF(1, 2);
const char *last_error(void);

/* A string map to indices: deduplicates names, locations, stacks. */
struct strmap {
	struct strmap_slot *slots;
	size_t cap, len;
};
/* Look KEY up; when absent, add it with VALUE.  Returns the stored value. */
size_t strmap_intern(struct strmap *m, const char *key, size_t value, bool *added);
bool strmap_get(const struct strmap *m, const char *key, size_t *value);
void strmap_free(struct strmap *m);

/* A growing string. */
struct strbuf {
	char *s;
	size_t len, cap;
};
void sb_add(struct strbuf *b, const char *s, size_t n);
void sb_addf(struct strbuf *b, const char *fmt, ...) PRINTF(2, 3);
void sb_free(struct strbuf *b);

/* The whole of a file (a proc file has no size): 0, or -errno. */
int read_file(const char *path, char **buf, size_t *len);

/* A copy of S in which control bytes and invalid UTF-8 are '?'. */
char *clean_text(const char *s, size_t n);
/* The last component of a path. */
const char *base_name(const char *path);
/* "1.234 s", "12.345 ms", "123 us" from nanoseconds. */
void format_ns(char *out, size_t size, uint64_t ns);

/* ---- page.c ------------------------------------------------------------ */

/* RANK_NEW: a kind= this version does not know, read as a stack like any. */
enum rank_kind { RANK_USER, RANK_KERNEL, RANK_IDLE, RANK_NEW, RANK_OTHER };

enum frame_kind {
	FRAME_KERNEL,		/* "func+0x1/0x20 [mod]", "?" */
	FRAME_ELF,		/* "/path+0xVADDR" */
	FRAME_FILE,		/* "/path+0xOFF (file offset)": not ELF */
	FRAME_VDSO,		/* "[vdso]+0x9a0" */
	FRAME_ANON,		/* "[anon]+0x7f12345000" */
	FRAME_UNRESOLVED,	/* "0x7f1234567890 (unresolved: REASON)" */
};

struct frame {
	enum frame_kind kind;
	const char *raw;	/* as the page prints it */
	uint64_t addr;		/* FRAME_ELF: the ELF vaddr; FRAME_FILE: offset */
	size_t object;		/* FRAME_ELF: index in page->objects */
	size_t path_len;	/* FRAME_ELF, FRAME_FILE: length of the path in raw */
	/* Set by syms_resolve(); freed with the page. */
	char *text;		/* for the reports: "func+0x20 (libc.so.6)" */
	char *name;		/* what flame graphs and pprof group by: "func" */
	bool named;		/* FRAME_ELF: named from a symbol */
};

struct rank {
	uint32_t jhash;
	uint64_t ticks, ns, count;
	enum rank_kind kind;
	const char *kind_name;	/* the page's kind= word, or "" */
	const char *stack;	/* complete, truncated, limit, or "" */
	const char *pid;	/* as printed, or "" */
	char *comm;		/* escaped as the page has it, made printable */
	size_t first, nframes;	/* frames[first .. first + nframes), innermost first */
};

struct object {
	const char *esc_path;	/* as the page prints it (octal escapes) */
	char *path;		/* the real path */
	const char *build_id;	/* lowercase hex, or NULL for "none" */
};

struct page {
	char *buf;		/* the page's text; the strings above point into it */
	char *version;		/* "0.2.0" */
	bool newer;		/* a 0.x format newer than this perftop knows */
	uint64_t tsc_khz;
	struct rank *ranks;	/* in the page's order, then RANK_OTHER ones */
	size_t nranks, cap_ranks;
	struct frame *frames;
	size_t nframes, cap_frames;
	struct object *objects;
	size_t nobjects, cap_objects;
	uint64_t busy_ns, idle_ns, busy_ticks, idle_ticks, gap_ticks;
	uint64_t switches;
	size_t nstacks;		/* ranks the page has (RANK_OTHER excluded) */
	int64_t time_ns;	/* when it was captured (CLOCK_REALTIME ns) */
	int64_t duration_ns;	/* what a delta covers; 0: since the module's load */
};

/* Parse LEN bytes of BUF (taking ownership of it) from SOURCE. */
int page_parse(struct page *p, char *buf, size_t len, const char *source);
/* Read and parse a file; errno-style messages name the file. */
int page_read(struct page *p, const char *path);
void page_free(struct page *p);
/* The entries that the flame graph, folded and pprof outputs carry. */
bool rank_charted(const struct rank *r, bool idle);
/*
 * A stack's identity, as the module keys its entry: its kind and frames,
 * each ELF frame with its object's build-id (comm and pid are only the
 * last task seen; jhash is a 32-bit hash of it).  Evicted and lost time
 * are theirs by name.  Freed by the caller.
 */
char *rank_identity(const struct page *p, const struct rank *r);
/*
 * Make P the difference P - OLD, stack by stack: what each used between
 * the two reads, stacks that used nothing left out, ranked again.  Fails
 * when the counters went back (the module was reset or reloaded).
 */
int page_delta(struct page *p, const struct page *old);
/* Ticks to nanoseconds with the page's tsc_khz. */
uint64_t page_ticks_ns(const struct page *p, uint64_t ticks);

/* ---- symbols.c --------------------------------------------------------- */

struct syms;
/*
 * SYSROOT: where the page's files are (NULL for /); DEBUG_DIR: the host's
 * debug directory, searched after the sysroot's (NULL: /usr/lib/debug).
 */
struct syms *syms_new(const char *sysroot, const char *debug_dir);
/* Fill every frame's text and name. */
void syms_resolve(struct syms *s, struct page *p);
/* Only the frames of rank R: what the live view shows. */
void syms_resolve_rank(struct syms *s, struct page *p, size_t r);
void syms_free(struct syms *s);
/*
 * Objects that cannot be named from (not found, unreadable, not ELF,
 * another build) are warned about on stderr once per file: at once
 * (the default), at syms_free() (the live view's screen), or never.
 */
enum syms_warn { SYMS_WARN_NOW, SYMS_WARN_LATER, SYMS_WARN_NEVER };
void syms_warnings(struct syms *s, enum syms_warn mode);
/* A loadable segment: vaddrs [vaddr, end) are the file's bytes from offset. */
struct segment {
	uint64_t vaddr, end, offset;
};
/*
 * The segment of the page's object O (checked against its build-id) that
 * holds VADDR; *FIXED when the object is an ET_EXEC, loaded at its vaddrs.
 * False when the file is not there, not ELF or another build.
 */
bool syms_segment(struct syms *s, const struct object *o, uint64_t vaddr,
		  struct segment *seg, bool *fixed);

/* ---- outputs ----------------------------------------------------------- */

enum sort_by { SORT_FLAT, SORT_CUM, SORT_SWITCHES };

struct options {
	unsigned int top;	/* -n */
	bool idle;		/* --idle */
	bool by_address;	/* --by address: stacks as the module keeps them */
	bool functions;		/* --functions: the per-function view */
	bool inverted;		/* --inverted: callers first */
	enum sort_by sort;	/* --sort, for --functions */
	const char *comm, *pid, *kind;	/* --comm, --pid, --kind: comma lists */
};

/* ---- views.c ----------------------------------------------------------- */

/* The stacks that --comm, --pid and --kind keep (all when none is given). */
bool rank_selected(const struct options *o, const struct rank *r);
/* Leave out of P the stacks that the filters do not keep. */
void page_filter(struct page *p, const struct options *o);
/* Ranks in decreasing time, the evicted and lost entries last. */
void page_sort(struct page *p);
/*
 * Merge the stacks of a named page that differ only by offsets within the
 * same functions (same kind, command and functions), as perf report groups
 * by symbol; their frames' text becomes "func (object)".
 */
void page_by_function(struct page *p);
/* Each stack's frames outermost first: the callers' (inverted) view. */
void page_invert(struct page *p);
/* A function's key and label in the per-function views. */
char *function_key(const struct page *p, const struct frame *f);
/* The per-function view: flat and cumulative time and switches. */
void text_functions(FILE *f, const struct page *p, const struct options *o);

void text_report(FILE *f, const struct page *p, const struct options *o);
/* One line for a stack: "func+0x20 (lib.so) <- caller <- caller". */
void text_stack(struct strbuf *b, const struct page *p, const struct rank *r);
int folded_write(FILE *f, const struct page *p, const struct options *o);
int svg_write(const char *path, const struct page *p, const struct options *o);
int pprof_write(const char *path, const struct page *p, struct syms *s,
		const struct options *o);

/* The live view: returns the exit status. */
int live_run(const char *proc, struct syms *s, double interval, long count,
	     const struct options *o);

/* ---- ehtab.c ------------------------------------------------------------ */

/* The rows and the step that walks with them: the module's unwind.h. */
typedef uint64_t u64;
typedef int64_t s64;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;
typedef int8_t s8;
#ifndef __always_inline	/* glibc's sys/cdefs.h has one */
#define __always_inline inline __attribute__((__always_inline__))
#endif
#include <string.h>
#ifndef fallthrough
#define fallthrough __attribute__((__fallthrough__))
#endif
#include "../../unwind.h"

struct ehtab {
	struct perftop_uw_row *rows;	/* by pc */
	size_t n, stops;
};
/* The table of an ELF image (the whole file, LEN bytes): 0, or -1 and fail(). */
int ehtab_build(const void *image, size_t len, struct ehtab *t);
/* The row that covers PC, or NULL (below the first row). */
const struct perftop_uw_row *ehtab_find(const struct ehtab *t, uint64_t pc);
void ehtab_free(struct ehtab *t);

/* ---- upload.c ----------------------------------------------------------- */

/*
 * perftop tables: upload to PROC (NULL: /proc/perftop_unwind) the tables
 * of FILES, or of what the module wants, again every FOLLOW seconds when
 * FOLLOW > 0.  The exit status.
 */
int tables_run(const char *proc, char **files, int nfiles, double follow);
/* A file's upload: header and rows, in *BLOB (malloc'd); IDHEX gets 41 bytes. */
int upload_blob(const char *path, const char *want, void **blob, size_t *len,
		char *idhex);

#endif
