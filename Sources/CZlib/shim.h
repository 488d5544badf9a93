#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H
#include <zlib.h>

/* deflateInit2 and inflateInit2 are function-like macros that Swift cannot import; these
   wrappers pass ZLIB_VERSION and sizeof(z_stream) exactly as the macros do. */
static inline int czlib_deflateInit2(z_streamp strm, int level, int windowBits, int memLevel,
                                     int strategy) {
    return deflateInit2(strm, level, Z_DEFLATED, windowBits, memLevel, strategy);
}

static inline int czlib_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}

#endif
