// SPDX-License-Identifier: GPL-2.0-only
/*
 * svg.c: a self-contained, interactive flame graph.
 *
 * The stacks are merged into a tree (all, comm, outermost frame, ...,
 * innermost), each node as wide as the time spent in it and under it,
 * children in alphabetical order as FlameGraph does.  Each frame's label is
 * written in the file, fitted to its width as the script fits it, so that
 * the graph reads the same shown as an image (<img>, a wiki, a ticket),
 * where no script runs.  The file carries its own CSS and JavaScript:
 * hovering a frame shows its name, time and share, clicking one zooms on
 * it, and Search (or FILE.svg#search=REGEX) highlights the frames whose
 * names match and shows the share of the time under them.  Frames narrower
 * than a tenth of a pixel are left out, as FlameGraph does, to keep the
 * file small.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "perftop.h"

#define WIDTH 1200
#define PAD 10
#define ROW 16
#define TOP 50		/* title, and the reset button */
#define BOTTOM 30	/* the details line */
#define MIN_PX 0.1

enum cls { CLS_ROOT, CLS_USER, CLS_KERNEL, CLS_UNNAMED };

struct node {
	const char *name;
	enum cls cls;
	uint64_t value;
	size_t *children;
	size_t nchildren, cap;
};

struct tree {
	struct node *nodes;
	size_t n, cap;
	struct strmap index;	/* "PARENT;NAME" to nodes[] */
	size_t depth;		/* of the deepest node, root 0 */
	size_t omitted;
};

static size_t child(struct tree *t, size_t parent, const char *name, enum cls cls)
{
	char *key = xasprintf("%zu;%s", parent, name);
	bool added;
	size_t i = strmap_intern(&t->index, key, t->n, &added);
	struct node *p;

	free(key);
	if (!added)
		return i;
	GROW(t->nodes, t->n, t->cap);
	t->nodes[t->n++] = (struct node){ .name = name, .cls = cls };
	p = &t->nodes[parent];
	GROW(p->children, p->nchildren, p->cap);
	p->children[p->nchildren++] = i;
	return i;
}

static enum cls frame_cls(const struct frame *f)
{
	if (f->kind == FRAME_KERNEL)
		return CLS_KERNEL;
	/* A named user frame has text "name+0x.. (object)", not its raw form. */
	if (f->kind == FRAME_ELF && strcmp(f->text, f->raw) && strncmp(f->text, "[build-id", 9))
		return CLS_USER;
	return CLS_UNNAMED;
}

static void build(struct tree *t, const struct page *p, const struct options *o)
{
	GROW(t->nodes, t->n, t->cap);
	t->nodes[t->n++] = (struct node){ .name = "all", .cls = CLS_ROOT };
	for (size_t i = 0; i < p->nranks; i++) {
		const struct rank *r = &p->ranks[i];
		size_t at = 0, depth = 1;

		if (!rank_charted(r, o->idle))
			continue;
		t->nodes[0].value += r->ns;
		at = child(t, 0, r->comm, CLS_ROOT);
		t->nodes[at].value += r->ns;
		for (size_t j = r->nframes; j-- > 0; depth++) {
			const struct frame *f = &p->frames[r->first + j];

			at = child(t, at, f->name, frame_cls(f));
			t->nodes[at].value += r->ns;
		}
		if (depth > t->depth)
			t->depth = depth;
	}
}

static int by_name(const void *a, const void *b, void *nodes)
{
	const struct node *n = nodes;

	return strcmp(n[*(const size_t *)a].name, n[*(const size_t *)b].name);
}

static void xml_text(FILE *f, const char *s, size_t n)
{
	for (const char *end = s + n; s < end; s++) {
		const char *entity = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" :
				     *s == '>' ? "&gt;" : *s == '"' ? "&quot;" :
				     *s == '\'' ? "&apos;" : NULL;

		if (entity)
			fputs(entity, f);
		else
			fputc(*s, f);
	}
}

/* A colour from the name, so that a function keeps it between graphs. */
static void colour(FILE *f, const struct node *n)
{
	uint32_t h = 2166136261u;
	double v1, v2;

	for (const char *c = n->name; *c; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	v1 = (h & 0xffff) / 65535.0;
	v2 = (h >> 16) / 65535.0;
	switch (n->cls) {
	case CLS_USER:		/* FlameGraph's "hot" */
		fprintf(f, "rgb(%d,%d,%d)", 205 + (int)(50 * v1), (int)(230 * v2), (int)(55 * v1));
		break;
	case CLS_KERNEL:	/* blue-green */
		fprintf(f, "rgb(%d,%d,%d)", 70 + (int)(50 * v1), 170 + (int)(40 * v2), 200 + (int)(40 * v1));
		break;
	case CLS_UNNAMED:	/* grey: no name to show */
		fprintf(f, "rgb(%d,%d,%d)", 170 + (int)(40 * v1), 170 + (int)(40 * v1), 180);
		break;
	case CLS_ROOT:		/* violet: all, and each command */
		fprintf(f, "rgb(%d,%d,%d)", 190 + (int)(30 * v1), 170 + (int)(30 * v2), 230);
		break;
	}
}

/*
 * The label that fits in a frame PW pixels wide, as the script's place()
 * computes it: 7 pixels a character, the name cut with ".." when longer,
 * nothing under 3 characters.  Characters, not bytes: names are UTF-8.
 */
static void label(FILE *f, const char *name, double pw)
{
	long fit = (long)((pw - 6) / 7);
	size_t chars = 0, cut = 0, len = strlen(name);

	if (fit < 3)
		return;
	for (size_t i = 0; i < len; i++) {
		if (((unsigned char)name[i] & 0xc0) == 0x80)
			continue;
		if (chars == (size_t)fit - 2)
			cut = i;
		chars++;
	}
	if (chars <= (size_t)fit) {
		xml_text(f, name, len);
		return;
	}
	xml_text(f, name, cut);
	fputs("..", f);
}

static void emit(FILE *f, struct tree *t, size_t i, uint64_t x, size_t depth, int height)
{
	struct node *n = &t->nodes[i];
	uint64_t total = t->nodes[0].value;
	double px = PAD + (double)x / (double)total * (WIDTH - 2 * PAD);
	double pw = (double)n->value / (double)total * (WIDTH - 2 * PAD);
	int y = height - BOTTOM - (int)(depth + 1) * ROW;
	char time[32];

	if (pw < MIN_PX) {
		t->omitted++;
		return;
	}
	format_ns(time, sizeof(time), n->value);
	fprintf(f, "<g class=\"f\" data-x=\"%" PRIu64 "\" data-w=\"%" PRIu64 "\" data-d=\"%zu\"><title>",
		x, n->value, depth);
	xml_text(f, n->name, strlen(n->name));
	fprintf(f, " (%s, %.2f%%)</title><rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" rx=\"2\" fill=\"",
		time, 100.0 * (double)n->value / (double)total, px, y, pw, ROW - 1);
	colour(f, n);
	fprintf(f, "\"/><text x=\"%.2f\" y=\"%d\">", px + 3, y + ROW - 4);
	label(f, n->name, pw);
	fputs("</text></g>\n", f);

	if (n->nchildren > 1)
		qsort_r(n->children, n->nchildren, sizeof(size_t), by_name, t->nodes);
	for (size_t c = 0; c < n->nchildren; c++) {
		size_t ci = t->nodes[i].children[c];

		emit(f, t, ci, x, depth + 1, height);
		x += t->nodes[ci].value;
	}
}

/* The page's behaviour: fit names into their frames, hover, zoom. */
static const char script[] =
	"var frames, details, reset, search, matched, query = null;\n"
	"function num(g, a) { return parseFloat(g.getAttribute(a)); }\n"
	"function label(g) { var t = g.getElementsByTagName('title')[0].textContent;\n"
	"  return t.substring(0, t.lastIndexOf(' (')); }\n"
	"function place(g, x, w) {\n"
	"  var r = g.getElementsByTagName('rect')[0], t = g.getElementsByTagName('text')[0];\n"
	"  var name = label(g), fit = Math.floor((w - 6) / 7);\n"
	"  r.setAttribute('x', x); r.setAttribute('width', w); t.setAttribute('x', x + 3);\n"
	"  t.textContent = fit < 3 ? '' : name.length <= fit ? name : name.substring(0, fit - 2) + '..';\n"
	"}\n"
	"function zoom(node) {\n"
	"  var zx = num(node, 'data-x'), zw = num(node, 'data-w'), zd = num(node, 'data-d');\n"
	"  for (var i = 0; i < frames.length; i++) {\n"
	"    var g = frames[i], x = num(g, 'data-x'), w = num(g, 'data-w'), d = num(g, 'data-d');\n"
	"    var above = d < zd, inside = above ? x <= zx && x + w >= zx + zw : x >= zx && x + w <= zx + zw;\n"
	"    g.style.display = inside ? '' : 'none';\n"
	"    if (!inside) continue;\n"
	"    g.setAttribute('class', above ? 'f a' : 'f');\n"
	"    if (above) place(g, X0, W); else place(g, X0 + (x - zx) / zw * W, w / zw * W);\n"
	"  }\n"
	"  reset.style.display = zd > 0 ? '' : 'none';\n"
	"  if (query !== null) find(query);\n"
	"}\n"
	"/* Highlight the frames shown whose names match RE, and the share under them\n"
	"   of the frame zoomed on: a match inside another match counts once. */\n"
	"function find(re) {\n"
	"  var rx, spans = [], base = null;\n"
	"  try { rx = new RegExp(re); } catch (e) { matched.textContent = 'bad regular expression'; return; }\n"
	"  query = re;\n"
	"  for (var i = 0; i < frames.length; i++) {\n"
	"    var g = frames[i], r = g.getElementsByTagName('rect')[0];\n"
	"    if (!r.hasAttribute('data-fill')) r.setAttribute('data-fill', r.getAttribute('fill'));\n"
	"    var on = g.style.display != 'none' && g.getAttribute('class') == 'f';\n"
	"    if (on && (base === null || num(g, 'data-d') < num(base, 'data-d'))) base = g;\n"
	"    var hit = on && rx.test(label(g));\n"
	"    r.setAttribute('fill', hit ? 'rgb(230,0,230)' : r.getAttribute('data-fill'));\n"
	"    if (hit) spans.push([num(g, 'data-x'), num(g, 'data-w')]);\n"
	"  }\n"
	"  spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });\n"
	"  var sum = 0, end = -1;\n"
	"  for (var i = 0; i < spans.length; i++) {\n"
	"    if (spans[i][0] + spans[i][1] <= end) continue;\n"
	"    sum += spans[i][1]; end = spans[i][0] + spans[i][1];\n"
	"  }\n"
	"  var whole = base ? num(base, 'data-w') : 1;\n"
	"  matched.textContent = 'Matched: ' + (100 * sum / whole).toFixed(1) + '%';\n"
	"  search.textContent = 'Reset search';\n"
	"}\n"
	"function unfind() {\n"
	"  query = null; matched.textContent = ' '; search.textContent = 'Search';\n"
	"  for (var i = 0; i < frames.length; i++) {\n"
	"    var r = frames[i].getElementsByTagName('rect')[0];\n"
	"    if (r.hasAttribute('data-fill')) r.setAttribute('fill', r.getAttribute('data-fill'));\n"
	"  }\n"
	"}\n"
	"function init() {\n"
	"  frames = document.getElementById('frames').getElementsByTagName('g');\n"
	"  details = document.getElementById('details');\n"
	"  reset = document.getElementById('reset');\n"
	"  search = document.getElementById('search');\n"
	"  matched = document.getElementById('matched');\n"
	"  search.onclick = function () {\n"
	"    if (query !== null) { unfind(); return; }\n"
	"    var re = prompt('Search for (a regular expression):', '');\n"
	"    if (re) find(re);\n"
	"  };\n"
	"  for (var i = 0; i < frames.length; i++) {\n"
	"    frames[i].onclick = function () { zoom(this); };\n"
	"    frames[i].onmouseover = function () {\n"
	"      details.textContent = this.getElementsByTagName('title')[0].textContent; };\n"
	"    frames[i].onmouseout = function () { details.textContent = ' '; };\n"
	"  }\n"
	"  reset.onclick = function () { zoom(frames[0]); };\n"
	"  if (frames.length) zoom(frames[0]);\n"
	"  /* file.svg#zoom=NAME opens zoomed on the first frame called NAME. */\n"
	"  var want = location.hash.indexOf('#zoom=') == 0 ? decodeURIComponent(location.hash.substring(6)) : null;\n"
	"  for (var i = 0; want !== null && i < frames.length; i++)\n"
	"    if (label(frames[i]) == want) { zoom(frames[i]); break; }\n"
	"  /* file.svg#search=REGEX opens with that search made. */\n"
	"  if (location.hash.indexOf('#search=') == 0) find(decodeURIComponent(location.hash.substring(8)));\n"
	"}\n"
	"window.addEventListener('load', init);\n";

static const char style[] =
	"text { font-family: 'DejaVu Sans Mono', monospace; font-size: 12px; fill: #000; }\n"
	"#title { font-size: 17px; font-family: sans-serif; }\n"
	"#reset, #search { cursor: pointer; fill: #2050a0; }\n"
	".f { cursor: pointer; }\n"
	".f:hover rect { stroke: #000; stroke-width: 0.5; }\n"
	".a rect { opacity: 0.6; }\n";

int svg_write(const char *path, const struct page *p, const struct options *o)
{
	struct tree t = { 0 };
	bool out = !strcmp(path, "-");		/* standard output */
	FILE *f = out ? stdout : fopen(path, "w");
	char busy[32];
	size_t stacks = 0;
	int height, ret = 0;

	if (!f)
		return fail("%s: %s", path, strerror(errno));
	if (out)
		path = "standard output";
	build(&t, p, o);
	for (size_t i = 0; i < p->nranks; i++)
		if (p->ranks[i].kind != RANK_OTHER && rank_charted(&p->ranks[i], o->idle))
			stacks++;
	height = TOP + BOTTOM + (int)(t.depth + 1) * ROW;
	format_ns(busy, sizeof(busy), t.nodes[0].value);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\">\n"
		"<style type=\"text/css\"><![CDATA[\n%s]]></style>\n"
		"<script type=\"text/ecmascript\"><![CDATA[\nvar W = %d, X0 = %d;\n%s]]></script>\n"
		"<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#f8f8f0\"/>\n"
		"<text id=\"title\" x=\"%d\" y=\"24\" text-anchor=\"middle\">perftop: on-CPU time per stack, %s in %zu stacks</text>\n"
		"<text id=\"reset\" x=\"%d\" y=\"24\" style=\"display: none\">Reset zoom</text>\n"
		"<text id=\"search\" x=\"%d\" y=\"24\" text-anchor=\"end\">Search</text>\n"
		"<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n"
		"<text id=\"matched\" x=\"%d\" y=\"%d\" text-anchor=\"end\"> </text>\n"
		"<g id=\"frames\">\n",
		WIDTH, height, WIDTH, height, style, WIDTH - 2 * PAD, PAD, script, WIDTH, height, WIDTH / 2, busy,
		stacks, PAD, WIDTH - PAD, PAD, height - 10, WIDTH - PAD, height - 10);
	if (t.nodes[0].value)
		emit(f, &t, 0, 0, 0, height);
	fputs("</g>\n</svg>\n", f);
	if (ferror(f))
		ret = fail("%s: write error", path);
	if ((out ? fflush(f) : fclose(f)) && !ret)
		ret = fail("%s: %s", path, strerror(errno));
	for (size_t i = 0; i < t.n; i++)
		free(t.nodes[i].children);
	free(t.nodes);
	strmap_free(&t.index);
	return ret;
}
