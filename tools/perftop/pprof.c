// SPDX-License-Identifier: GPL-2.0-only
/*
 * pprof.c: a gzipped pprof profile (profile.proto), which go tool pprof,
 * Pyroscope, Parca and Grafana read.
 *
 * One sample per stack, with two values: cpu/nanoseconds and
 * switches/count, and the task's comm as a label.  Every location has a
 * function (a name, or object+offset where there is none), so readers
 * never try to symbolise again.  Each ELF object is a mapping with its path
 * and build-id; since the page gives each object's own vaddrs and no load
 * address, object i is placed at (i + 1) << 40 and a location's address is
 * that base plus the vaddr: the mappings do not overlap, and
 * address - memory_start + file_offset is the vaddr, which is the file
 * offset for code in the usual ELF layouts.  Kernel, vDSO and anonymous
 * frames have no mapping.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
	struct strmap strings, functions, locations;
	char **strtab;
	size_t nstr, capstr;
	Function *fn;
	size_t nfn, capfn;
	Location *loc;
	Line *line;
	size_t nloc, caploc;
	Mapping *map;
	size_t nmap;
	uint64_t *obj_map;	/* page object index to mapping id, 0 for none */
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

static uint64_t function(struct builder *b, const char *name)
{
	bool added;
	size_t i = strmap_intern(&b->functions, name, b->nfn, &added);

	if (added) {
		Function f = PERFTOOLS__PROFILES__FUNCTION__INIT;

		f.id = b->nfn + 1;
		f.name = f.system_name = str(b, name);
		GROW(b->fn, b->nfn, b->capfn);
		b->fn[b->nfn++] = f;
	}
	return i + 1;
}

/* A location is an address with its name: a frame's text and name tell both. */
static uint64_t location(struct builder *b, const struct frame *f)
{
	char *key = xasprintf("%s\x01%s", f->text, f->name);
	bool added;
	size_t i = strmap_intern(&b->locations, key, b->nloc, &added);

	free(key);
	if (added) {
		Location l = PERFTOOLS__PROFILES__LOCATION__INIT;
		Line line = PERFTOOLS__PROFILES__LINE__INIT;

		l.id = b->nloc + 1;
		if (f->kind == FRAME_ELF && b->obj_map[f->object]) {
			l.mapping_id = b->obj_map[f->object];
			l.address = b->map[l.mapping_id - 1].memory_start + f->addr;
		}
		line.function_id = function(b, f->name);
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

/* One mapping per object that a charted frame names. */
static void mappings(struct builder *b, const struct page *p, const struct options *o)
{
	uint64_t *limit = xcalloc(p->nobjects, sizeof(*limit));

	b->obj_map = xcalloc(p->nobjects, sizeof(*b->obj_map));
	b->map = xcalloc(p->nobjects, sizeof(*b->map));
	for (size_t i = 0; i < p->nranks; i++) {
		const struct rank *r = &p->ranks[i];

		for (size_t j = 0; rank_charted(r, o->idle) && j < r->nframes; j++) {
			const struct frame *f = &p->frames[r->first + j];

			if (f->kind == FRAME_ELF && f->addr + 1 > limit[f->object])
				limit[f->object] = f->addr + 1;
		}
	}
	for (size_t i = 0; i < p->nobjects; i++) {
		Mapping m = PERFTOOLS__PROFILES__MAPPING__INIT;
		char *path;

		if (!limit[i])
			continue;
		path = clean_text(p->objects[i].path, strlen(p->objects[i].path));
		m.id = b->nmap + 1;
		m.memory_start = (uint64_t)(i + 1) << 40;
		m.memory_limit = m.memory_start + limit[i];
		m.filename = str(b, path);
		m.build_id = str(b, p->objects[i].build_id ? p->objects[i].build_id : "");
		m.has_functions = true;
		b->map[b->nmap++] = m;
		b->obj_map[i] = m.id;
		free(path);
	}
	free(limit);
}

static int write_gz(const char *path, const uint8_t *buf, size_t len)
{
	gzFile gz = gzopen(path, "wb");
	int err;

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
	free(b->obj_map);
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
}

int pprof_write(const char *path, const struct page *p, const struct options *o)
{
	struct builder b = { 0 };
	Profile prof = PERFTOOLS__PROFILES__PROFILE__INIT;
	ValueType types[2] = { PERFTOOLS__PROFILES__VALUE_TYPE__INIT,
			       PERFTOOLS__PROFILES__VALUE_TYPE__INIT };
	ValueType period = PERFTOOLS__PROFILES__VALUE_TYPE__INIT;
	ValueType *type_ptrs[2] = { &types[0], &types[1] };
	char *version = xasprintf("perftop %s page", p->version);
	int64_t comment;
	struct timespec now;
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
	mappings(&b, p, o);
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

	clock_gettime(CLOCK_REALTIME, &now);
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
	prof.time_nanos = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
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
