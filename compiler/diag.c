/* Diagnostics sink: formats "file:line:col: severity: message" lines and
 * counts errors and warnings. Stops reporting after max_errors errors. */
#include "fwc/diag.h"

#include <stdarg.h>

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
}

static void emit(struct fwc_diag *dg, const struct fwc_loc *loc,
    const char *sev, const char *fmt, va_list ap) FWC_PRINTF(4, 0);

static void
emit(struct fwc_diag *dg, const struct fwc_loc *loc, const char *sev,
    const char *fmt, va_list ap)
{
	if (dg->out == NULL)
		return;
	if (loc != NULL && loc->file != NULL) {
		fputs(loc->file, dg->out);
		if (loc->line) {
			fprintf(dg->out, ":%u", (unsigned int)loc->line);
			if (loc->col)
				fprintf(dg->out, ":%u", (unsigned int)loc->col);
		}
		fputs(": ", dg->out);
	} else {
		fputs("fwc: ", dg->out);
	}
	fprintf(dg->out, "%s: ", sev);
	vfprintf(dg->out, fmt, ap);
	fputc('\n', dg->out);
}

void
fwc_error(struct fwc_diag *dg, const struct fwc_loc *loc, const char *fmt,
    ...)
{
	va_list ap;

	dg->errors++;
	if (dg->stopped)
		return;
	va_start(ap, fmt);
	emit(dg, loc, "error", fmt, ap);
	va_end(ap);
	if (dg->max_errors && dg->errors >= dg->max_errors) {
		dg->stopped = true;
		if (dg->out != NULL)
			fputs("fwc: note: too many errors, stopping\n",
			    dg->out);
	}
}

void
fwc_warning(struct fwc_diag *dg, const struct fwc_loc *loc, const char *fmt,
    ...)
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
fwc_note(struct fwc_diag *dg, const struct fwc_loc *loc, const char *fmt,
    ...)
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
