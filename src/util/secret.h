/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Passwords and tokens with libsodium. Passwords: argon2id strings
 * (crypto_pwhash_str_alg). Tokens: 32 random bytes shown once as
 * "vd_" + URL-safe base64; only their BLAKE2b-256 hash is stored, so a
 * database leak reveals no usable token. Call vd_secret_init() once first. */
#ifndef VD_SECRET_H
#define VD_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VD_TOKEN_LEN 48          /* "vd_" + 43 base64 chars + NUL, rounded */
#define VD_PWHASH_LEN 128

int vd_secret_init(void);
/* Hashes `password` into `out` (VD_PWHASH_LEN bytes). -EINVAL if the
 * password is shorter than 8 or longer than 256 bytes, -ENOMEM. */
int vd_password_hash(const char *password, char out[VD_PWHASH_LEN]);
bool vd_password_verify(const char *hash, const char *password);
/* Spends the same time as a verification, for unknown users. */
void vd_password_dummy_verify(const char *password);
/* A new random token and its hash. */
void vd_token_new(char token[VD_TOKEN_LEN], uint8_t hash[32]);
void vd_token_hash(const char *token, uint8_t hash[32]);

#endif
