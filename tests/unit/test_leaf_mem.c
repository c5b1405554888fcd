/* What reading a large address list costs (compiler/xml_scan.c,
 * compiler/xml.c, compiler/parse.c). A boundary of 100,000 <subnet>s
 * used to become 100,000 tree nodes of 80 bytes and their text, in a
 * file buffer of its own: now the reader hands each leaf to the caller's
 * sink as it closes (parse.c turns it into its interval at once), and a
 * large file is read through a private mapping whose pages the reader
 * drops as it passes them. These tests fail when either saving is undone
 * and check that the sink sees exactly what the tree would have held. */
#include <dirent.h>
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

#define N_BIG 100000

/* One leaf as the sink saw it. */
struct seen {
	const char *name;
	struct fwc_loc loc;
	char *text; /* copy, or NULL */
	struct fwc_loc text_loc;
	struct fwc_loc parent_loc;
};

struct rec {
	struct seen *v;
	size_t n;
	size_t cap;
	unsigned int resets;
	unsigned int take_depth; /* the parent depth taken from, 0: any */
	/* For the drop test: the Rss of the file's mapping at the last
	 * leaf, in kB (-1: not found). */
	const char *path;
	long map_rss_kb;
	size_t probe_at;
	/* For the truncation test: truncate path at this leaf. */
	size_t truncate_at;
};

static bool
is_leaf(const struct fwc_xnode *k)
{
	return k->n_attrs == 0 && k->n_kids == 0;
}

/* The Rss of path's mapping in /proc/self/smaps, in kB, or -1. */
static long
mapping_rss_kb(const char *path)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[4096];
	bool in = false;
	long kb = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);

		unsigned long lo;
		unsigned long hi;

		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		/* A mapping's first line: "lo-hi perms offset dev inode
		 * path". */
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in = len >= strlen(path) &&
			     strcmp(line + len - strlen(path), path) == 0;
			continue;
		}
		if (in && strncmp(line, "Rss:", 4) == 0) {
			kb = strtol(line + 4, NULL, 10);
			in = false;
		}
	}
	fclose(f);
	return kb;
}

static bool
rec_take(void *ctx, const struct fwc_xnode *parent, unsigned int depth,
    const struct fwc_xnode *kid)
{
	struct rec *r = ctx;
	struct seen s;

	if (!is_leaf(kid) || (r->take_depth != 0 && depth != r->take_depth))
		return false;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 1024;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
		assert_non_null(r->v);
	}
	s.name = kid->name;
	s.loc = kid->loc;
	s.text = kid->text != NULL ? strdup(kid->text) : NULL;
	s.text_loc = kid->text_loc;
	s.parent_loc = parent->loc;
	r->v[r->n++] = s;
	if (r->path != NULL && r->n == r->probe_at)
		r->map_rss_kb = mapping_rss_kb(r->path);
	if (r->path != NULL && r->n == r->truncate_at)
		assert_int_equal(truncate(r->path, 4096), 0);
	return true;
}

static void
rec_reset(void *ctx)
{
	struct rec *r = ctx;

	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].text);
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

/* Walks the whole tree t (read without a sink) and the tree s read with
 * r's sink: every leaf of t under a parent of depth r->take_depth (or
 * any) must be the next leaf r saw, with the same name, position, text
 * and parent; everything else must be in s, in order. */
static void
same_split(const struct fwc_xnode *t, const struct fwc_xnode *s,
    unsigned int depth, const struct rec *r, size_t *next)
{
	size_t j = 0;

	assert_string_equal(t->name, s->name);
	assert_true(same_loc(&t->loc, &s->loc));
	for (size_t i = 0; i < t->n_kids; i++) {
		const struct fwc_xnode *k = &t->kids[i];

		if (is_leaf(k) &&
		    (r->take_depth == 0 || depth == r->take_depth)) {
			const struct seen *v = &r->v[*next];

			assert_true(*next < r->n);
			(*next)++;
			assert_string_equal(v->name, k->name);
			assert_true(same_loc(&v->loc, &k->loc));
			assert_true(same_loc(&v->parent_loc, &t->loc));
			assert_true(same_loc(&v->text_loc, &k->text_loc));
			if (k->text == NULL)
				assert_null(v->text);
			else
				assert_string_equal(v->text, k->text);
			continue;
		}
		assert_true(j < s->n_kids);
		same_split(k, &s->kids[j++], depth + 1, r, next);
	}
	assert_int_equal(j, s->n_kids);
}

/* Reads path with and without a sink (taking leaves at take_depth, 0:
 * all) and compares; returns whether the file was valid. */
static bool
check_file(const char *path, unsigned int take_depth)
{
	struct fwc_arena *a = fwc_arena_new();
	struct fwc_arena *t1 = fwc_arena_new();
	struct fwc_arena *t2 = fwc_arena_new();
	struct fwc_diag dg1;
	struct fwc_diag dg2;
	struct fwc_xnode *full = NULL;
	struct fwc_xnode *part = NULL;
	struct rec r = { 0 };
	struct fwc_xml_sink sink = { rec_take, rec_reset, &r, NULL };
	int rc1;
	int rc2;
	size_t next = 0;
	char *m1 = NULL;
	char *m2 = NULL;
	size_t n1 = 0;
	size_t n2 = 0;
	FILE *f1 = open_memstream(&m1, &n1);
	FILE *f2 = open_memstream(&m2, &n2);

	assert_non_null(f1);
	assert_non_null(f2);
	r.take_depth = take_depth;
	fwc_diag_init(&dg1, f1);
	fwc_diag_init(&dg2, f2);
	rc1 = fwc_xml_parse_file_tree(a, t1, &dg1, path, NULL, &full);
	rc2 = fwc_xml_parse_file_sink(a, t2, &dg2, path, NULL, &sink, &part);
	fclose(f1);
	fclose(f2);
	assert_int_equal(rc1, rc2);
	assert_int_equal(dg1.errors, dg2.errors);
	assert_string_equal(m1, m2);
	free(m1);
	free(m2);
	if (rc1 == 0) {
		same_split(full, part, 1, &r, &next);
		assert_int_equal(next, r.n);
	} else {
		/* libxml2 built the tree: nothing may stay taken. */
		assert_int_equal(r.n, 0);
	}
	rec_free(&r);
	fwc_arena_release(t1);
	fwc_arena_release(t2);
	fwc_arena_release(a);
	return rc1 == 0;
}

static void
walk(const char *dir, unsigned int *files, unsigned int *valid)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (len > 4 && strcmp(e->d_name + len - 4, ".xml") == 0) {
			(*files)++;
			*valid += check_file(path, 0);
			(void)check_file(path, 2);
		} else if (strchr(e->d_name, '.') == NULL) {
			walk(path, files, valid);
		}
	}
	closedir(d);
}

/* Every policy of the tests, examples and library: what the sink takes
 * is exactly the leaves of the tree, in order, and the rest of the tree
 * is unchanged. */
static void
test_leaf_mem_sink_sees_the_tree(void **state)
{
	unsigned int files = 0;
	unsigned int valid = 0;

	(void)state;
	walk("tests/golden", &files, &valid);
	walk("examples", &files, &valid);
	walk("policies", &files, &valid);
	walk("tests/hostile", &files, &valid);
	printf("leaf sink: %u files, %u valid\n", files, valid);
	assert_true(files > 50);
	assert_true(valid > 40);
}

/* Writes a policy of one boundary of n subnets (and a few other leaves)
 * to a temporary file; returns its path (static). */
static const char *
big_policy(size_t n)
{
	static char path[] = "/tmp/fwc-leaf-mem-XXXXXX";
	FILE *f;
	int fd;

	strcpy(path, "/tmp/fwc-leaf-mem-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "<policy name=\"big\" version=\"1\">\n<boundary "
		   "name=\"b\">\n");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "<subnet>10.%zu.%zu.%zu/32</subnet>\n",
		    (2 * i) >> 16 & 255, (2 * i) >> 8 & 255, (2 * i) & 255);
	fprintf(f, "</boundary>\n<host name=\"h\"><address>10.0.0.1"
		   "</address></host>\n</policy>\n");
	assert_int_equal(fclose(f), 0);
	return path;
}

/* One read of a policy of N_BIG subnets (big_policy()) with the
 * recording sink r set up by the caller; diagnostics go to out. With
 * watch, r acts on the file (probe_at, truncate_at). */
struct big_run {
	const char *path;
	struct fwc_arena *a;
	struct fwc_arena *t;
	struct fwc_diag dg;
	struct fwc_xnode *root;
	int rc;
};

static void
big_read(struct big_run *b, struct rec *r, FILE *out, bool watch)
{
	struct fwc_xml_sink sink = { rec_take, rec_reset, r, NULL };

	b->path = big_policy(N_BIG);
	b->a = fwc_arena_new();
	b->t = fwc_arena_new();
	b->root = NULL;
	if (watch)
		r->path = b->path;
	fwc_diag_init(&b->dg, out);
	b->rc = fwc_xml_parse_file_sink(
	    b->a, b->t, &b->dg, b->path, NULL, &sink, &b->root);
}

static void
big_done(struct big_run *b, struct rec *r)
{
	rec_free(r);
	fwc_arena_release(b->t);
	fwc_arena_release(b->a);
	unlink(b->path);
}

/* A boundary of 100,000 subnets, its leaves taken: the tree's arena
 * holds a few nodes, not 100,000 (8 MB with a node each). */
static void
test_leaf_mem_tree_bytes(void **state)
{
	struct big_run b;
	struct rec r = { 0 };

	(void)state;
	r.take_depth = 2;
	big_read(&b, &r, stderr, false);
	assert_int_equal(b.rc, 0);
	assert_int_equal(r.n, N_BIG + 1);
	assert_int_equal(r.resets, 0);
	assert_int_equal(b.root->n_kids, 2);
	assert_int_equal(b.root->kids[0].n_kids, 0);
	printf("leaf sink: tree arena %zu bytes for %d leaves taken\n",
	    fwc_arena_size(b.t), N_BIG);
	assert_true(fwc_arena_size(b.t) < (size_t)N_BIG * 4);
	big_done(&b, &r);
}

/* A 3 MB file is read through a mapping whose passed pages are dropped:
 * near its end, the mapping holds well under the file's size. */
static void
test_leaf_mem_file_pages_dropped(void **state)
{
	struct big_run b;
	struct rec r = { 0 };

	(void)state;
	r.probe_at = N_BIG - 10;
	r.map_rss_kb = -2;
	big_read(&b, &r, stderr, true);
	assert_int_equal(b.rc, 0);
	printf("leaf sink: file mapping resident near the end: %ld kB of "
	       "%d kB\n",
	    r.map_rss_kb, N_BIG * 32 / 1024);
	assert_true(r.map_rss_kb >= 0); /* read through a mapping */
	assert_true(r.map_rss_kb < 1024);
	big_done(&b, &r);
}

/* The file shrinks while the reader reads its mapping: the reader gives
 * up (SIGBUS), what was taken is forgotten, and the file is read again
 * as it is now and reported on by libxml2. */
static void
test_leaf_mem_file_shrinks(void **state)
{
	struct big_run b;
	struct rec r = { 0 };
	FILE *null = fopen("/dev/null", "w");

	(void)state;
	assert_non_null(null);
	r.truncate_at = 1000;
	big_read(&b, &r, null, true);
	assert_int_equal(b.rc, -1);
	assert_null(b.root);
	assert_int_equal(r.resets, 1);
	assert_int_equal(r.n, 0);
	assert_true(b.dg.errors > 0);
	fclose(null);
	big_done(&b, &r);
}

static bool
same_ivls(const struct fwc_ivls *x, const struct fwc_ivls *y)
{
	return x->n4 == y->n4 && x->n6 == y->n6 &&
	       (x->n4 + x->n6 == 0 ||
		   memcmp(x->v, y->v, (x->n4 + x->n6) * sizeof(*x->v)) == 0);
}

static bool
same_items(
    const struct fwc_item *x, size_t nx, const struct fwc_item *y, size_t ny)
{
	if (nx != ny)
		return false;
	for (size_t i = 0; i < nx; i++)
		if (x[i].kind != y[i].kind ||
		    strcmp(x[i].value, y[i].value) != 0 ||
		    !same_loc(&x[i].loc, &y[i].loc) ||
		    !same_loc(&x[i].vloc, &y[i].vloc))
			return false;
	return true;
}

/* parse.c takes the addresses from the reader (fwc_parse_file) or reads
 * them from the tree (fwc_parse_buffer, which has no sink): the same
 * intervals in the same order, the same items left, the same messages,
 * on a large list that mixes families, kinds and values that do not
 * parse. */
static void
test_leaf_mem_parse_same_policy(void **state)
{
	static char path[] = "/tmp/fwc-leaf-mix-XXXXXX";
	struct fwc_arena *a1 = fwc_arena_new();
	struct fwc_arena *a2 = fwc_arena_new();
	struct fwc_diag dg1;
	struct fwc_diag dg2;
	struct fwc_policy *p1 = NULL;
	struct fwc_policy *p2 = NULL;
	char *m1 = NULL;
	char *m2 = NULL;
	size_t n1 = 0;
	size_t n2 = 0;
	FILE *f1 = open_memstream(&m1, &n1);
	FILE *f2 = open_memstream(&m2, &n2);
	char *buf;
	long len;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w+");
	assert_non_null(f);
	fprintf(f, "<policy name=\"mix\" version=\"1\">\n");
	for (int b = 0; b < 3; b++) {
		fprintf(f, "<boundary name=\"b%d\">\n", b);
		for (int i = 0; i < 40000; i++) {
			if (i % 7 == 3)
				fprintf(f,
				    "<subnet>2001:db8::%x:%x/128</subnet>\n", b,
				    i);
			else if (i % 5003 == 17)
				fprintf(
				    f, "<subnet>10.%d.0.300/32</subnet>\n", b);
			else if (i % 9001 == 5)
				fprintf(f, "<subnet/>\n");
			else if (i % 7001 == 6)
				fprintf(f, "<boundary ref=\"b%d\"/>\n", b);
			else if (i % 6007 == 8)
				fprintf(f,
				    "<range> 10.%d.1.1-10.%d.1.9 </range>\n",
				    b + 100, b + 100);
			else
				fprintf(f, "<subnet>10.%d.%d.%d/32</subnet>\n",
				    b, i >> 8 & 255, i & 255);
		}
		fprintf(f, "</boundary>\n");
		fprintf(f,
		    "<host name=\"h%d\"><address>172.16.0.%d</address>"
		    "<address>fd00::%d</address></host>\n",
		    b, b, b);
		fprintf(f,
		    "<host name=\"x%d\"><address>172.16.0.0/24"
		    "</address></host>\n",
		    b);
	}
	fprintf(f, "<endpoint name=\"e\"><fqdn>a.example</fqdn><address>"
		   "192.0.2.1</address></endpoint>\n</policy>\n");
	assert_int_equal(fflush(f), 0);
	len = ftell(f);
	assert_true(len > 1 << 20); /* read through a mapping */
	buf = malloc((size_t)len);
	assert_non_null(buf);
	rewind(f);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	assert_non_null(f1);
	assert_non_null(f2);
	fwc_diag_init(&dg1, f1);
	fwc_diag_init(&dg2, f2);
	assert_int_equal(fwc_parse_file(a1, &dg1, NULL, path, &p1),
	    fwc_parse_buffer(a2, &dg2, NULL, path, buf, (size_t)len, &p2));
	fwc_diag_flush(&dg1);
	fwc_diag_flush(&dg2);
	fwc_diag_release(&dg1);
	fwc_diag_release(&dg2);
	fclose(f1);
	fclose(f2);
	assert_string_equal(m1, m2);
	assert_int_equal(p1->boundaries.n, 3);
	assert_int_equal(p2->boundaries.n, 3);
	for (size_t i = 0; i < 3; i++) {
		const struct fwc_boundary *x = p1->boundaries.v[i];
		const struct fwc_boundary *y = p2->boundaries.v[i];

		assert_true(x->pre.n4 > 30000 && x->pre.n6 > 5000);
		assert_true(same_ivls(&x->pre, &y->pre));
		assert_true(x->n_items > 5);
		assert_true(
		    same_items(x->items, x->n_items, y->items, y->n_items));
	}
	assert_int_equal(p1->hosts.n, 6);
	for (size_t i = 0; i < p1->hosts.n; i++) {
		assert_true(
		    same_ivls(&p1->hosts.v[i]->pre, &p2->hosts.v[i]->pre));
		assert_true(
		    same_items(p1->hosts.v[i]->items, p1->hosts.v[i]->n_items,
			p2->hosts.v[i]->items, p2->hosts.v[i]->n_items));
	}
	assert_true(
	    same_ivls(&p1->endpoints.v[0]->pre, &p2->endpoints.v[0]->pre));
	assert_int_equal(p1->endpoints.v[0]->pre.n4, 1);
	free(m1);
	free(m2);
	free(buf);
	fwc_arena_release(a1);
	fwc_arena_release(a2);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf_mem_sink_sees_the_tree),
		cmocka_unit_test(test_leaf_mem_tree_bytes),
		cmocka_unit_test(test_leaf_mem_file_pages_dropped),
		cmocka_unit_test(test_leaf_mem_file_shrinks),
		cmocka_unit_test(test_leaf_mem_parse_same_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
