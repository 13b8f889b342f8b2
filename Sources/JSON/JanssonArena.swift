import CJansson
import CJanssonArena

/// Scopes in which libjansson allocates from a per-thread bump arena (see `cjansson_arena.h`).
///
/// A message's jansson tree is a dozen small blocks that live for one parse or one dump; carving them from a
/// reused chunk and dropping them all at once costs far less than a malloc and a free each. jansson's
/// allocator is process-wide, so it is installed once, before the first scope; outside scopes it is malloc.
enum JanssonArena {
    /// Installs the arena's functions as jansson's allocator (once per process).
    private static let installed: Void = {
        json_set_alloc_funcs(cjansson_arena_malloc, cjansson_arena_free)
    }()

    /// Runs `body` in an arena scope on this thread. Every jansson value `body` creates must be released
    /// with ``release(_:)`` before `body` returns.
    @inline(__always)
    static func scope<Result>(_ body: () -> Result) -> Result {
        _ = installed
        let opened = cjansson_arena_begin()
        defer { if opened { cjansson_arena_end() } }
        return body()
    }

    /// Releases a tree made in the current scope: nothing to do when the whole scope fitted in the arena
    /// (closing the scope reclaims it), `json_decref` otherwise.
    @inline(__always)
    static func release(_ node: UnsafeMutablePointer<json_t>) {
        if !cjansson_arena_contained() { json_decref(node) }
    }
}
