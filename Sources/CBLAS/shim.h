#ifndef CNNZOO_CBLAS_SHIM_H
#define CNNZOO_CBLAS_SHIM_H
#include <cblas.h>

/// OpenBLAS's own extras, declared in its cblas.h; re-exported here so Swift sees one module.
static inline const char *cnnzoo_blas_core_name(void) { return openblas_get_corename(); }
static inline int cnnzoo_blas_num_threads(void) { return openblas_get_num_threads(); }
static inline void cnnzoo_blas_set_num_threads(int n) { openblas_set_num_threads(n); }
static inline const char *cnnzoo_blas_config(void) { return openblas_get_config(); }

#endif
