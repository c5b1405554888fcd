/* A small JSON reader (backends/json_read.h): recursive descent over the
 * text, with a depth limit, into a tree allocated from the arena. */
#include "json_read.h"

#include <stdlib.h>
#include <string.h>

#include "fwc/arena.h"
#include "fwc/strbuf.h"

struct jr {
	struct fwc_arena *a;
	const char *s;
	size_t len;
	size_t pos;
	uint32_t line;
	size_t bol; /* offset of the current line's first byte */
	const char *why;
	uint32_t eline;
	uint32_t ecol;
};

static uint32_t
col_of(const struct jr *r)
{
	return (uint32_t)(r->pos - r->bol) + 1;
}

static void
fail(struct jr *r, const char *why)
{
	if (r->why != NULL)
		return;
	r->why = why;
	r->eline = r->line;
	r->ecol = col_of(r);
}

static void
skip_ws(struct jr *r)
{
	while (r->pos < r->len) {
		char c = r->s[r->pos];

		if (c == '\n') {
			r->line++;
			r->bol = r->pos + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			return;
		}
		r->pos++;
	}
}

static bool
literal(struct jr *r, const char *w)
{
	size_t n = strlen(w);

	if (r->len - r->pos < n || memcmp(r->s + r->pos, w, n) != 0) {
		fail(r, "not a JSON value");
		return false;
	}
	r->pos += n;
	return true;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
hex4(struct jr *r, unsigned int *out)
{
	*out = 0;
	if (r->len - r->pos < 4) {
		fail(r, "short \\u escape");
		return false;
	}
	for (int i = 0; i < 4; i++) {
		int h = hexval(r->s[r->pos + (size_t)i]);

		if (h < 0) {
			fail(r, "bad \\u escape");
			return false;
		}
		*out = *out * 16 + (unsigned int)h;
	}
	r->pos += 4;
	return true;
}

static void
put_utf8(struct fwc_strbuf *sb, unsigned long cp)
{
	if (cp < 0x80) {
		fwc_strbuf_addc(sb, (char)cp);
	} else if (cp < 0x800) {
		fwc_strbuf_addc(sb, (char)(0xc0 | (cp >> 6)));
		fwc_strbuf_addc(sb, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		fwc_strbuf_addc(sb, (char)(0xe0 | (cp >> 12)));
		fwc_strbuf_addc(sb, (char)(0x80 | ((cp >> 6) & 0x3f)));
		fwc_strbuf_addc(sb, (char)(0x80 | (cp & 0x3f)));
	} else {
		fwc_strbuf_addc(sb, (char)(0xf0 | (cp >> 18)));
		fwc_strbuf_addc(sb, (char)(0x80 | ((cp >> 12) & 0x3f)));
		fwc_strbuf_addc(sb, (char)(0x80 | ((cp >> 6) & 0x3f)));
		fwc_strbuf_addc(sb, (char)(0x80 | (cp & 0x3f)));
	}
}

/* At the opening quote. */
static const char *
string(struct jr *r)
{
	struct fwc_strbuf sb;
	const char *res = NULL;

	r->pos++;
	fwc_strbuf_init(&sb);
	for (;;) {
		unsigned char c;

		if (r->pos >= r->len) {
			fail(r, "unterminated string");
			break;
		}
		c = (unsigned char)r->s[r->pos];
		if (c == '"') {
			r->pos++;
			res = fwc_arena_strndup(r->a, sb.buf, sb.len);
			break;
		}
		if (c < 0x20) {
			fail(r, "control character in a string");
			break;
		}
		if (c != '\\') {
			fwc_strbuf_addc(&sb, (char)c);
			r->pos++;
			continue;
		}
		if (++r->pos >= r->len) {
			fail(r, "unterminated string");
			break;
		}
		c = (unsigned char)r->s[r->pos++];
		if (c == 'u') {
			unsigned int u;
			unsigned long cp;

			if (!hex4(r, &u))
				break;
			cp = u;
			if (u >= 0xd800 && u < 0xdc00) {
				unsigned int lo;

				if (r->len - r->pos < 2 ||
				    r->s[r->pos] != '\\' ||
				    r->s[r->pos + 1] != 'u') {
					fail(r, "lone surrogate in \\u escape");
					break;
				}
				r->pos += 2;
				if (!hex4(r, &lo))
					break;
				if (lo < 0xdc00 || lo > 0xdfff) {
					fail(r, "bad surrogate pair");
					break;
				}
				cp = 0x10000 +
				     ((unsigned long)(u - 0xd800) << 10) +
				     (lo - 0xdc00);
			} else if (u >= 0xdc00 && u <= 0xdfff) {
				fail(r, "lone surrogate in \\u escape");
				break;
			}
			if (cp == 0) {
				fail(r, "NUL in a string");
				break;
			}
			put_utf8(&sb, cp);
			continue;
		}
		switch (c) {
		case '"':
		case '\\':
		case '/':
			fwc_strbuf_addc(&sb, (char)c);
			break;
		case 'b':
			fwc_strbuf_addc(&sb, '\b');
			break;
		case 'f':
			fwc_strbuf_addc(&sb, '\f');
			break;
		case 'n':
			fwc_strbuf_addc(&sb, '\n');
			break;
		case 'r':
			fwc_strbuf_addc(&sb, '\r');
			break;
		case 't':
			fwc_strbuf_addc(&sb, '\t');
			break;
		default:
			r->pos--;
			fail(r, "bad escape in a string");
			break;
		}
		if (r->why != NULL)
			break;
	}
	fwc_strbuf_release(&sb);
	return res;
}

static bool
digits(struct jr *r)
{
	size_t b = r->pos;

	while (r->pos < r->len && r->s[r->pos] >= '0' && r->s[r->pos] <= '9')
		r->pos++;
	return r->pos > b;
}

static const char *
number(struct jr *r)
{
	size_t b = r->pos;

	if (r->s[r->pos] == '-')
		r->pos++;
	if (r->pos < r->len && r->s[r->pos] == '0')
		r->pos++;
	else if (!digits(r)) {
		fail(r, "not a JSON value");
		return NULL;
	}
	if (r->pos < r->len && r->s[r->pos] == '.') {
		r->pos++;
		if (!digits(r)) {
			fail(r, "bad number");
			return NULL;
		}
	}
	if (r->pos < r->len && (r->s[r->pos] == 'e' || r->s[r->pos] == 'E')) {
		r->pos++;
		if (r->pos < r->len &&
		    (r->s[r->pos] == '+' || r->s[r->pos] == '-'))
			r->pos++;
		if (!digits(r)) {
			fail(r, "bad number");
			return NULL;
		}
	}
	return fwc_arena_strndup(r->a, r->s + b, r->pos - b);
}

static struct fwc_json *value(struct jr *r, unsigned int depth);

static struct fwc_json *
container(struct jr *r, struct fwc_json *j, unsigned int depth)
{
	bool obj = j->type == FWC_JSON_OBJ;
	char close = obj ? '}' : ']';
	size_t cap = 0;
	size_t cap_k = 0;
	size_t n_k = 0;

	r->pos++;
	skip_ws(r);
	if (r->pos < r->len && r->s[r->pos] == close) {
		r->pos++;
		return j;
	}
	for (;;) {
		struct fwc_json *v;

		skip_ws(r);
		if (obj) {
			const char *k;

			if (r->pos >= r->len || r->s[r->pos] != '"') {
				fail(r, "expected a member name");
				return NULL;
			}
			k = string(r);
			if (k == NULL)
				return NULL;
			FWC_VEC_PUSH(r->a, j->keys, n_k, cap_k, k);
			skip_ws(r);
			if (r->pos >= r->len || r->s[r->pos] != ':') {
				fail(r, "expected ':'");
				return NULL;
			}
			r->pos++;
		}
		v = value(r, depth + 1);
		if (v == NULL)
			return NULL;
		FWC_VEC_PUSH(r->a, j->v, j->n, cap, v);
		skip_ws(r);
		if (r->pos < r->len && r->s[r->pos] == ',') {
			r->pos++;
			continue;
		}
		if (r->pos < r->len && r->s[r->pos] == close) {
			r->pos++;
			return j;
		}
		fail(r, obj ? "expected ',' or '}'" : "expected ',' or ']'");
		return NULL;
	}
}

static struct fwc_json *
value(struct jr *r, unsigned int depth)
{
	struct fwc_json *j;
	char c;

	skip_ws(r);
	if (r->pos >= r->len) {
		fail(r, "unexpected end of the text");
		return NULL;
	}
	if (depth > FWC_JSON_MAX_DEPTH) {
		fail(r, "nested too deeply");
		return NULL;
	}
	j = fwc_arena_alloc(r->a, sizeof(*j));
	j->line = r->line;
	j->col = col_of(r);
	c = r->s[r->pos];
	switch (c) {
	case '{':
		j->type = FWC_JSON_OBJ;
		return container(r, j, depth);
	case '[':
		j->type = FWC_JSON_ARR;
		return container(r, j, depth);
	case '"':
		j->type = FWC_JSON_STR;
		j->s = string(r);
		return j->s != NULL ? j : NULL;
	case 't':
		j->type = FWC_JSON_BOOL;
		j->b = true;
		return literal(r, "true") ? j : NULL;
	case 'f':
		j->type = FWC_JSON_BOOL;
		return literal(r, "false") ? j : NULL;
	case 'n':
		j->type = FWC_JSON_NULL;
		return literal(r, "null") ? j : NULL;
	default:
		if (c != '-' && (c < '0' || c > '9')) {
			fail(r, "not a JSON value");
			return NULL;
		}
		j->type = FWC_JSON_NUM;
		j->s = number(r);
		return j->s != NULL ? j : NULL;
	}
}

struct fwc_json *
fwc_json_parse(struct fwc_arena *a, const char *text, size_t len,
    const char **why, uint32_t *line, uint32_t *col)
{
	struct jr r;
	struct fwc_json *root;

	memset(&r, 0, sizeof(r));
	r.a = a;
	r.s = text;
	r.len = len;
	r.line = 1;
	if (memchr(text, '\0', len) != NULL) {
		r.pos = (size_t)((const char *)memchr(text, '\0', len) - text);
		for (size_t i = 0; i < r.pos; i++)
			if (text[i] == '\n') {
				r.line++;
				r.bol = i + 1;
			}
		fail(&r, "NUL byte in the text");
		root = NULL;
	} else {
		root = value(&r, 0);
		skip_ws(&r);
		if (root != NULL && r.pos < r.len) {
			fail(&r, "text after the JSON value");
			root = NULL;
		}
	}
	if (root == NULL) {
		*why = r.why != NULL ? r.why : "not JSON";
		*line = r.eline;
		*col = r.ecol;
	}
	return root;
}

const struct fwc_json *
fwc_json_get(const struct fwc_json *o, const char *key)
{
	if (o == NULL || o->type != FWC_JSON_OBJ)
		return NULL;
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->keys[i], key) == 0)
			return o->v[i];
	return NULL;
}

const char *
fwc_json_str(const struct fwc_json *v)
{
	return v != NULL && v->type == FWC_JSON_STR ? v->s : NULL;
}

bool
fwc_json_int(const struct fwc_json *v, long lo, long hi, long *out)
{
	char *end;
	long x;

	if (v == NULL || v->type != FWC_JSON_NUM ||
	    strpbrk(v->s, ".eE") != NULL || strlen(v->s) > 18)
		return false;
	x = strtol(v->s, &end, 10);
	if (*end != '\0' || x < lo || x > hi)
		return false;
	*out = x;
	return true;
}
