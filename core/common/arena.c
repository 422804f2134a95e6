/* The huge-page arena (see arena.h). A block of n bytes is one of n rounded up to ARENA_GRAIN,
 * carved from the bottom of the arena once and then kept on the free list of its size for the
 * next block of that size (Lua's objects come in few sizes: strings, tables, closures, protos).
 * A block is the arena's when its address is inside it, malloc's otherwise. The sanitizer build
 * poisons what is not handed out, so ASan sees a use after free in the arena as in malloc's. */
#include "common/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

int arena_init(struct arena *a)
{
	char *p;

	memset(a, 0, sizeof(*a));
	/* twice the size reserved, for an aligned 2 MiB inside it; the rest is never touched */
	p = mmap(NULL, 2 * ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	a->base = (char *)(((uintptr_t)p + ARENA_SIZE - 1) & ~(uintptr_t)(ARENA_SIZE - 1));
	a->next = a->base;
	a->end = a->base + ARENA_SIZE;
	/* Debian's THP setting is "madvise": a huge page for the regions that ask */
	(void)madvise(a->base, ARENA_SIZE, MADV_HUGEPAGE);
	POISON(a->base, ARENA_SIZE);
	return 0;
}

static size_t class_of(size_t n)
{
	return (n + ARENA_GRAIN - 1) / ARENA_GRAIN;
}

static int mine(const struct arena *a, const void *p)
{
	return (uintptr_t)p >= (uintptr_t)a->base && (uintptr_t)p < (uintptr_t)a->end;
}

static void *get(struct arena *a, size_t n)
{
	size_t k = class_of(n), size = k * ARENA_GRAIN;
	void *p;

	if (k < ARENA_CLASSES) {
		if ((p = a->free[k])) {
			UNPOISON(p, size);
			a->free[k] = *(void **)p;
			return p;
		}
		if ((size_t)(a->end - a->next) >= size) {
			p = a->next;
			a->next += size;
			UNPOISON(p, size);
			return p;
		}
	}
	return malloc(n);
}

static void put(struct arena *a, void *p, size_t n)
{
	size_t k = class_of(n);

	*(void **)p = a->free[k];
	a->free[k] = p;
	POISON(p, k * ARENA_GRAIN);
}

void *arena_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct arena *a = ud;
	void *n;

	if (!ptr)   /* osize is then the kind of object, not a size */
		return nsize ? get(a, nsize) : NULL;
	if (!nsize) {
		if (mine(a, ptr))
			put(a, ptr, osize);
		else
			free(ptr);
		return NULL;
	}
	if (mine(a, ptr) && class_of(nsize) == class_of(osize))
		return ptr;
	if (!mine(a, ptr) && (class_of(nsize) >= ARENA_CLASSES || a->next == a->end))
		return realloc(ptr, nsize);
	/* a move: into the arena, or out of it to malloc; on failure the block stays as it is */
	if (!(n = get(a, nsize)))
		return NULL;
	memcpy(n, ptr, osize < nsize ? osize : nsize);
	if (mine(a, ptr))
		put(a, ptr, osize);
	else
		free(ptr);
	return n;
}

void *arena_take(struct arena *a, size_t n)
{
	char *top;

	if (n > (size_t)(a->end - a->next))
		return NULL;
	top = (char *)((uintptr_t)(a->end - n) & ~(uintptr_t)63);
	if (top < a->next)
		return NULL;
	a->end = top;
	UNPOISON(top, n);
	return top;
}
