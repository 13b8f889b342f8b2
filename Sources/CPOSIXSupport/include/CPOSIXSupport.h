#ifndef CPOSIXSUPPORT_H
#define CPOSIXSUPPORT_H

#include <pthread.h>

/// pthread_setname_np for the calling thread (glibc declares it only with _GNU_SOURCE, which Swift's Glibc
/// module is not built with). `name` must be at most 15 bytes; returns 0 or an errno value.
int vmig_set_current_thread_name(const char *name);

#endif
