#ifndef VMIG_CJANSSON_ARENA_H
#define VMIG_CJANSSON_ARENA_H
#include <stdbool.h>
#include <stddef.h>

/* A per-thread bump arena for libjansson's short-lived trees, installed with json_set_alloc_funcs.
 *
 * Between cjansson_arena_begin() and cjansson_arena_end() on one thread, jansson's allocations are carved from
 * that thread's 64 KiB chunk and freeing them costs nothing; cjansson_arena_end() takes the whole chunk back.
 * Outside a scope, or once the chunk is full, allocations come from malloc and are freed with free.
 *
 * Rule for callers: a jansson value created inside a scope must be released (or abandoned, see
 * cjansson_arena_contained) inside that same scope, on that same thread. */

/* jansson's allocation function (json_malloc_t). */
void *cjansson_arena_malloc(size_t size);

/* jansson's release function (json_free_t): a no-op for memory of this thread's chunk. */
void cjansson_arena_free(void *pointer);

/* Opens a scope on this thread. Returns false, and opens nothing, when a scope is already open (the outer
 * scope then owns the allocations) or the chunk cannot be allocated. */
bool cjansson_arena_begin(void);

/* Whether a scope is open and every allocation since it opened came from the chunk: then the jansson values
 * made in the scope need no json_decref, cjansson_arena_end() reclaims them all at once. */
bool cjansson_arena_contained(void);

/* Closes the scope opened by a successful cjansson_arena_begin() and reclaims the chunk. */
void cjansson_arena_end(void);

#endif
