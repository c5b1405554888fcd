/* The netlink backend: puts the nft model (nft_model.h) of one ruleset
 * into the running kernel as one nf_tables batch, reads the live table
 * back, and builds the batch that restores it. Only nft_netlink.c talks
 * to libnftnl and libmnl; callers see plain buffers and diagnostics. */
#ifndef FWC_NFT_NETLINK_H
#define FWC_NFT_NETLINK_H

#include <stdbool.h>
#include <stddef.h>

struct fwc_diag;
struct fwc_nft_table;
struct fwc_strbuf;

/* Results of the functions below. */
#define FWC_NL_OK      0
#define FWC_NL_REFUSED 1 /* the kernel refused the batch: errors in dg */
#define FWC_NL_SYSTEM  3 /* socket, memory or protocol failure, in dg */

/* Replaces the table inet fwc with t in one batch (create, delete,
 * create with every set, element, chain and rule), committed atomically,
 * or with check_only sent without its end marker so that the kernel
 * validates everything and commits nothing (as `nft -c` does). Kernel
 * errors are reported at the IR rule (flow, file:line) or object whose
 * message the kernel refused; then nothing changed. */
int fwc_nl_apply(
    const struct fwc_nft_table *t, bool check_only, struct fwc_diag *dg);

/* Reads the live table inet fwc and builds, in *buf (heap, caller
 * frees) of *len bytes, a complete batch that puts it back as it is now,
 * or, when there is no such table (*existed false), one that deletes
 * whatever table inet fwc exists when it is sent. */
int fwc_nl_save(char **buf, size_t *len, bool *existed, struct fwc_diag *dg);

/* Sends a batch made by fwc_nl_save and waits for the kernel's
 * verdict. */
int fwc_nl_send_saved(const char *buf, size_t len, struct fwc_diag *dg);

/* Compares the live table inet fwc with t: appends one line per
 * missing, extra or changed chain, rule and set element to report, and
 * the addresses of FQDN sets to info. Returns FWC_NL_OK when equal,
 * FWC_NL_REFUSED (1) on drift, FWC_NL_SYSTEM on failure. */
int fwc_nl_status(const struct fwc_nft_table *t, struct fwc_strbuf *report,
    struct fwc_diag *dg);

#endif
