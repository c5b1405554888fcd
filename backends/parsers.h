/* The .parse hooks of the text backends (backends/<target>_parse.c): each
 * reads that target's output back into a ruleset in first-match form.
 * See the parse member of struct fwc_backend in include/fwc/backend.h. */
#ifndef FWC_PARSERS_H
#define FWC_PARSERS_H

#include <stddef.h>
#include <stdint.h>

struct fwc_arena;
struct fwc_diag;
struct fwc_ruleset;

int fwc_nft_parse(struct fwc_arena *a, const char *file, const char *text,
    size_t len, struct fwc_ruleset *out, struct fwc_diag *dg);
int fwc_iptables_parse(struct fwc_arena *a, const char *file, const char *text,
    size_t len, struct fwc_ruleset *out, struct fwc_diag *dg);
int fwc_ip6tables_parse(struct fwc_arena *a, const char *file, const char *text,
    size_t len, struct fwc_ruleset *out, struct fwc_diag *dg);
int fwc_pf_parse(struct fwc_arena *a, const char *file, const char *text,
    size_t len, struct fwc_ruleset *out, struct fwc_diag *dg);
int fwc_netsh_parse(struct fwc_arena *a, const char *file, const char *text,
    size_t len, struct fwc_ruleset *out, struct fwc_diag *dg);

/* `nft -j list table inet fwc` JSON (backends/nft_json_parse.c): read
 * through its translation into `nft list` text, which fwc_nft_parse()
 * reads; rules and errors are placed in the JSON. */
int fwc_nft_json_parse(struct fwc_arena *a, const char *file, const char *text,
    size_t len, struct fwc_ruleset *out, struct fwc_diag *dg);

/* One line of the translation and the JSON value it comes from. */
struct fwc_nft_json_line {
	uint32_t line; /* place of the JSON object (a rule, set, chain) */
	uint32_t col;
	const char *text; /* the line of nft text */
};

struct fwc_nft_json_text {
	const char *text; /* the whole translation, NUL-terminated */
	size_t len;
	const struct fwc_nft_json_line *lines; /* lines[i]: line i + 1 */
	size_t n_lines;
};

/* Translates the JSON into nft text, everything in a; returns 0, or -1
 * with located errors in dg. */
int fwc_nft_json_to_text(struct fwc_arena *a, const char *file,
    const char *text, size_t len, struct fwc_nft_json_text *out,
    struct fwc_diag *dg);

#endif
