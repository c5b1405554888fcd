/* SHA-256 (FIPS 180-4), for the MANIFEST of `fwc compile --all`. */
#ifndef FWC_SHA256_H
#define FWC_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct fwc_sha256 {
	uint32_t h[8];
	uint64_t len;	       /* bytes hashed so far */
	unsigned char buf[64]; /* pending partial block */
	size_t n;	       /* bytes in buf */
};

void fwc_sha256_init(struct fwc_sha256 *s);
void fwc_sha256_update(struct fwc_sha256 *s, const void *p, size_t n);
/* Writes the digest as 64 lower-case hex digits and a NUL into hex. */
void fwc_sha256_hex(struct fwc_sha256 *s, char hex[65]);

#endif
