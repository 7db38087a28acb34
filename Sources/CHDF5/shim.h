#ifndef CNNZOO_CHDF5_SHIM_H
#define CNNZOO_CHDF5_SHIM_H
#include <hdf5.h>
#include <string.h>
#include <stdio.h>

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

static inline unsigned cnnzoo_h5o_info_num_attrs(void) { return H5O_INFO_NUM_ATTRS; }

/* The number of attributes on an object, or -1. */
static inline long cnnzoo_h5_attribute_count(hid_t id) {
    H5O_info_t info;
    if (H5Oget_info2(id, &info, H5O_INFO_NUM_ATTRS) < 0) return -1;
    return (long)info.num_attrs;
}

/* A file-access property list whose files carry checksums on all their metadata: object
   headers v2, superblock v3 and the v1.10 chunk indexes (single chunk, fixed array) all have
   them; the v1.8-and-older structures (v1 B-trees, symbol tables, the global heap) do not. */
static inline hid_t cnnzoo_h5p_checksummed_file_access(void) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return fapl;
    if (H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_LATEST) < 0) { H5Pclose(fapl); return -1; }
    return fapl;
}

/* A dataset-creation property list: one chunk of the whole `dims`, Fletcher-32 checksummed. */
static inline hid_t cnnzoo_h5p_checksummed_dataset(int rank, const hsize_t *dims) {
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl < 0) return dcpl;
    if (H5Pset_chunk(dcpl, rank, dims) < 0 || H5Pset_fletcher32(dcpl) < 0) { H5Pclose(dcpl); return -1; }
    return dcpl;
}

/* Where the first chunk of a chunked dataset lies in the file, and its size in bytes. */
static inline int cnnzoo_h5_first_chunk(hid_t dataset, haddr_t *address, hsize_t *size) {
    hsize_t offset[32];
    unsigned mask = 0;
    hid_t space = H5Dget_space(dataset);
    if (space < 0) return -1;
    herr_t status = H5Dget_chunk_info(dataset, space, 0, offset, &mask, address, size);
    H5Sclose(space);
    return status < 0 ? -1 : 0;
}

/* Silences HDF5's automatic error-stack printing; errors become Swift throws. */
static inline herr_t cnnzoo_h5_silence_errors(void) { return H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

/* The innermost message of the current error stack, copied into `buffer`; "checksum" is
   appended when any message of the stack mentions one, so a damaged file can be told from
   other failures. */
static herr_t cnnzoo_h5_walk_cb(unsigned n, const H5E_error2_t *err, void *data) {
    char *buffer = (char *)data;
    if (n == 0 && err->desc) {
        snprintf(buffer, 480, "%s", err->desc);
    }
    if (err->desc && (strstr(err->desc, "checksum") || strstr(err->desc, "Fletcher")) && !strstr(buffer, "[checksum]")) {
        strncat(buffer, " [checksum]", 511 - strlen(buffer));
    }
    return 0;
}
static inline void cnnzoo_h5_last_error(char *buffer) {
    buffer[0] = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, cnnzoo_h5_walk_cb, buffer);
}
#endif
