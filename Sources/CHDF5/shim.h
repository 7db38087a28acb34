#ifndef CNNZOO_CHDF5_SHIM_H
#define CNNZOO_CHDF5_SHIM_H
#include <hdf5.h>

/* HDF5 exposes its predefined types, property-list classes and flags as macros
   that expand to global variables after H5open(); Swift cannot import those with
   the right types, so each one gets a typed getter here. */

static inline hid_t cnnzoo_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t cnnzoo_h5s_all(void) { return H5S_ALL; }
static inline hid_t cnnzoo_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t cnnzoo_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t cnnzoo_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t cnnzoo_h5t_native_uint64(void) { return H5T_NATIVE_UINT64; }
static inline hid_t cnnzoo_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t cnnzoo_h5t_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t cnnzoo_h5t_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t cnnzoo_h5t_std_u64le(void) { return H5T_STD_U64LE; }
static inline hid_t cnnzoo_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t cnnzoo_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t cnnzoo_h5p_file_create(void) { return H5P_FILE_CREATE; }
static inline hid_t cnnzoo_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline unsigned cnnzoo_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned cnnzoo_h5f_acc_excl(void) { return H5F_ACC_EXCL; }
static inline unsigned cnnzoo_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned cnnzoo_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline size_t cnnzoo_h5t_variable(void) { return H5T_VARIABLE; }

/* Silences HDF5's automatic error-stack printing; errors become Swift throws. */
static inline herr_t cnnzoo_h5_silence_errors(void) { return H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

/* The innermost message of the current error stack, copied into `buffer`. */
static herr_t cnnzoo_h5_walk_cb(unsigned n, const H5E_error2_t *err, void *data) {
    char *buffer = (char *)data;
    if (n == 0 && err->desc) {
        snprintf(buffer, 512, "%s", err->desc);
    }
    return 0;
}
static inline void cnnzoo_h5_last_error(char *buffer) {
    buffer[0] = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, cnnzoo_h5_walk_cb, buffer);
}
#endif
