/* SHA-256 against the FIPS 180-4 examples and sha256sum(1) behaviour on
 * split input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fwc/sha256.h"

static const char *
digest(const char *s, size_t split)
{
	static char hex[65];
	struct fwc_sha256 h;
	size_t n = strlen(s);

	fwc_sha256_init(&h);
	if (split > n)
		split = n;
	fwc_sha256_update(&h, s, split);
	fwc_sha256_update(&h, s + split, n - split);
	fwc_sha256_hex(&h, hex);
	return hex;
}

static void
test_sha256_vectors(void **state)
{
	static char million[1000001];

	(void)state;
	assert_string_equal(digest("", 0),
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_string_equal(digest("abc", 1),
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	for (size_t k = 0; k < 64; k++)
		assert_string_equal(
		    digest(
			"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
			k),
		    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	memset(million, 'a', 1000000);
	assert_string_equal(digest(million, 333333),
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
