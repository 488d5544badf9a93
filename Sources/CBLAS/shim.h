#ifndef CBLAS_SHIM_H
#define CBLAS_SHIM_H
/* OpenBLAS's CBLAS interface (libopenblas-dev; pkg-config "openblas" puts its include folder,
   e.g. /usr/include/x86_64-linux-gnu/openblas-pthread, on the search path). It also declares
   openblas_set_num_threads / openblas_get_num_threads, which lossd uses to size OpenBLAS's
   thread pool per job (README "BLAS threads"). */
#include <cblas.h>
#endif
