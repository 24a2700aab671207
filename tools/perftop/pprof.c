// SPDX-License-Identifier: GPL-2.0-only
/*
 * pprof.c: a gzipped pprof profile (profile.proto), which go tool pprof,
 * Pyroscope, Parca and Grafana read.
 *
 * One sample per stack, with two values: cpu/nanoseconds and
 * switches/count, and the task's comm as a label.  Every location has a
 * function (a name, or object+offset where there is none), so readers
 * never try to symbolise again.  A function is its name and its object
 * (the function's filename): main of two programs is two functions.
 *
 * Each loadable segment of an ELF object that a frame falls in is a
 * mapping, with the object's path and build-id and the segment's file
 * offset, so that address - memory_start + file_offset is the frame's
 * offset in the file, as pprof and symbolizers compute it.  An ET_EXEC
 * runs at its own vaddrs: its mappings and addresses are the real ones.
 * The page gives no load address for the others (PIE, shared libraries),
 * so object i is placed at (i + 1) << 40 plus its vaddrs, which keeps them
 * apart.  An object that is not there (or another build) has no segments
 * to read: one mapping at that base with offset 0, its vaddrs standing for
 * offsets.  Kernel, vDSO and anonymous frames have no mapping.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "perftop.h"
#include "profile.pb-c.h"

typedef Perftools__Profiles__Profile Profile;
typedef Perftools__Profiles__ValueType ValueType;
typedef Perftools__Profiles__Sample Sample;
typedef Perftools__Profiles__Label Label;
typedef Perftools__Profiles__Mapping Mapping;
typedef Perftools__Profiles__Location Location;
typedef Perftools__Profiles__Line Line;
typedef Perftools__Profiles__Function Function;

struct builder {
	const struct page *p;
	struct syms *syms;
	struct strmap strings, functions, locations, mappings;
	char **strtab;
	size_t nstr, capstr;
	Function *fn;
	size_t nfn, capfn;
	Location *loc;
	Line *line;
	size_t nloc, caploc;
	Mapping *map;
	size_t nmap, capmap;
	uint64_t *limit;	/* per page object: 1 + its highest charted vaddr */
	Sample *samples;
	Label *labels;
	size_t nsamples;
	int64_t *values;	/* two per sample */
	uint64_t *ids;		/* the samples' location ids */
	/* Pointer arrays, as protobuf-c wants repeated messages. */
	Function **fn_ptrs;
	Location **loc_ptrs;
	Line **line_ptrs;
	Mapping **map_ptrs;
	Sample **sample_ptrs;
	Label **label_ptrs;
};

static int64_t str(struct builder *b, const char *s)
{
	bool added;
	size_t i = strmap_intern(&b->strings, s, b->nstr, &added);

	if (added) {
		GROW(b->strtab, b->nstr, b->capstr);
		b->strtab[b->nstr++] = xstrdup(s);
	}
	return (int64_t)i;
}

/* The object a frame is in, as pprof's Function.filename: "" for none. */
static char *frame_file(const struct page *p, const struct frame *f)
{
	const char *mod;

	if (!f->raw)	/* a stack without frames, named by its comm */
		return xstrdup("");
	switch (f->kind) {
	case FRAME_ELF:
		return clean_text(p->objects[f->object].path, strlen(p->objects[f->object].path));
	case FRAME_FILE:
		return clean_text(f->raw, f->path_len);
	case FRAME_KERNEL:
		/* "func+0x1/0x20 [mod]": the module, else the kernel. */
		mod = strchr(f->raw, '[');
		if (mod && strchr(mod, ']'))
			return clean_text(mod, (size_t)(strchr(mod, ']') + 1 - mod));
		return xstrdup(strcmp(f->raw, "?") ? "[kernel.kallsyms]" : "");
	case FRAME_VDSO:
		return xstrdup("[vdso]");
	default:
		return xstrdup("");
	}
}

/* A function is a name in an object. */
static uint64_t function(struct builder *b, const char *name, const char *file)
{
	char *key = xasprintf("%s\x01%s", name, file);
	bool added;
	size_t i = strmap_intern(&b->functions, key, b->nfn, &added);

	free(key);
	if (added) {
		Function f = PERFTOOLS__PROFILES__FUNCTION__INIT;

		f.id = b->nfn + 1;
		f.name = f.system_name = str(b, name);
		f.filename = str(b, file);
		GROW(b->fn, b->nfn, b->capfn);
		b->fn[b->nfn++] = f;
	}
	return i + 1;
}

/*
 * The mapping of an ELF frame, made on first use, and the frame's address
 * in it: its segment's, else the whole object's (see the top).
 */
static uint64_t mapping(struct builder *b, const struct frame *f, uint64_t *address)
{
	const struct object *o = &b->p->objects[f->object];
	uint64_t base = (uint64_t)(f->object + 1) << 40;
	struct segment seg;
	bool fixed = false, added, have = syms_segment(b->syms, o, f->addr, &seg, &fixed);
	char *key, *path;
	size_t i;

	if (have && fixed)
		base = 0;
	*address = base + f->addr;
	key = have ? xasprintf("%zu %" PRIx64, f->object, seg.vaddr) : xasprintf("%zu -", f->object);
	i = strmap_intern(&b->mappings, key, b->nmap, &added);
	free(key);
	if (added) {
		Mapping m = PERFTOOLS__PROFILES__MAPPING__INIT;

		path = clean_text(o->path, strlen(o->path));
		m.id = b->nmap + 1;
		m.memory_start = base + (have ? seg.vaddr : 0);
		m.memory_limit = base + (have ? seg.end : b->limit[f->object]);
		m.file_offset = have ? seg.offset : 0;
		m.filename = str(b, path);
		m.build_id = str(b, o->build_id ? o->build_id : "");
		m.has_functions = true;
		GROW(b->map, b->nmap, b->capmap);
		b->map[b->nmap++] = m;
		free(path);
	}
	return i + 1;
}

/* A location is an address with its name: a frame's text and name tell both. */
static uint64_t location(struct builder *b, const struct frame *f)
{
	char *key = f->kind == FRAME_ELF ?
		xasprintf("%zu %" PRIx64 "\x01%s\x01%s", f->object, f->addr, f->text, f->name) :
		xasprintf("-\x01%s\x01%s", f->text, f->name);
	bool added;
	size_t i = strmap_intern(&b->locations, key, b->nloc, &added);

	free(key);
	if (added) {
		Location l = PERFTOOLS__PROFILES__LOCATION__INIT;
		Line line = PERFTOOLS__PROFILES__LINE__INIT;
		char *file = frame_file(b->p, f);

		l.id = b->nloc + 1;
		if (f->kind == FRAME_ELF)
			l.mapping_id = mapping(b, f, &l.address);
		line.function_id = function(b, f->name, file);
		free(file);
		if (b->nloc >= b->caploc) {
			b->caploc = b->caploc ? 2 * b->caploc : 64;
			b->loc = xrealloc(b->loc, b->caploc * sizeof(*b->loc));
			b->line = xrealloc(b->line, b->caploc * sizeof(*b->line));
		}
		b->loc[b->nloc] = l;
		b->line[b->nloc++] = line;
	}
	return i + 1;
}

/* Each object's highest charted vaddr, for the mappings of missing files. */
static void limits(struct builder *b, const struct page *p, const struct options *o)
{
	b->limit = xcalloc(p->nobjects, sizeof(*b->limit));
	for (size_t i = 0; i < p->nranks; i++) {
		const struct rank *r = &p->ranks[i];

		for (size_t j = 0; rank_charted(r, o->idle) && j < r->nframes; j++) {
			const struct frame *f = &p->frames[r->first + j];

			if (f->kind == FRAME_ELF && f->addr + 1 > b->limit[f->object])
				b->limit[f->object] = f->addr + 1;
		}
	}
}

static int write_gz(const char *path, const uint8_t *buf, size_t len)
{
	/* "-": standard output, through a descriptor of gzip's own to close. */
	bool out = !strcmp(path, "-");
	int fd = out ? dup(STDOUT_FILENO) : -1;
	gzFile gz = out ? (fd >= 0 ? gzdopen(fd, "wb") : NULL) : gzopen(path, "wb");
	int err;

	if (out)
		path = "standard output";
	if (!gz && fd >= 0)
		close(fd);
	if (!gz)
		return fail("%s: %s", path, strerror(errno ? errno : ENOMEM));
	while (len) {
		unsigned int n = len > (1u << 30) ? 1u << 30 : (unsigned int)len;

		if (gzwrite(gz, buf, n) != (int)n) {
			gzclose(gz);
			return fail("%s: write error", path);
		}
		buf += n;
		len -= n;
	}
	err = gzclose(gz);
	if (err != Z_OK)
		return fail("%s: %s", path, err == Z_ERRNO ? strerror(errno) : "gzip error");
	return 0;
}

/* One sample per charted stack, innermost location first. */
static void add_samples(struct builder *b, const struct page *p, const struct options *o)
{
	size_t n = 0, nids = 0;

	for (size_t i = 0; i < p->nranks; i++) {
		if (rank_charted(&p->ranks[i], o->idle)) {
			n++;
			nids += p->ranks[i].nframes ? p->ranks[i].nframes : 1;
		}
	}
	b->samples = xcalloc(n, sizeof(*b->samples));
	b->labels = xcalloc(n, sizeof(*b->labels));
	b->values = xcalloc(2 * n, sizeof(*b->values));
	b->ids = xcalloc(nids, sizeof(*b->ids));
	nids = 0;
	for (size_t i = 0; i < p->nranks; i++) {
		const struct rank *r = &p->ranks[i];
		Sample s = PERFTOOLS__PROFILES__SAMPLE__INIT;
		Label l = PERFTOOLS__PROFILES__LABEL__INIT;

		if (!rank_charted(r, o->idle))
			continue;
		s.location_id = &b->ids[nids];
		for (size_t j = 0; j < r->nframes; j++)
			b->ids[nids++] = location(b, &p->frames[r->first + j]);
		if (!r->nframes) {
			/* No frame (idle, evicted stacks): a location named by comm. */
			struct frame f = { .kind = FRAME_KERNEL, .text = r->comm, .name = r->comm };

			b->ids[nids++] = location(b, &f);
		}
		s.n_location_id = (size_t)(&b->ids[nids] - s.location_id);
		s.value = &b->values[2 * b->nsamples];
		s.n_value = 2;
		s.value[0] = r->ns > INT64_MAX ? INT64_MAX : (int64_t)r->ns;
		s.value[1] = r->count > INT64_MAX ? INT64_MAX : (int64_t)r->count;
		l.key = str(b, "comm");
		l.str = str(b, r->comm);
		b->labels[b->nsamples] = l;
		b->samples[b->nsamples++] = s;
	}
}

/* protobuf-c takes repeated messages as arrays of pointers. */
#define POINTERS(ptrs, array, n)                                              \
	do {                                                                  \
		(ptrs) = xcalloc((n), sizeof(*(ptrs)));                       \
		for (size_t i_ = 0; i_ < (n); i_++)                           \
			(ptrs)[i_] = &(array)[i_];                            \
	} while (0)

static void builder_free(struct builder *b)
{
	for (size_t i = 0; i < b->nstr; i++)
		free(b->strtab[i]);
	free(b->strtab);
	free(b->fn);
	free(b->loc);
	free(b->line);
	free(b->map);
	free(b->limit);
	free(b->samples);
	free(b->labels);
	free(b->values);
	free(b->ids);
	free(b->fn_ptrs);
	free(b->loc_ptrs);
	free(b->line_ptrs);
	free(b->map_ptrs);
	free(b->sample_ptrs);
	free(b->label_ptrs);
	strmap_free(&b->strings);
	strmap_free(&b->functions);
	strmap_free(&b->locations);
	strmap_free(&b->mappings);
}

int pprof_write(const char *path, const struct page *p, struct syms *s,
		const struct options *o)
{
	struct builder b = { .p = p, .syms = s };
	Profile prof = PERFTOOLS__PROFILES__PROFILE__INIT;
	ValueType types[2] = { PERFTOOLS__PROFILES__VALUE_TYPE__INIT,
			       PERFTOOLS__PROFILES__VALUE_TYPE__INIT };
	ValueType period = PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
	ValueType *type_ptrs[2] = { &types[0], &types[1] };
	char *version = xasprintf("perftop %s page%s", p->version,
				  p->duration_ns ? ", difference of two reads" : "");
	int64_t comment;
	uint8_t *packed;
	size_t len;
	int ret;

	str(&b, "");		/* string 0 is always "" */
	types[0].type = period.type = str(&b, "cpu");
	types[0].unit = period.unit = str(&b, "nanoseconds");
	types[1].type = str(&b, "switches");
	types[1].unit = str(&b, "count");
	comment = str(&b, version);
	free(version);
	limits(&b, p, o);
	add_samples(&b, p, o);

	POINTERS(b.fn_ptrs, b.fn, b.nfn);
	POINTERS(b.loc_ptrs, b.loc, b.nloc);
	POINTERS(b.line_ptrs, b.line, b.nloc);
	POINTERS(b.map_ptrs, b.map, b.nmap);
	POINTERS(b.sample_ptrs, b.samples, b.nsamples);
	POINTERS(b.label_ptrs, b.labels, b.nsamples);
	for (size_t i = 0; i < b.nloc; i++) {
		b.loc[i].line = &b.line_ptrs[i];
		b.loc[i].n_line = 1;
	}
	for (size_t i = 0; i < b.nsamples; i++) {
		b.samples[i].label = &b.label_ptrs[i];
		b.samples[i].n_label = 1;
	}

	prof.sample_type = type_ptrs;
	prof.n_sample_type = 2;
	prof.sample = b.sample_ptrs;
	prof.n_sample = b.nsamples;
	prof.mapping = b.map_ptrs;
	prof.n_mapping = b.nmap;
	prof.location = b.loc_ptrs;
	prof.n_location = b.nloc;
	prof.function = b.fn_ptrs;
	prof.n_function = b.nfn;
	prof.string_table = b.strtab;
	prof.n_string_table = b.nstr;
	/* When the page was captured (a delta's first read), and what a delta covers. */
	prof.time_nanos = p->time_ns;
	prof.duration_nanos = p->duration_ns;
	prof.period_type = &period;
	prof.period = 1;
	prof.comment = &comment;
	prof.n_comment = 1;
	prof.default_sample_type = types[0].type;

	len = perftools__profiles__profile__get_packed_size(&prof);
	packed = xmalloc(len);
	perftools__profiles__profile__pack(&prof, packed);
	ret = write_gz(path, packed, len);
	free(packed);
	builder_free(&b);
	return ret;
}
