/* Unit tests of streaming buffers (fwc_strbuf_flush() and a sink): what
 * reaches the sink is exactly what a buffer without one would hold, the
 * buffer stays small, and a failed write is reported once, at the end. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fwc/strbuf.h"

/* A sink that collects into a plain buffer, or fails from a given call
 * on. */
struct mem_sink {
	struct fwc_strbuf_sink k; /* first */
	char *text;
	size_t len;
	size_t calls;
	size_t fail_from; /* 0 = never fails */
	size_t max_write; /* largest single write */
};

static int
mem_write(struct fwc_strbuf_sink *k, const char *buf, size_t len)
{
	struct mem_sink *m = (struct mem_sink *)(void *)k;

	m->calls++;
	if (m->fail_from != 0 && m->calls >= m->fail_from) {
		errno = ENOSPC;
		return -1;
	}
	m->text = realloc(m->text, m->len + len + 1);
	assert_non_null(m->text);
	memcpy(m->text + m->len, buf, len);
	m->len += len;
	m->text[m->len] = '\0';
	if (len > m->max_write)
		m->max_write = len;
	return 0;
}

/* Writes n numbered lines, flushing after each, the way backends do. */
static void
produce(struct fwc_strbuf *sb, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fwc_strbuf_addf(sb, "rule %zu accept", i);
		fwc_strbuf_addc(sb, '\n');
		fwc_strbuf_flush(sb);
	}
}

static void
test_sink_gets_same_text(void **state)
{
	struct fwc_strbuf plain;
	struct fwc_strbuf sb;
	struct mem_sink m;
	size_t lines = 200000; /* about 4 MB: several chunks */

	(void)state;
	memset(&m, 0, sizeof(m));
	m.k.write = mem_write;
	fwc_strbuf_init(&plain);
	produce(&plain, lines);
	assert_true(plain.len > 3 * FWC_STRBUF_CHUNK);
	fwc_strbuf_init(&sb);
	sb.sink = &m.k;
	produce(&sb, lines);
	/* Never more than a chunk and one line held. */
	assert_true(sb.len < FWC_STRBUF_CHUNK);
	assert_true(m.calls >= 3);
	assert_int_equal(fwc_strbuf_finish(&sb), 0);
	assert_int_equal(sb.len, 0);
	assert_int_equal(m.len, plain.len);
	assert_memory_equal(m.text, plain.buf, plain.len);
	assert_true(m.max_write < FWC_STRBUF_CHUNK + 64);
	free(m.text);
	fwc_strbuf_release(&sb);
	fwc_strbuf_release(&plain);
}

static void
test_no_sink_keeps_everything(void **state)
{
	struct fwc_strbuf sb;

	(void)state;
	fwc_strbuf_init(&sb);
	assert_null(sb.sink);
	produce(&sb, 100000);
	assert_true(sb.len > FWC_STRBUF_CHUNK);
	assert_int_equal(fwc_strbuf_finish(&sb), 0);
	assert_true(sb.len > FWC_STRBUF_CHUNK);
	assert_memory_equal(sb.buf, "rule 0 accept\nrule 1 accept\n", 28);
	assert_int_equal(sb.buf[sb.len], '\0');
	fwc_strbuf_release(&sb);
}

static void
test_small_text_written_at_finish(void **state)
{
	struct fwc_strbuf sb;
	struct mem_sink m;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.k.write = mem_write;
	fwc_strbuf_init(&sb);
	sb.sink = &m.k;
	produce(&sb, 3);
	assert_int_equal(m.calls, 0); /* below a chunk: nothing yet */
	assert_int_equal(fwc_strbuf_finish(&sb), 0);
	assert_int_equal(m.calls, 1);
	assert_string_equal(
	    m.text, "rule 0 accept\nrule 1 accept\nrule 2 accept\n");
	free(m.text);
	fwc_strbuf_release(&sb);
}

static void
test_failed_write_reported_at_finish(void **state)
{
	struct fwc_strbuf sb;
	struct mem_sink m;
	size_t calls;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.k.write = mem_write;
	m.fail_from = 2;
	fwc_strbuf_init(&sb);
	sb.sink = &m.k;
	produce(&sb, 200000);
	assert_int_equal(m.k.err, ENOSPC);
	/* After the failure nothing more is tried, and the text is
	 * dropped rather than kept. */
	assert_int_equal(m.calls, 2);
	assert_true(sb.len < FWC_STRBUF_CHUNK);
	calls = m.calls;
	errno = 0;
	assert_int_equal(fwc_strbuf_finish(&sb), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(m.calls, calls);
	free(m.text);
	fwc_strbuf_release(&sb);
}

static void
test_addn_flush_large_block(void **state)
{
	struct fwc_strbuf sb;
	struct mem_sink m;
	size_t n = 5 * FWC_STRBUF_CHUNK + 123;
	char *big = malloc(n);

	(void)state;
	assert_non_null(big);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	memset(&m, 0, sizeof(m));
	m.k.write = mem_write;
	fwc_strbuf_init(&sb);
	sb.sink = &m.k;
	fwc_strbuf_adds(&sb, "head\n");
	fwc_strbuf_addn_flush(&sb, big, n);
	assert_true(sb.cap <= 2 * FWC_STRBUF_CHUNK + 64);
	assert_int_equal(fwc_strbuf_finish(&sb), 0);
	assert_int_equal(m.len, n + 5);
	assert_memory_equal(m.text, "head\n", 5);
	assert_memory_equal(m.text + 5, big, n);
	free(m.text);
	free(big);
	fwc_strbuf_release(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sink_gets_same_text),
		cmocka_unit_test(test_no_sink_keeps_everything),
		cmocka_unit_test(test_small_text_written_at_finish),
		cmocka_unit_test(test_failed_write_reported_at_finish),
		cmocka_unit_test(test_addn_flush_large_block),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
