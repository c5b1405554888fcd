/* Flows read as they are read (compiler/xml_scan.c, compiler/parse.c).
 * A policy of 10,000 <allow>s used to become 10,000 tree nodes of 80
 * bytes with an attribute array each before the parser made its flows of
 * them: now the reader asks the caller's sink whether it wants an
 * element at its start tag (struct fwc_xml_sink's wants()), reads its
 * attributes into scratch storage, and hands it to take() as it closes;
 * the parser makes the flow at once and puts it in document order later.
 * These tests fail when the tree keeps taken flows, when a declined flow
 * loses its attributes, and when the parser's flows or messages differ in
 * any way from those of the tree path (libxml2 reading every file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fwc/arena.h"
#include "fwc/diag.h"
#include "fwc/pipeline.h"
#include "fwc/policy.h"
#include "fwc/xml.h"

/* A flow element as the sink saw it (deep copy). */
struct seen {
	char *name;
	struct fwc_loc loc;
	struct fwc_xattr *attrs; /* names and values copied */
	size_t n_attrs;
	unsigned int depth;
};

struct rec {
	struct seen *v;
	size_t n;
	size_t cap;
	unsigned int resets;
	bool no_wants;		 /* set wants() to NULL */
	unsigned int decline_of; /* declines every decline_of-th flow */
	unsigned int offered;
	unsigned int wanted;
};

static bool
is_flow(const char *name)
{
	return strcmp(name, "allow") == 0 || strcmp(name, "deny") == 0 ||
	       strcmp(name, "reject") == 0;
}

static bool
rec_wants(void *ctx, unsigned int depth, const char *name)
{
	struct rec *r = ctx;

	if (depth != 1 || !is_flow(name))
		return false;
	r->wanted++;
	return true;
}

static bool
rec_take(void *ctx, const struct fwc_xnode *parent, unsigned int depth,
    const struct fwc_xnode *kid)
{
	struct rec *r = ctx;
	struct seen s;

	(void)parent;
	if (depth != 1 || !is_flow(kid->name))
		return false;
	r->offered++;
	if (r->decline_of != 0 && r->offered % r->decline_of == 0)
		return false;
	assert_int_equal(kid->n_kids, 0);
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 1024;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
		assert_non_null(r->v);
	}
	s.name = strdup(kid->name);
	s.loc = kid->loc;
	s.depth = depth;
	s.n_attrs = kid->n_attrs;
	s.attrs = calloc(kid->n_attrs + 1, sizeof(*s.attrs));
	assert_non_null(s.attrs);
	for (size_t i = 0; i < kid->n_attrs; i++) {
		s.attrs[i].name = strdup(kid->attrs[i].name);
		s.attrs[i].value = strdup(kid->attrs[i].value);
		s.attrs[i].loc = kid->attrs[i].loc;
	}
	r->v[r->n++] = s;
	return true;
}

static void
rec_reset(void *ctx)
{
	struct rec *r = ctx;

	for (size_t i = 0; i < r->n; i++) {
		for (size_t j = 0; j < r->v[i].n_attrs; j++) {
			free((char *)r->v[i].attrs[j].name);
			free((char *)r->v[i].attrs[j].value);
		}
		free(r->v[i].attrs);
		free(r->v[i].name);
	}
	r->n = 0;
	r->resets++;
}

static void
rec_free(struct rec *r)
{
	rec_reset(r);
	free(r->v);
}

static bool
same_loc(const struct fwc_loc *a, const struct fwc_loc *b)
{
	return a->line == b->line && a->col == b->col &&
	       strcmp(a->file, b->file) == 0;
}

static void
same_attrs(const struct fwc_xattr *a, size_t n_a, const struct fwc_xattr *b,
    size_t n_b)
{
	assert_int_equal(n_a, n_b);
	for (size_t i = 0; i < n_a; i++) {
		assert_string_equal(a[i].name, b[i].name);
		assert_string_equal(a[i].value, b[i].value);
		assert_true(same_loc(&a[i].loc, &b[i].loc));
	}
}

/* The same element trees, to the last attribute and text. */
static void
same_tree(const struct fwc_xnode *a, const struct fwc_xnode *b)
{
	assert_string_equal(a->name, b->name);
	assert_true(same_loc(&a->loc, &b->loc));
	same_attrs(a->attrs, a->n_attrs, b->attrs, b->n_attrs);
	if (a->text == NULL) {
		assert_null(b->text);
	} else {
		assert_non_null(b->text);
		assert_string_equal(a->text, b->text);
		assert_true(same_loc(&a->text_loc, &b->text_loc));
	}
	assert_int_equal(a->n_kids, b->n_kids);
	for (size_t i = 0; i < a->n_kids; i++)
		same_tree(&a->kids[i], &b->kids[i]);
}

/* The root's children of the full tree full are the flows r took, in
 * order, and the children of part, in order. */
static void
same_split(const struct fwc_xnode *full, const struct fwc_xnode *part,
    const struct rec *r)
{
	size_t j = 0;
	size_t next = 0;

	assert_string_equal(full->name, part->name);
	same_attrs(full->attrs, full->n_attrs, part->attrs, part->n_attrs);
	for (size_t i = 0; i < full->n_kids; i++) {
		const struct fwc_xnode *k = &full->kids[i];

		if (next < r->n && same_loc(&k->loc, &r->v[next].loc)) {
			const struct seen *s = &r->v[next++];

			assert_string_equal(s->name, k->name);
			assert_int_equal(k->n_kids, 0);
			same_attrs(s->attrs, s->n_attrs, k->attrs, k->n_attrs);
			continue;
		}
		assert_true(j < part->n_kids);
		same_tree(k, &part->kids[j++]);
	}
	assert_int_equal(j, part->n_kids);
	assert_int_equal(next, r->n);
}

/* A temporary directory for one test's files; path holds it. */
static void
temp_dir(char *path, size_t size)
{
	snprintf(path, size, "/tmp/fwc-flow-stream-XXXXXX");
	assert_non_null(mkdtemp(path));
}

static void
write_file(
    const char *dir, const char *name, const char *text, const char *tail)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fputs(tail, f);
	assert_int_equal(fclose(f), 0);
}

static void
remove_file(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

/* Appends to a growing string (heap). */
struct text {
	char *s;
	size_t n;
	size_t cap;
};

static void FWC_PRINTF(2, 3) add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int len;

	for (;;) {
		va_start(ap, fmt);
		len = vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
		va_end(ap);
		assert_true(len >= 0);
		if ((size_t)len < t->cap - t->n)
			break;
		t->cap = t->cap ? 2 * t->cap + (size_t)len : 4096 + (size_t)len;
		t->s = realloc(t->s, t->cap);
		assert_non_null(t->s);
	}
	t->n += (size_t)len;
}

/* A policy of n flows of every shape (one with every attribute, unnamed,
 * attributes over several lines...) between two definitions. */
static char *
flows_policy(size_t n)
{
	struct text t = { 0 };

	add(&t, "<policy name=\"many\" version=\"1\">\n");
	add(&t, "<service name=\"web\"><port protocol=\"tcp\" "
		"port=\"80\"/></service>\n");
	for (size_t i = 0; i < n; i++) {
		switch (i % 4) {
		case 0:
			add(&t,
			    "<allow name=\"f%zu\" from=\"a\" to=\"b\" "
			    "service=\"web\"/>\n",
			    i);
			break;
		case 1:
			add(&t, "<deny from=\"a b\" to=\"c\" service=\"web\" "
				"log=\"on\"></deny>\n");
			break;
		case 2:
			add(&t,
			    "<reject name=\"f%zu\" description=\"x &amp; "
			    "y\" from=\"a\"\n   to=\"b\" service=\"web\" "
			    "scope=\"none\" via=\"px\" bidirectional=\"true\""
			    "/>\n",
			    i);
			break;
		default:
			add(&t,
			    "<allow\tfrom='a'\tto='b'\tservice='web' "
			    "name='f%zu' />\n",
			    i);
		}
	}
	add(&t, "<boundary name=\"a\"><subnet>10.0.0.0/24</subnet>"
		"</boundary>\n</policy>\n");
	return t.s;
}

struct read {
	struct fwc_arena *a;
	struct fwc_arena *t;
	struct fwc_xnode *root;
	int rc;
};

static void
read_with(struct read *rd, const char *path, const struct fwc_xml_sink *sink,
    const struct fwc_xml_limits *lim)
{
	struct fwc_diag dg;

	rd->a = fwc_arena_new();
	rd->t = fwc_arena_new();
	rd->root = NULL;
	fwc_diag_init(&dg, stderr);
	rd->rc = fwc_xml_parse_file_sink(
	    rd->a, rd->t, &dg, path, lim, sink, &rd->root);
	fwc_diag_release(&dg);
}

static void
read_done(struct read *rd)
{
	fwc_arena_release(rd->t);
	fwc_arena_release(rd->a);
}

/* Reads a policy of n flows taking them; returns the size of the tree's
 * arena, having checked the split against the tree path. */
static size_t
tree_bytes(size_t n, bool no_wants)
{
	char dir[64];
	char path[128];
	char *text = flows_policy(n);
	struct rec r = { 0 };
	struct fwc_xml_sink sink = { rec_take, rec_reset, &r, rec_wants };
	struct fwc_xml_limits tree_lim = fwc_xml_default_limits;
	struct read full;
	struct read part;
	size_t bytes;

	if (no_wants)
		sink.wants = NULL;
	temp_dir(dir, sizeof(dir));
	write_file(dir, "p.xml", text, "");
	snprintf(path, sizeof(path), "%s/p.xml", dir);
	tree_lim.path = FWC_XML_PATH_TREE;
	read_with(&full, path, NULL, &tree_lim);
	read_with(&part, path, &sink, NULL);
	assert_int_equal(full.rc, 0);
	assert_int_equal(part.rc, 0);
	assert_int_equal(r.resets, 0);
	assert_int_equal(r.n, n);
	assert_int_equal(r.wanted, no_wants ? 0 : n);
	assert_int_equal(part.root->n_kids, 2);
	assert_int_equal(full.root->n_kids, n + 2);
	same_split(full.root, part.root, &r);
	bytes = fwc_arena_size(part.t);
	rec_free(&r);
	read_done(&full);
	read_done(&part);
	remove_file(dir, "p.xml");
	rmdir(dir);
	free(text);
	return bytes;
}

/* Taken flows leave nothing in the tree: its arena is the same for 2,000
 * flows as for 40,000. Without wants(), their attribute arrays stay in
 * the tree (the test can tell). */
static void
test_flow_stream_tree_holds_no_flows(void **state)
{
	size_t small;
	size_t big;
	size_t kept;

	(void)state;
	small = tree_bytes(2000, false);
	big = tree_bytes(40000, false);
	kept = tree_bytes(40000, true);
	printf("flow sink: tree arena %zu bytes for 2,000 flows, %zu for "
	       "40,000, %zu for 40,000 without wants()\n",
	    small, big, kept);
	assert_int_equal(small, big);
	assert_true(kept >= big + (size_t)40000 * 3 * sizeof(struct fwc_xattr));
}

/* Flows the sink declines stay in the tree with their attributes, among
 * the others in document order. */
static void
test_flow_stream_declined_stay(void **state)
{
	char dir[64];
	char path[128];
	char *text = flows_policy(1001);
	struct rec r = { 0 };
	struct fwc_xml_sink sink = { rec_take, rec_reset, &r, rec_wants };
	struct fwc_xml_limits tree_lim = fwc_xml_default_limits;
	struct read full;
	struct read part;

	(void)state;
	r.decline_of = 3;
	temp_dir(dir, sizeof(dir));
	write_file(dir, "p.xml", text, "");
	snprintf(path, sizeof(path), "%s/p.xml", dir);
	tree_lim.path = FWC_XML_PATH_TREE;
	read_with(&full, path, NULL, &tree_lim);
	read_with(&part, path, &sink, NULL);
	assert_int_equal(full.rc, 0);
	assert_int_equal(part.rc, 0);
	assert_int_equal(r.offered, 1001);
	assert_int_equal(r.n, 1001 - 1001 / 3);
	assert_int_equal(part.root->n_kids, 2 + 1001 / 3);
	same_split(full.root, part.root, &r);
	rec_free(&r);
	read_done(&full);
	read_done(&part);
	remove_file(dir, "p.xml");
	rmdir(dir);
	free(text);
}

/* The reader gives up on a file after taking flows: everything taken is
 * forgotten (reset()) and libxml2 reads the whole tree. */
static void
test_flow_stream_give_up_resets(void **state)
{
	char dir[64];
	char path[128];
	char *text = flows_policy(100);
	struct rec r = { 0 };
	struct fwc_xml_sink sink = { rec_take, rec_reset, &r, rec_wants };
	struct read part;
	struct text t = { 0 };
	const char *end = strstr(text, "<boundary");

	(void)state;
	/* A processing instruction before the last element: valid, outside
	 * our reader's subset. */
	assert_non_null(end);
	add(&t, "%.*s<?pi x?>%s", (int)(end - text), text, end);
	temp_dir(dir, sizeof(dir));
	write_file(dir, "p.xml", t.s, "");
	snprintf(path, sizeof(path), "%s/p.xml", dir);
	read_with(&part, path, &sink, NULL);
	assert_int_equal(part.rc, 0);
	assert_int_equal(r.resets, 1);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.offered, 100);
	assert_int_equal(part.root->n_kids, 102);
	read_done(&part);
	rec_free(&r);
	remove_file(dir, "p.xml");
	rmdir(dir);
	free(t.s);
	free(text);
}

/*
 * The parser: flows in document order over all files, includes expanded
 * at their place, the same messages.
 */

#define MAX_FILES 4
#define MAX_ITEMS 128

static const char *const file_names[MAX_FILES] = { "main.xml", "inc1.xml",
	"inc2.xml", "inc3.xml" };

/* What a file holds, in order: a flow (include < 0) or an include. */
struct item {
	int include; /* the file included, or -1 */
	unsigned int line;
	char name[32]; /* "" when unnamed */
};

struct file {
	struct text t;
	unsigned int lines; /* written so far */
	struct item items[MAX_ITEMS];
	size_t n_items;
};

struct policy_set {
	struct file f[MAX_FILES];
	unsigned int kind; /* the next flow's shape */
	unsigned int bad_names;
	/* 0: clean flows only; 1: every shape, a majority reported; 2:
	 * clean flows with one that reports (alternately a bad name and an
	 * empty list) every 11 flows. */
	int mode;
};

static void
line(struct file *f, const char *s)
{
	add(&f->t, "%s\n", s);
	f->lines++;
}

static void
include(struct file *f, int which)
{
	struct item *it = &f->items[f->n_items++];

	it->include = which;
	it->line = f->lines + 1;
	add(&f->t, "<include href=\"%s\"/>\n", file_names[which]);
	f->lines++;
}

/* n flows of every shape, clean ones and ones that parse_flow() reports
 * (the sink leaves those in the tree), mixed. */
static void
flows(struct policy_set *ps, int which, size_t n)
{
	struct file *f = &ps->f[which];

	for (size_t i = 0; i < n; i++) {
		struct item *it = &f->items[f->n_items++];
		unsigned int c = ps->kind++;
		unsigned int k = ps->mode == 1 ? c % 7 : c % 3;

		if (ps->mode == 2 && c % 11 == 10)
			k = c % 22 == 10 ? 3 : 4;

		assert_true(f->n_items <= MAX_ITEMS);
		it->include = -1;
		it->line = f->lines + 1;
		snprintf(it->name, sizeof(it->name), "%s-%u", file_names[which],
		    it->line);
		switch (k) {
		case 0:
			add(&f->t,
			    "<allow name=\"%s\" from=\"a\" to=\"b c\" "
			    "service=\"web\"/>\n",
			    it->name);
			f->lines++;
			break;
		case 1:
			it->name[0] = '\0';
			line(f, "  <deny from=\"a\" to=\"b\" service=\"web\" "
				"log=\"on\"></deny>");
			break;
		case 2:
			add(&f->t,
			    "<reject name=\"%s\" description=\"d\" "
			    "from=\"a\"\n    to=\"b\" service=\"web\" "
			    "scope=\"none\" via=\"px\" bidirectional=\"true\""
			    "/>\n",
			    it->name);
			f->lines += 2;
			break;
		case 3:
			snprintf(it->name, sizeof(it->name), "bad!%u",
			    ps->bad_names++);
			add(&f->t,
			    "<allow name=\"%s\" from=\"a\" to=\"b\" "
			    "service=\"web\"/>\n",
			    it->name);
			f->lines++;
			break;
		case 4:
			it->name[0] = '\0';
			line(f, "<deny from=\"\" to=\"b\" service=\"web\"/>");
			break;
		case 5:
			add(&f->t,
			    "<allow name=\"%s\" from=\"a\" to=\"b\" "
			    "service=\" \t\"/>\n",
			    it->name);
			f->lines++;
			break;
		default:
			add(&f->t,
			    "<reject name=\"%s\" from=\"a\" to=\"\" "
			    "service=\"\"/>\n",
			    it->name);
			f->lines++;
		}
	}
}

static void
head(struct file *f, const char *name)
{
	add(&f->t, "<policy name=\"%s\" version=\"1\">\n", name);
	f->lines++;
}

/* The files of the ordering tests: includes among flows, one file
 * included twice (read once), flows before and after every include. */
static void
policy_set(struct policy_set *ps, int mode)
{
	memset(ps, 0, sizeof(*ps));
	ps->mode = mode;
	head(&ps->f[0], "main");
	line(&ps->f[0], "<service name=\"web\"><port protocol=\"tcp\" "
			"port=\"80\"/></service>");
	flows(ps, 0, 3);
	include(&ps->f[0], 1);
	flows(ps, 0, 9);
	line(&ps->f[0], "<boundary name=\"a\"><subnet>10.0.0.0/24</subnet>"
			"</boundary>");
	flows(ps, 0, 2);
	include(&ps->f[0], 2);
	flows(ps, 0, 8);
	include(&ps->f[0], 1);
	flows(ps, 0, 5);
	line(&ps->f[0], "</policy>");

	head(&ps->f[1], "inc1");
	flows(ps, 1, 7);
	include(&ps->f[1], 3);
	flows(ps, 1, 7);
	line(&ps->f[1], "</policy>");

	head(&ps->f[2], "inc2");
	include(&ps->f[2], 3);
	flows(ps, 2, 11);
	line(&ps->f[2], "</policy>");

	head(&ps->f[3], "inc3");
	flows(ps, 3, 6);
	line(&ps->f[3], "<role name=\"r\"><boundary ref=\"a\"/></role>");
	flows(ps, 3, 3);
	line(&ps->f[3], "</policy>");
}

/* The flows of file which in document order, includes expanded (each
 * file read once), appended to out. */
static void
expected_order(const struct policy_set *ps, int which, bool *read,
    const struct item **out, size_t *n)
{
	read[which] = true;
	for (size_t i = 0; i < ps->f[which].n_items; i++) {
		const struct item *it = &ps->f[which].items[i];

		if (it->include < 0)
			out[(*n)++] = it;
		else if (!read[it->include])
			expected_order(ps, it->include, read, out, n);
	}
}

static void
write_set(const struct policy_set *ps, const char *dir, const char *tail)
{
	for (int i = 0; i < MAX_FILES; i++)
		write_file(dir, file_names[i], ps->f[i].t.s, tail);
}

static void
free_set(struct policy_set *ps, const char *dir)
{
	for (int i = 0; i < MAX_FILES; i++) {
		free(ps->f[i].t.s);
		remove_file(dir, file_names[i]);
	}
	rmdir(dir);
}

struct parsed {
	struct fwc_arena *a;
	struct fwc_policy *p;
	int rc;
	bool stopped;
	char *msgs;
	size_t len;
};

static void
parse_set(struct parsed *out, const char *dir, bool sorted)
{
	char path[128];
	struct fwc_diag dg;
	FILE *f = open_memstream(&out->msgs, &out->len);

	assert_non_null(f);
	snprintf(path, sizeof(path), "%s/main.xml", dir);
	out->a = fwc_arena_new();
	fwc_diag_init(&dg, f);
	dg.sorted = sorted;
	out->rc = fwc_parse_file(out->a, &dg, NULL, path, &out->p);
	out->stopped = dg.stopped;
	fwc_diag_flush(&dg);
	fwc_diag_release(&dg);
	fclose(f);
}

static void
parsed_free(struct parsed *p)
{
	free(p->msgs);
	fwc_arena_release(p->a);
}

static void
same_str(const char *a, const char *b)
{
	if (a == NULL)
		assert_null(b);
	else
		assert_string_equal(a, b);
}

static void
same_pos(struct fwc_pos a, struct fwc_pos b)
{
	assert_int_equal(a.line, b.line);
	assert_int_equal(a.col, b.col);
}

static void
same_flow(const struct fwc_flow *x, const struct fwc_flow *y)
{
	same_str(x->name, y->name);
	assert_string_equal(x->id, y->id);
	assert_true(same_loc(&x->loc, &y->loc));
	assert_string_equal(x->from_attr, y->from_attr);
	assert_string_equal(x->to_attr, y->to_attr);
	assert_string_equal(x->service_attr, y->service_attr);
	same_pos(x->from_pos, y->from_pos);
	same_pos(x->to_pos, y->to_pos);
	same_pos(x->service_pos, y->service_pos);
	assert_int_equal(x->index, y->index);
	assert_int_equal(x->action, y->action);
	assert_int_equal(x->log, y->log);
	assert_int_equal(x->bidirectional, y->bidirectional);
	if (x->opt == NULL) {
		assert_null(y->opt);
		return;
	}
	assert_non_null(y->opt);
	same_str(x->opt->description, y->opt->description);
	same_str(x->opt->scope, y->opt->scope);
	same_str(x->opt->via, y->opt->via);
	assert_true(same_loc(&x->opt->scope_loc, &y->opt->scope_loc));
	assert_true(same_loc(&x->opt->via_loc, &y->opt->via_loc));
}

/* Parses the set with flows taken (our reader) and with every file read
 * by libxml2 (a processing instruction after the root makes our reader
 * give up): the same result, flows and messages. Returns the number of
 * flows. */
static size_t
compare_paths(
    struct policy_set *ps, const char *dir, bool sorted, bool *stopped)
{
	struct parsed taken;
	struct parsed tree;
	char path[128];
	struct fwc_xml_limits scan_only = fwc_xml_default_limits;
	struct read rd;
	size_t n;

	write_set(ps, dir, "<?pi x?>\n");
	/* Our reader gives up on every file of this version. */
	scan_only.path = FWC_XML_PATH_SCAN;
	for (int i = 0; i < MAX_FILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, file_names[i]);
		read_with(&rd, path, NULL, &scan_only);
		assert_int_equal(rd.rc, -1);
		read_done(&rd);
	}
	parse_set(&tree, dir, sorted);
	write_set(ps, dir, "");
	for (int i = 0; i < MAX_FILES; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, file_names[i]);
		read_with(&rd, path, NULL, &scan_only);
		assert_int_equal(rd.rc, 0);
		read_done(&rd);
	}
	parse_set(&taken, dir, sorted);
	assert_int_equal(taken.rc, tree.rc);
	assert_int_equal(taken.stopped, tree.stopped);
	assert_string_equal(taken.msgs, tree.msgs);
	assert_int_equal(taken.p->flows.n, tree.p->flows.n);
	for (size_t i = 0; i < taken.p->flows.n; i++)
		same_flow(taken.p->flows.v[i], tree.p->flows.v[i]);
	n = taken.p->flows.n;
	*stopped = taken.stopped;
	/* And in the order the files were written. */
	{
		const struct item *order[MAX_FILES * MAX_ITEMS];
		bool read[MAX_FILES] = { false };
		size_t n_order = 0;

		expected_order(ps, 0, read, order, &n_order);
		assert_true(n <= n_order);
		if (!taken.stopped)
			assert_int_equal(n, n_order);
		for (size_t i = 0; i < n; i++) {
			const struct fwc_flow *f = taken.p->flows.v[i];
			const char *file = strrchr(f->loc.file, '/');

			assert_int_equal(f->index, i);
			assert_int_equal(f->loc.line, order[i]->line);
			assert_non_null(file);
			if (order[i]->name[0] == '\0')
				assert_null(f->name);
			else
				assert_string_equal(f->name, order[i]->name);
			/* the item's file: the one whose items hold it */
			for (int j = 0; j < MAX_FILES; j++)
				if (order[i] >= ps->f[j].items &&
				    order[i] < ps->f[j].items + MAX_ITEMS)
					assert_string_equal(
					    file + 1, file_names[j]);
		}
	}
	parsed_free(&taken);
	parsed_free(&tree);
	return n;
}

/* Clean flows only: all taken, placed among the included files' flows in
 * document order, numbered in that order. */
static void
test_flow_stream_order_with_includes(void **state)
{
	struct policy_set ps;
	char dir[64];
	bool stopped;
	size_t n;

	(void)state;
	temp_dir(dir, sizeof(dir));
	policy_set(&ps, 0);
	n = compare_paths(&ps, dir, false, &stopped);
	assert_false(stopped);
	assert_int_equal(n, 3 + 9 + 2 + 8 + 5 + 7 + 7 + 11 + 6 + 3);
	free_set(&ps, dir);
}

/* Flows that parse_flow() reports (a bad name, empty lists) stay in the
 * tree and are read where they are: the same flows and messages, in
 * plain and in sorted output, up to the error limit (20), where reading
 * stops at the same flow. */
static void
test_flow_stream_reported_flows(void **state)
{
	struct policy_set ps;
	char dir[64];
	bool stopped;
	size_t n;

	(void)state;
	temp_dir(dir, sizeof(dir));
	policy_set(&ps, 1);
	n = compare_paths(&ps, dir, false, &stopped);
	printf("flow sink: %zu flows read before the error limit\n", n);
	assert_true(stopped);
	assert_true(n > 20);
	(void)compare_paths(&ps, dir, true, &stopped);
	assert_true(stopped);
	free_set(&ps, dir);
}

/* A few reported flows, under the error limit: every flow is read. */
static void
test_flow_stream_some_reported(void **state)
{
	struct policy_set ps;
	char dir[64];
	bool stopped;
	size_t n;

	(void)state;
	temp_dir(dir, sizeof(dir));
	policy_set(&ps, 2);
	n = compare_paths(&ps, dir, false, &stopped);
	assert_false(stopped);
	assert_int_equal(n, 3 + 9 + 2 + 8 + 5 + 7 + 7 + 11 + 6 + 3);
	(void)compare_paths(&ps, dir, true, &stopped);
	assert_false(stopped);
	free_set(&ps, dir);
}

/* The error limit reached at the last element left in the tree, taken
 * flows after it: reading stops there, and they are not read either. */
static void
test_flow_stream_limit_at_last_kept(void **state)
{
	struct policy_set ps;
	char dir[64];
	bool stopped;
	size_t n;

	(void)state;
	temp_dir(dir, sizeof(dir));
	memset(&ps, 0, sizeof(ps));
	head(&ps.f[0], "main");
	ps.mode = 1;
	for (int i = 0; i < 20; i++) {
		ps.kind = 3; /* a bad name */
		flows(&ps, 0, 1);
	}
	ps.mode = 0;
	flows(&ps, 0, 3);
	line(&ps.f[0], "</policy>");
	for (int i = 1; i < MAX_FILES; i++) {
		head(&ps.f[i], "unused");
		line(&ps.f[i], "</policy>");
	}
	n = compare_paths(&ps, dir, false, &stopped);
	assert_true(stopped);
	assert_int_equal(n, 20);
	free_set(&ps, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_stream_tree_holds_no_flows),
		cmocka_unit_test(test_flow_stream_declined_stay),
		cmocka_unit_test(test_flow_stream_give_up_resets),
		cmocka_unit_test(test_flow_stream_order_with_includes),
		cmocka_unit_test(test_flow_stream_reported_flows),
		cmocka_unit_test(test_flow_stream_some_reported),
		cmocka_unit_test(test_flow_stream_limit_at_last_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
