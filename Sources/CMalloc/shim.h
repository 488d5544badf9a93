#ifndef CMALLOC_SHIM_H
#define CMALLOC_SHIM_H
/* glibc's malloc tuning (mallopt) and statistics (mallinfo2), which the Glibc module does not
   export; lossd uses them for its buffer cache (Sources/lossd/Operations/BufferCache.swift). */
#include <malloc.h>
#endif
