/* sha256 digests ("sha256:<64 hex>") through OpenSSL EVP, streaming or one-shot. */
#ifndef BERTH_DIGEST_H
#define BERTH_DIGEST_H

#include <stddef.h>
#include <openssl/evp.h>

#define DIGEST_LEN 71                /* "sha256:" + 64 hex */

struct sha256 {
	EVP_MD_CTX *md;
};

void sha256_init(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *data, size_t len);
/* Writes "sha256:<hex>" (DIGEST_LEN + 1 bytes) and frees the context. */
void sha256_final(struct sha256 *h, char out[DIGEST_LEN + 1]);
void sha256_free(struct sha256 *h);
void sha256_digest(const void *data, size_t len, char out[DIGEST_LEN + 1]);
/* 1 if s is a well-formed "sha256:<64 lowercase hex>". */
int digest_valid(const char *s);

#endif
