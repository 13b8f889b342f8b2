#include "cjansson_arena.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

enum { CHUNK_BYTES = 64 * 1024, ALIGNMENT = 16 };

struct arena {
    char *chunk;   /* this thread's chunk, allocated on the first scope, freed when the thread exits */
    char *next;    /* first free byte of the chunk */
    char *end;     /* one past the chunk */
    bool active;   /* a scope is open */
    bool spilled;  /* an allocation of the open scope came from malloc */
};

/* initial-exec: one %fs-relative load, no __tls_get_addr call (the code is linked into executables). */
static __thread struct arena arena __attribute__((tls_model("initial-exec")));

static pthread_key_t chunk_key;
static pthread_once_t chunk_key_once = PTHREAD_ONCE_INIT;

/* Runs on an exiting thread: forget the chunk first, so later jansson calls on this thread use malloc. */
static void release_chunk(void *chunk) {
    if (arena.chunk == chunk) {
        arena.chunk = NULL;
        arena.next = NULL;
        arena.end = NULL;
        arena.active = false;
    }
    free(chunk);
}

static void make_chunk_key(void) {
    (void)pthread_key_create(&chunk_key, release_chunk);
}

static bool ensure_chunk(void) {
    if (arena.chunk != NULL) return true;
    char *chunk = malloc(CHUNK_BYTES);
    if (chunk == NULL) return false;
    (void)pthread_once(&chunk_key_once, make_chunk_key);
    (void)pthread_setspecific(chunk_key, chunk);
    arena.chunk = chunk;
    arena.next = chunk;
    arena.end = chunk + CHUNK_BYTES;
    return true;
}

static bool in_chunk(const void *pointer) {
    uintptr_t address = (uintptr_t)pointer;
    return address >= (uintptr_t)arena.chunk && address < (uintptr_t)arena.end;
}

void *cjansson_arena_malloc(size_t size) {
    if (arena.active) {
        size_t rounded = (size + (ALIGNMENT - 1)) & ~(size_t)(ALIGNMENT - 1);
        if (rounded >= size && rounded <= (size_t)(arena.end - arena.next)) {
            char *block = arena.next;
            arena.next += rounded;
            return block;
        }
        arena.spilled = true;
    }
    return malloc(size);
}

void cjansson_arena_free(void *pointer) {
    if (in_chunk(pointer)) return;
    free(pointer);
}

bool cjansson_arena_begin(void) {
    if (arena.active || !ensure_chunk()) return false;
    arena.next = arena.chunk;
    arena.spilled = false;
    arena.active = true;
    return true;
}

bool cjansson_arena_contained(void) {
    return arena.active && !arena.spilled;
}

void cjansson_arena_end(void) {
    arena.active = false;
    arena.next = arena.chunk;
}
