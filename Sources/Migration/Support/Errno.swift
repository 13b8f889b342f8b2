import Glibc
import Synchronization

/// `strerror(errno)` as a String.
enum Errno {
    static func text(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }
}
