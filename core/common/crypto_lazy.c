/* libcrypto, loaded on first use. The core needs it only for sha256 and base64, yet linking it
 * made every berth command relocate its ~4,200 symbols at start-up (BIND_NOW): two thirds of
 * the dynamic loader's work, ~3.5 million instructions, before main. These definitions of the
 * EVP functions the core uses dlopen libcrypto once and forward; berth links without -lcrypto. */
#include <openssl/evp.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static struct {
	EVP_MD_CTX *(*md_ctx_new)(void);
	void (*md_ctx_free)(EVP_MD_CTX *);
	const EVP_MD *(*sha256)(void);
	int (*digest_init_ex)(EVP_MD_CTX *, const EVP_MD *, ENGINE *);
	int (*digest_update)(EVP_MD_CTX *, const void *, size_t);
	int (*digest_final_ex)(EVP_MD_CTX *, unsigned char *, unsigned int *);
	int (*encode_block)(unsigned char *, const unsigned char *, int);
	int (*decode_block)(unsigned char *, const unsigned char *, int);
} lib;
static int loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	void *h = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "berth: cannot load libcrypto: %s\n", dlerror());
		return;
	}
#define SYM(field, name) if (!(*(void **)&lib.field = dlsym(h, name))) return
	SYM(md_ctx_new, "EVP_MD_CTX_new");
	SYM(md_ctx_free, "EVP_MD_CTX_free");
	SYM(sha256, "EVP_sha256");
	SYM(digest_init_ex, "EVP_DigestInit_ex");
	SYM(digest_update, "EVP_DigestUpdate");
	SYM(digest_final_ex, "EVP_DigestFinal_ex");
	SYM(encode_block, "EVP_EncodeBlock");
	SYM(decode_block, "EVP_DecodeBlock");
#undef SYM
	loaded = 1;
}

static int ready(void)
{
	pthread_once(&once, load);
	return loaded;
}

EVP_MD_CTX *EVP_MD_CTX_new(void) { return ready() ? lib.md_ctx_new() : NULL; }
void EVP_MD_CTX_free(EVP_MD_CTX *c) { if (c && ready()) lib.md_ctx_free(c); }
const EVP_MD *EVP_sha256(void) { return ready() ? lib.sha256() : NULL; }
int EVP_DigestInit_ex(EVP_MD_CTX *c, const EVP_MD *t, ENGINE *e) { return ready() ? lib.digest_init_ex(c, t, e) : 0; }
int EVP_DigestUpdate(EVP_MD_CTX *c, const void *d, size_t n) { return ready() ? lib.digest_update(c, d, n) : 0; }
int EVP_DigestFinal_ex(EVP_MD_CTX *c, unsigned char *md, unsigned int *n) { return ready() ? lib.digest_final_ex(c, md, n) : 0; }
int EVP_EncodeBlock(unsigned char *t, const unsigned char *f, int n) { return ready() ? lib.encode_block(t, f, n) : -1; }
int EVP_DecodeBlock(unsigned char *t, const unsigned char *f, int n) { return ready() ? lib.decode_block(t, f, n) : -1; }
