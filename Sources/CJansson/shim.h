#ifndef VMIG_CJANSSON_SHIM_H
#define VMIG_CJANSSON_SHIM_H
#include <jansson.h>

/// JSON_REAL_PRECISION is a function-like macro and does not import into Swift.
static inline size_t cjansson_real_precision(int digits) { return JSON_REAL_PRECISION(digits); }
#endif
