/* Diagnostics sink: formats "file:line:col: severity: message" lines and
 * counts errors and warnings. Stops reporting after max_errors errors. */
#include "fwc/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fwc/strbuf.h"

/* A diagnostic held for sorted output. */
struct fwc_diag_msg {
	struct fwc_loc loc;
	size_t group; /* index of the error or warning a note belongs to */
	size_t seq;   /* order of report */
	char *text;   /* the whole line, heap */
	bool note;    /* a note (else an error or warning) */
};

void
fwc_diag_init(struct fwc_diag *dg, FILE *out)
{
	dg->out = out;
	dg->errors = 0;
	dg->warnings = 0;
	dg->max_errors = 20;
	dg->werror = false;
	dg->verbose = false;
	dg->stopped = false;
	dg->sorted = false;
	dg->held = NULL;
	dg->n_held = 0;
	dg->cap_held = 0;
	dg->files = NULL;
	dg->n_files = 0;
	dg->cap_files = 0;
}

void
fwc_diag_file(struct fwc_diag *dg, const char *file)
{
	for (size_t i = 0; i < dg->n_files; i++)
		if (strcmp(dg->files[i], file) == 0)
			return;
	if (dg->n_files == dg->cap_files) {
		dg->cap_files = dg->cap_files ? 2 * dg->cap_files : 8;
		dg->files =
		    fwc_xrealloc(dg->files, dg->cap_files * sizeof(*dg->files));
	}
	dg->files[dg->n_files++] = file;
}

static size_t
file_rank(const struct fwc_diag *dg, const char *file)
{
	if (file == NULL)
		return (size_t)-1;
	for (size_t i = 0; i < dg->n_files; i++)
		if (strcmp(dg->files[i], file) == 0)
			return i;
	return dg->n_files;
}

static const struct fwc_diag *sort_dg;

static int
key_cmp(
    const struct fwc_diag *dg, const struct fwc_loc *a, const struct fwc_loc *b)
{
	size_t ra = file_rank(dg, a->file);
	size_t rb = file_rank(dg, b->file);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (ra == dg->n_files && a->file && b->file &&
	    strcmp(a->file, b->file) != 0)
		return strcmp(a->file, b->file);
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return 0;
}

static int
msg_cmp(const void *x, const void *y)
{
	const struct fwc_diag_msg *a = x;
	const struct fwc_diag_msg *b = y;
	const struct fwc_diag_msg *ha = &sort_dg->held[a->group];
	const struct fwc_diag_msg *hb = &sort_dg->held[b->group];
	int c;

	if (a->group != b->group) {
		c = key_cmp(sort_dg, &ha->loc, &hb->loc);
		if (c)
			return c;
		return a->group < b->group ? -1 : 1;
	}
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void
fwc_diag_flush(struct fwc_diag *dg)
{
	struct fwc_diag_msg *v;

	if (dg->n_held == 0) {
		fwc_diag_release(dg);
		return;
	}
	/* Sort a copy whose group indices still point into held. */
	v = fwc_xmalloc(dg->n_held * sizeof(*v));
	memcpy(v, dg->held, dg->n_held * sizeof(*v));
	sort_dg = dg;
	qsort(v, dg->n_held, sizeof(*v), msg_cmp);
	sort_dg = NULL;
	for (size_t i = 0; i < dg->n_held; i++)
		if (dg->out != NULL)
			fputs(v[i].text, dg->out);
	free(v);
	fwc_diag_release(dg);
}

void
fwc_diag_release(struct fwc_diag *dg)
{
	for (size_t i = 0; i < dg->n_held; i++)
		free(dg->held[i].text);
	free(dg->held);
	dg->held = NULL;
	dg->n_held = 0;
	dg->cap_held = 0;
	free(dg->files);
	dg->files = NULL;
	dg->n_files = 0;
	dg->cap_files = 0;
}

static void emit(struct fwc_diag *dg, const struct fwc_loc *loc,
    const char *sev, const char *fmt, va_list ap) FWC_PRINTF(4, 0);

static void
emit(struct fwc_diag *dg, const struct fwc_loc *loc, const char *sev,
    const char *fmt, va_list ap)
{
	struct fwc_strbuf sb;
	va_list aq;
	int n;

	fwc_strbuf_init(&sb);
	if (loc != NULL && loc->file != NULL) {
		fwc_strbuf_adds(&sb, loc->file);
		if (loc->line) {
			fwc_strbuf_addf(&sb, ":%u", (unsigned int)loc->line);
			if (loc->col)
				fwc_strbuf_addf(
				    &sb, ":%u", (unsigned int)loc->col);
		}
		fwc_strbuf_adds(&sb, ": ");
	} else {
		fwc_strbuf_adds(&sb, "fwc: ");
	}
	fwc_strbuf_addf(&sb, "%s: ", sev);
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n > 0) {
		char *tmp = fwc_xmalloc((size_t)n + 1);

		vsnprintf(tmp, (size_t)n + 1, fmt, ap);
		fwc_strbuf_addn(&sb, tmp, (size_t)n);
		free(tmp);
	}
	fwc_strbuf_addc(&sb, '\n');
	if (!dg->sorted) {
		if (dg->out != NULL)
			fputs(sb.buf, dg->out);
		fwc_strbuf_release(&sb);
		return;
	}
	if (dg->n_held == dg->cap_held) {
		dg->cap_held = dg->cap_held ? 2 * dg->cap_held : 32;
		dg->held =
		    fwc_xrealloc(dg->held, dg->cap_held * sizeof(*dg->held));
	}
	{
		struct fwc_diag_msg *m = &dg->held[dg->n_held];
		/* A note follows its error or warning; a note without a
		 * place (a summary) stands alone, at the end. */
		bool is_note = strcmp(sev, "note") == 0 && loc != NULL &&
			       loc->file != NULL && dg->n_held &&
			       !dg->held[dg->held[dg->n_held - 1].group].note;

		m->loc = loc ? *loc : (struct fwc_loc){ NULL, 0, 0 };
		m->seq = dg->n_held;
		m->group =
		    is_note ? dg->held[dg->n_held - 1].group : dg->n_held;
		m->note = strcmp(sev, "note") == 0;
		m->text = fwc_strbuf_detach(&sb, NULL);
		dg->n_held++;
	}
	fwc_strbuf_release(&sb);
}

void
fwc_error(struct fwc_diag *dg, const struct fwc_loc *loc, const char *fmt, ...)
{
	va_list ap;

	dg->errors++;
	if (dg->stopped)
		return;
	va_start(ap, fmt);
	emit(dg, loc, "error", fmt, ap);
	va_end(ap);
	if (dg->max_errors && dg->errors >= dg->max_errors) {
		fwc_note(dg, NULL, "too many errors, stopping");
		dg->stopped = true;
	}
}

void
fwc_warning(
    struct fwc_diag *dg, const struct fwc_loc *loc, const char *fmt, ...)
{
	va_list ap;

	dg->warnings++;
	if (dg->stopped)
		return;
	va_start(ap, fmt);
	emit(dg, loc, dg->werror ? "error" : "warning", fmt, ap);
	va_end(ap);
}

void
fwc_note(struct fwc_diag *dg, const struct fwc_loc *loc, const char *fmt, ...)
{
	va_list ap;

	if (dg->stopped)
		return;
	va_start(ap, fmt);
	emit(dg, loc, "note", fmt, ap);
	va_end(ap);
}

bool
fwc_diag_failed(const struct fwc_diag *dg)
{
	return dg->errors > 0 || (dg->werror && dg->warnings > 0);
}
