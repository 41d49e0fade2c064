/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* libsodium-backed secrets; see secret.h. */
#include "util/secret.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

/* argon2id at libsodium's "interactive" cost (~64 MiB, 2 passes): a login
 * costs tens of milliseconds; brute force costs the same per guess. */
#define OPS crypto_pwhash_OPSLIMIT_INTERACTIVE
#define MEM crypto_pwhash_MEMLIMIT_INTERACTIVE

int vd_secret_init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

int vd_password_hash(const char *password, char out[VD_PWHASH_LEN])
{
	size_t n = strlen(password);
	if (n < 8 || n > 256) return -EINVAL;
	_Static_assert(VD_PWHASH_LEN >= crypto_pwhash_STRBYTES, "pwhash buffer");
	if (crypto_pwhash_str_alg(out, password, n, OPS, MEM, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return -ENOMEM;
	return 0;
}

bool vd_password_verify(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

static char dummy_hash[VD_PWHASH_LEN];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static void dummy_init(void)
{
	if (vd_password_hash("voxdial-dummy-password", dummy_hash) != 0)
		dummy_hash[0] = '\0';
}

void vd_password_dummy_verify(const char *password)
{
	pthread_once(&dummy_once, dummy_init);
	if (dummy_hash[0]) (void)vd_password_verify(dummy_hash, password);
}

void vd_token_hash(const char *token, uint8_t hash[32])
{
	crypto_generichash(hash, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

void vd_token_new(char token[VD_TOKEN_LEN], uint8_t hash[32])
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	memcpy(token, "vd_", 3);
	sodium_bin2base64(token + 3, VD_TOKEN_LEN - 3, raw, sizeof raw,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
	vd_token_hash(token, hash);
}
