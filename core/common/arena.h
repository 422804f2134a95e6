/* The berth command's working memory: one 2 MiB arena, aligned so that the kernel backs it with
 * one transparent huge page, for the Lua state's heap (arena_lua_alloc) and sqlite's page cache
 * (arena_take). A command's Lua heap is some 400 kB (the modules' functions, the tables of a
 * container's config, the garbage between collections) and the page cache ~90 kB: from malloc
 * that is ~125 first touches of a 4 kB page, each 10-25 us on this kind of VM (a fault, a VM
 * exit, a zeroed page), ~1.5 ms of every `run`. A huge page is one fault of ~150 us. Where the
 * kernel gives none (THP "never", or no free 2 MiB) the arena is small pages touched as they are
 * used, as malloc's are. Single-threaded: for the main thread's Lua state and for what sqlite
 * serialises itself (its page cache takes its own lock). */
#ifndef BERTH_ARENA_H
#define BERTH_ARENA_H

#include <stddef.h>

#define ARENA_SIZE ((size_t)2 << 20)
#define ARENA_GRAIN 16
#define ARENA_CLASSES 1024  /* free lists for blocks up to 16 kB; bigger ones are malloc's */

struct arena {
	char *base, *next, *end;
	void *free[ARENA_CLASSES];   /* free[k]: blocks of k * ARENA_GRAIN bytes */
};

/* Map the arena; -1 (and every block from malloc) when it cannot be mapped. */
int arena_init(struct arena *a);
/* A lua_Alloc on arena ud: Lua gives the size of each block it frees or resizes, so blocks
 * carry no header. Blocks up to 16 kB come from the arena while it has room, others from
 * malloc. */
void *arena_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize);
/* n bytes (64-aligned) from the top of the arena for good, or NULL when it has not the room. */
void *arena_take(struct arena *a, size_t n);

#endif
