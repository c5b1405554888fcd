/* Reads `nft -j list table inet fwc` (libnftables JSON, schema version 1)
 * back into a ruleset, for `fwc verify` (docs/parsers.md).
 *
 * The JSON is the same ruleset as the `nft list` text in another syntax,
 * so it is translated object by object into that text (sets and maps,
 * then each chain with its rules in JSON order) and read by the nft text
 * parser (backends/nft_parse.c): one reading of nft semantics for both
 * forms (the stateful base, jumps and verdict maps flattened, catch-all
 * rejects folded into defaults). Each line of the translation remembers
 * the JSON value it came from: the rules of the result and the parser's
 * errors are placed in the JSON file (line and column of the rule
 * object). Anything the translation does not know (another table, a
 * statement or expression fwc never writes) is a located error. */
#include <stdbool.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers.h"

#include "fwc/arena.h"
#include "fwc/diag.h"
#include "fwc/ir.h"
#include "fwc/strbuf.h"
#include "json_read.h"

struct cv {
	struct fwc_arena *a;
	struct fwc_diag *dg;
	const char *file;
	unsigned int errors;
	struct fwc_strbuf sb;		 /* the translation */
	struct fwc_strbuf line;		 /* the line being built */
	struct fwc_nft_json_line *lines; /* arena vector, per text line */
	size_t n_lines;
	size_t cap_lines;
};

static void
cv_error(
    struct cv *c, const struct fwc_json *at, const char *what, const char *name)
{
	struct fwc_loc loc = { c->file, at ? at->line : 0, at ? at->col : 0 };

	c->errors++;
	if (name != NULL)
		fwc_error(c->dg, &loc, "%s '%s'", what, name);
	else
		fwc_error(c->dg, &loc, "%s", what);
}

/* Ends the line being built: appends it to the translation, placed at
 * JSON value at. */
static void
end_line(struct cv *c, const struct fwc_json *at)
{
	struct fwc_nft_json_line l;

	l.line = at ? at->line : 0;
	l.col = at ? at->col : 0;
	l.text = fwc_arena_strdup(c->a, c->line.buf);
	FWC_VEC_PUSH(c->a, c->lines, c->n_lines, c->cap_lines, l);
	fwc_strbuf_addn(&c->sb, c->line.buf, c->line.len);
	fwc_strbuf_addc(&c->sb, '\n');
	fwc_strbuf_reset(&c->line);
}

static void
add_line(struct cv *c, const struct fwc_json *at, const char *s)
{
	fwc_strbuf_adds(&c->line, s);
	end_line(c, at);
}

/* A word the text parser reads as one token. */
static bool
plain_word(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f ||
		    strchr("{};,=\"#\\", *s) != NULL)
			return false;
	return true;
}

/* A string the text parser reads between quotes. */
static bool
quotable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == '"' || *s == '\\')
			return false;
	return true;
}

static bool
add_word(struct cv *c, const struct fwc_json *at, const char *s, bool quote)
{
	if (s == NULL || !(quote ? quotable(s) : plain_word(s))) {
		cv_error(c, at, "value not understood", s);
		return false;
	}
	if (quote)
		fwc_strbuf_addf(&c->line, "\"%s\"", s);
	else
		fwc_strbuf_adds(&c->line, s);
	return true;
}

/* One value: string, number, prefix, range; quoted when quote. */
static bool
add_value(struct cv *c, const struct fwc_json *v, bool quote)
{
	const struct fwc_json *p;

	if (v == NULL)
		return false;
	if (v->type == FWC_JSON_STR)
		return add_word(
		    c, v, v->s, quote && v->s[0] != '@' && v->s[0] != '$');
	if (v->type == FWC_JSON_NUM)
		return add_word(c, v, v->s, false);
	if ((p = fwc_json_get(v, "prefix")) != NULL) {
		long len;

		if (!add_value(c, fwc_json_get(p, "addr"), false))
			return false;
		if (!fwc_json_int(fwc_json_get(p, "len"), 0, 128, &len)) {
			cv_error(c, v, "prefix without a length", NULL);
			return false;
		}
		fwc_strbuf_addf(&c->line, "/%ld", len);
		return true;
	}
	if ((p = fwc_json_get(v, "range")) != NULL) {
		if (p->type != FWC_JSON_ARR || p->n != 2) {
			cv_error(c, v, "range not understood", NULL);
			return false;
		}
		if (!add_value(c, p->v[0], quote))
			return false;
		fwc_strbuf_addc(&c->line, '-');
		return add_value(c, p->v[1], quote);
	}
	if ((p = fwc_json_get(v, "elem")) != NULL)
		return add_value(c, fwc_json_get(p, "val"), quote);
	cv_error(c, v, "value not understood", NULL);
	return false;
}

/* A verdict of a map element or statement: accept, drop, jump X... */
static bool
add_verdict(struct cv *c, const struct fwc_json *v)
{
	static const char *const plain[] = { "accept", "drop", "continue",
		"return" };

	if (v == NULL || v->type != FWC_JSON_OBJ || v->n != 1) {
		cv_error(c, v, "verdict not understood", NULL);
		return false;
	}
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (strcmp(v->keys[0], plain[i]) == 0) {
			fwc_strbuf_adds(&c->line, plain[i]);
			return true;
		}
	}
	if (strcmp(v->keys[0], "jump") == 0 ||
	    strcmp(v->keys[0], "goto") == 0) {
		fwc_strbuf_addf(&c->line, "%s ", v->keys[0]);
		return add_word(
		    c, v, fwc_json_str(fwc_json_get(v->v[0], "target")), false);
	}
	cv_error(c, v, "verdict not understood", v->keys[0]);
	return false;
}

/* The elements of a set (set = true) or verdict map, on one line. */
static bool
add_elements(struct cv *c, const struct fwc_json *el, bool quote, bool set)
{
	if (el->type != FWC_JSON_ARR) {
		el = NULL;
	}
	if (el == NULL) {
		cv_error(c, el, "elements not understood", NULL);
		return false;
	}
	fwc_strbuf_adds(&c->line, "{ ");
	for (size_t i = 0; i < el->n; i++) {
		const struct fwc_json *e = el->v[i];

		if (i > 0)
			fwc_strbuf_adds(&c->line, ", ");
		if (set) {
			if (!add_value(c, e, quote))
				return false;
			continue;
		}
		if (e->type != FWC_JSON_ARR || e->n != 2) {
			cv_error(c, e, "map element not understood", NULL);
			return false;
		}
		if (!add_value(c, e->v[0], quote))
			return false;
		fwc_strbuf_adds(&c->line, " : ");
		if (!add_verdict(c, e->v[1]))
			return false;
	}
	fwc_strbuf_adds(&c->line, " }");
	return true;
}

static bool
ifname_key(const char *k)
{
	return strcmp(k, "iifname") == 0 || strcmp(k, "oifname") == 0 ||
	       strcmp(k, "iif") == 0 || strcmp(k, "oif") == 0;
}

/* The left side of a match or the key of a verdict map; *quote is set
 * when its values are interface names. */
static bool
add_expr(struct cv *c, const struct fwc_json *e, bool *quote)
{
	const struct fwc_json *p;
	const char *k;

	*quote = false;
	if ((p = fwc_json_get(e, "meta")) != NULL &&
	    (k = fwc_json_str(fwc_json_get(p, "key"))) != NULL) {
		*quote = ifname_key(k);
		if (!*quote)
			fwc_strbuf_adds(&c->line, "meta ");
		return add_word(c, p, k, false);
	}
	if ((p = fwc_json_get(e, "ct")) != NULL &&
	    (k = fwc_json_str(fwc_json_get(p, "key"))) != NULL &&
	    fwc_json_get(p, "dir") == NULL) {
		fwc_strbuf_adds(&c->line, "ct ");
		return add_word(c, p, k, false);
	}
	if ((p = fwc_json_get(e, "payload")) != NULL &&
	    fwc_json_str(fwc_json_get(p, "protocol")) != NULL &&
	    fwc_json_str(fwc_json_get(p, "field")) != NULL) {
		if (!add_word(
			c, p, fwc_json_str(fwc_json_get(p, "protocol")), false))
			return false;
		fwc_strbuf_addc(&c->line, ' ');
		return add_word(
		    c, p, fwc_json_str(fwc_json_get(p, "field")), false);
	}
	cv_error(c, e, "expression not understood", NULL);
	return false;
}

static bool
add_match(struct cv *c, const struct fwc_json *m)
{
	const char *op = fwc_json_str(fwc_json_get(m, "op"));
	const struct fwc_json *r = fwc_json_get(m, "right");
	bool quote;

	if (op == NULL || r == NULL) {
		cv_error(c, m, "match not understood", NULL);
		return false;
	}
	if (!add_expr(c, fwc_json_get(m, "left"), &quote))
		return false;
	if (strcmp(op, "!=") == 0) {
		fwc_strbuf_adds(&c->line, " !=");
	} else if (strcmp(op, "==") != 0 && strcmp(op, "in") != 0) {
		cv_error(c, m, "match operator not understood", op);
		return false;
	}
	fwc_strbuf_addc(&c->line, ' ');
	if (r->type == FWC_JSON_ARR) {
		/* Flags such as ct state: a comma-separated list. */
		for (size_t i = 0; i < r->n; i++) {
			if (i > 0)
				fwc_strbuf_addc(&c->line, ',');
			if (!add_value(c, r->v[i], quote))
				return false;
		}
		return true;
	}
	if (fwc_json_get(r, "set") != NULL)
		return add_elements(c, fwc_json_get(r, "set"), quote, true);
	return add_value(c, r, quote);
}

static bool
add_stmt(struct cv *c, const struct fwc_json *s)
{
	const char *k;
	const struct fwc_json *v;

	if (s == NULL || s->type != FWC_JSON_OBJ || s->n != 1) {
		cv_error(c, s, "statement not understood", NULL);
		return false;
	}
	k = s->keys[0];
	v = s->v[0];
	if (strcmp(k, "match") == 0)
		return add_match(c, v);
	if (strcmp(k, "counter") == 0) {
		long pk = 0;
		long by = 0;

		fwc_strbuf_adds(&c->line, "counter");
		if (fwc_json_int(
			fwc_json_get(v, "packets"), 0, LONG_MAX, &pk) &&
		    fwc_json_int(fwc_json_get(v, "bytes"), 0, LONG_MAX, &by))
			fwc_strbuf_addf(
			    &c->line, " packets %ld bytes %ld", pk, by);
		return true;
	}
	if (strcmp(k, "log") == 0) {
		const char *pfx = fwc_json_str(fwc_json_get(v, "prefix"));
		const char *lvl = fwc_json_str(fwc_json_get(v, "level"));

		fwc_strbuf_adds(&c->line, "log");
		if (pfx != NULL) {
			fwc_strbuf_adds(&c->line, " prefix ");
			if (!add_word(c, v, pfx, true))
				return false;
		}
		if (lvl != NULL) {
			fwc_strbuf_adds(&c->line, " level ");
			if (!add_word(c, v, lvl, false))
				return false;
		}
		return true;
	}
	if (strcmp(k, "reject") == 0) {
		const char *type = fwc_json_str(fwc_json_get(v, "type"));
		const char *code = fwc_json_str(fwc_json_get(v, "expr"));

		fwc_strbuf_adds(&c->line, "reject");
		if (type == NULL)
			return true;
		if (strcmp(type, "tcp reset") == 0) {
			fwc_strbuf_adds(&c->line, " with tcp reset");
			return true;
		}
		fwc_strbuf_adds(&c->line, " with ");
		if (!add_word(c, v, type, false))
			return false;
		fwc_strbuf_addc(&c->line, ' ');
		return add_word(
		    c, v, code != NULL ? code : "port-unreachable", false);
	}
	if (strcmp(k, "vmap") == 0) {
		const struct fwc_json *data = fwc_json_get(v, "data");
		bool quote;

		if (!add_expr(c, fwc_json_get(v, "key"), &quote))
			return false;
		fwc_strbuf_adds(&c->line, " vmap ");
		if (fwc_json_get(data, "set") != NULL)
			return add_elements(
			    c, fwc_json_get(data, "set"), quote, false);
		return add_value(c, data, false);
	}
	if (strcmp(k, "accept") == 0 || strcmp(k, "drop") == 0 ||
	    strcmp(k, "jump") == 0 || strcmp(k, "goto") == 0 ||
	    strcmp(k, "return") == 0 || strcmp(k, "continue") == 0)
		return add_verdict(c, s);
	cv_error(c, s, "statement not understood", k);
	return false;
}

/* True when object o is of table inet fwc; else reports it. */
static bool
of_fwc(struct cv *c, const struct fwc_json *o, const char *tkey)
{
	const char *fam = fwc_json_str(fwc_json_get(o, "family"));
	const char *tab = fwc_json_str(fwc_json_get(o, tkey));

	if (fam != NULL && tab != NULL && strcmp(fam, "inet") == 0 &&
	    strcmp(tab, "fwc") == 0)
		return true;
	cv_error(c, o, "object of another table than inet fwc", tab);
	return false;
}

static void
set_or_map(struct cv *c, const struct fwc_json *o, bool map)
{
	const char *name = fwc_json_str(fwc_json_get(o, "name"));
	const char *type = fwc_json_str(fwc_json_get(o, "type"));
	const struct fwc_json *flags = fwc_json_get(o, "flags");
	const struct fwc_json *el = fwc_json_get(o, "elem");
	bool quote = type != NULL && strcmp(type, "ifname") == 0;

	if (!of_fwc(c, o, "table"))
		return;
	if (name == NULL || type == NULL || !plain_word(name) ||
	    !plain_word(type)) {
		cv_error(c, o,
		    map ? "map not understood" : "set not understood", name);
		return;
	}
	fwc_strbuf_addf(&c->line, "\t%s %s {", map ? "map" : "set", name);
	end_line(c, o);
	if (map) {
		const char *data = fwc_json_str(fwc_json_get(o, "map"));

		if (data == NULL || strcmp(data, "verdict") != 0) {
			cv_error(c, o, "map to other than verdicts", name);
			return;
		}
		fwc_strbuf_addf(&c->line, "\t\ttype %s : verdict", type);
	} else {
		fwc_strbuf_addf(&c->line, "\t\ttype %s", type);
	}
	end_line(c, o);
	if (flags != NULL) {
		fwc_strbuf_adds(&c->line, "\t\tflags ");
		if (flags->type == FWC_JSON_STR) {
			add_word(c, flags, flags->s, false);
		} else if (flags->type == FWC_JSON_ARR) {
			for (size_t i = 0; i < flags->n; i++) {
				if (i > 0)
					fwc_strbuf_addc(&c->line, ',');
				add_word(c, flags->v[i],
				    fwc_json_str(flags->v[i]), false);
			}
		}
		end_line(c, o);
	}
	if (el != NULL) {
		fwc_strbuf_adds(&c->line, "\t\telements = ");
		add_elements(c, el, quote, !map);
		end_line(c, el);
	}
	add_line(c, o, "\t}");
}

static void
chain(struct cv *c, const struct fwc_json *o, const struct fwc_json *items)
{
	const char *name = fwc_json_str(fwc_json_get(o, "name"));
	const char *hook = fwc_json_str(fwc_json_get(o, "hook"));

	if (!of_fwc(c, o, "table"))
		return;
	if (name == NULL || !plain_word(name)) {
		cv_error(c, o, "chain not understood", name);
		return;
	}
	fwc_strbuf_addf(&c->line, "\tchain %s {", name);
	end_line(c, o);
	if (hook != NULL) {
		const char *type = fwc_json_str(fwc_json_get(o, "type"));
		const char *pol = fwc_json_str(fwc_json_get(o, "policy"));
		long prio;

		if (type == NULL || pol == NULL ||
		    !fwc_json_int(
			fwc_json_get(o, "prio"), -1000000, 1000000, &prio)) {
			cv_error(c, o, "base chain not understood", name);
			return;
		}
		fwc_strbuf_adds(&c->line, "\t\ttype ");
		add_word(c, o, type, false);
		fwc_strbuf_adds(&c->line, " hook ");
		add_word(c, o, hook, false);
		if (prio == 0)
			fwc_strbuf_adds(&c->line, " priority filter; policy ");
		else
			fwc_strbuf_addf(
			    &c->line, " priority %ld; policy ", prio);
		add_word(c, o, pol, false);
		fwc_strbuf_addc(&c->line, ';');
		end_line(c, o);
	}
	/* Its rules, in JSON order. */
	for (size_t i = 0; i < items->n; i++) {
		const struct fwc_json *r = fwc_json_get(items->v[i], "rule");
		const struct fwc_json *ex;
		const char *cm;
		const char *rc = fwc_json_str(fwc_json_get(r, "chain"));

		if (r == NULL || rc == NULL || strcmp(rc, name) != 0)
			continue;
		ex = fwc_json_get(r, "expr");
		if (ex == NULL || ex->type != FWC_JSON_ARR) {
			cv_error(c, r, "rule without expressions", NULL);
			continue;
		}
		fwc_strbuf_adds(&c->line, "\t\t");
		for (size_t k = 0; k < ex->n; k++) {
			if (k > 0)
				fwc_strbuf_addc(&c->line, ' ');
			if (!add_stmt(c, ex->v[k]))
				break;
		}
		cm = fwc_json_str(fwc_json_get(r, "comment"));
		if (cm != NULL) {
			fwc_strbuf_adds(&c->line, " comment ");
			add_word(c, r, cm, true);
		}
		end_line(c, r);
	}
	add_line(c, o, "\t}");
}

/* A rule must belong to a chain of the listing (chain() reads it). */
static void
rule_of_chain(
    struct cv *c, const struct fwc_json *r, const struct fwc_json *items)
{
	const char *name = fwc_json_str(fwc_json_get(r, "chain"));

	if (!of_fwc(c, r, "table"))
		return;
	for (size_t i = 0; name != NULL && i < items->n; i++) {
		const char *cn = fwc_json_str(
		    fwc_json_get(fwc_json_get(items->v[i], "chain"), "name"));

		if (cn != NULL && strcmp(cn, name) == 0)
			return;
	}
	cv_error(c, r, "rule of a chain that is not listed", name);
}

int
fwc_nft_json_to_text(struct fwc_arena *a, const char *file, const char *text,
    size_t len, struct fwc_nft_json_text *out, struct fwc_diag *dg)
{
	struct cv c;
	struct fwc_json *root;
	const struct fwc_json *items;
	const char *why = NULL;
	uint32_t line = 0;
	uint32_t col = 0;
	bool table = false;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.a = a;
	c.dg = dg;
	c.file = file != NULL ? file : "<output>";
	root = fwc_json_parse(a, text, len, &why, &line, &col);
	if (root == NULL) {
		struct fwc_loc loc = { c.file, line, col };

		fwc_error(dg, &loc, "not JSON: %s", why);
		return -1;
	}
	items = fwc_json_get(root, "nftables");
	if (items == NULL || items->type != FWC_JSON_ARR) {
		cv_error(&c, root,
		    "expected an object with an array 'nftables'", NULL);
		return -1;
	}
	fwc_strbuf_init(&c.sb);
	fwc_strbuf_init(&c.line);
	add_line(&c, root, "table inet fwc {");
	/* Sets and maps first, as nft lists them, then the chains. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < items->n; i++) {
			const struct fwc_json *it = items->v[i];
			const char *k;

			if (it->type != FWC_JSON_OBJ || it->n != 1) {
				cv_error(&c, it, "object not understood", NULL);
				continue;
			}
			k = it->keys[0];
			if (pass == 0 && strcmp(k, "set") == 0)
				set_or_map(&c, it->v[0], false);
			else if (pass == 0 && strcmp(k, "map") == 0)
				set_or_map(&c, it->v[0], true);
			else if (pass == 1 && strcmp(k, "chain") == 0)
				chain(&c, it->v[0], items);
			else if (pass == 0 && strcmp(k, "table") == 0)
				table = of_fwc(&c, it->v[0], "name") || table;
			else if (pass == 0 && strcmp(k, "rule") == 0)
				rule_of_chain(&c, it->v[0], items);
			else if (pass == 0 && strcmp(k, "metainfo") != 0 &&
				 strcmp(k, "set") != 0 &&
				 strcmp(k, "map") != 0 &&
				 strcmp(k, "chain") != 0)
				cv_error(&c, it, "object not understood", k);
		}
	}
	add_line(&c, root, "}");
	if (!table)
		cv_error(&c, root, "no table inet fwc in the JSON", NULL);
	fwc_strbuf_release(&c.line);
	out->text = fwc_arena_strndup(a, c.sb.buf, c.sb.len);
	out->len = c.sb.len;
	out->lines = c.lines;
	out->n_lines = c.n_lines;
	fwc_strbuf_release(&c.sb);
	return c.errors > 0 ? -1 : 0;
}

/* Re-reports the text parser's diagnostics (written to a memory stream as
 * "TAG:LINE:COL: ...") at their JSON places. */
static void
relay(struct fwc_diag *dg, const char *file, const char *tag, char *msgs,
    const struct fwc_nft_json_text *t)
{
	size_t tl = strlen(tag);

	for (char *l = strtok(msgs, "\n"); l != NULL; l = strtok(NULL, "\n")) {
		unsigned long ln = 0;
		char *rest = l;
		struct fwc_loc loc = { file, 0, 0 };

		if (strncmp(l, tag, tl) == 0 && l[tl] == ':') {
			ln = strtoul(l + tl + 1, &rest, 10);
			if (*rest == ':')
				(void)strtoul(rest + 1, &rest, 10);
			if (*rest == ':')
				rest++;
			while (*rest == ' ')
				rest++;
		}
		if (ln >= 1 && ln <= t->n_lines) {
			loc.line = t->lines[ln - 1].line;
			loc.col = t->lines[ln - 1].col;
		}
		if (strncmp(rest, "error: ", 7) == 0) {
			const char *nf = ln >= 1 && ln <= t->n_lines
					     ? t->lines[ln - 1].text
					     : "?";

			nf += strspn(nf, "\t");
			fwc_error(
			    dg, &loc, "%s (in its nft form: %s)", rest + 7, nf);
		} else if (strncmp(rest, "warning: ", 9) == 0)
			fwc_warning(dg, &loc, "%s", rest + 9);
		else if (strncmp(rest, "note: ", 6) == 0)
			fwc_note(dg, &loc, "%s", rest + 6);
		else
			fwc_error(dg, &loc, "%s", rest);
	}
}

int
fwc_nft_json_parse(struct fwc_arena *a, const char *file, const char *text,
    size_t len, struct fwc_ruleset *out, struct fwc_diag *dg)
{
	struct fwc_nft_json_text t;
	struct fwc_diag sub;
	const char *tag = "\x01nft-json";
	char *msgs = NULL;
	size_t msz = 0;
	FILE *mem;
	int rc;

	if (file == NULL)
		file = "<output>";
	if (fwc_nft_json_to_text(a, file, text, len, &t, dg) < 0)
		return -1;
	mem = open_memstream(&msgs, &msz);
	if (mem == NULL)
		return -1;
	fwc_diag_init(&sub, mem);
	rc = fwc_nft_parse(a, tag, t.text, t.len, out, &sub);
	fclose(mem);
	if (sub.errors > 0 || sub.warnings > 0)
		relay(dg, file, tag, msgs, &t);
	free(msgs);
	if (rc < 0 || sub.errors > 0)
		return -1;
	/* Place every rule at the JSON rule it came from. */
	out->name = file;
	for (size_t i = 0; i < out->n_rules; i++) {
		struct fwc_loc *l = &out->rules[i].origin.loc;

		if (l->line >= 1 && l->line <= t.n_lines) {
			l->col = t.lines[l->line - 1].col;
			l->line = t.lines[l->line - 1].line;
		}
		l->file = file;
	}
	return 0;
}
