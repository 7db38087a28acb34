#ifndef CNNZOO_CMPI_H
#define CNNZOO_CMPI_H
// A thin shim over Open MPI, loaded at run time with dlopen: the program needs no MPI to
// build or to run, and loads libmpi only when mpirun started it. It declares the dozen
// calls cnn-zoo uses against Open MPI's ABI (handles are addresses of its exported objects,
// ompi_mpi_comm_world and the like; stable across Open MPI 4 and 5), so no MPI headers are
// needed at build time either. Every call returns MPI's error code (0 is success).

/// Loads `library` (NULL: "libmpi.so.40") and looks up every symbol; on failure returns
/// nonzero and writes a one-line reason into `reason`.
int cnnzoo_mpi_load(const char *library, char *reason, int reason_size);
/// Joins the job; `serialized` is set when any thread may call (one at a time), as the
/// overlapped gradient reduction needs.
int cnnzoo_mpi_init(int *serialized);
int cnnzoo_mpi_finalize(void);
int cnnzoo_mpi_rank(int *rank);
int cnnzoo_mpi_size(int *size);
/// Every process's `count` floats (counts[r] from process r) concatenated in rank order.
int cnnzoo_mpi_allgatherv_floats(const float *values, int count, float *result, const int *counts, const int *displacements);
/// Personalised exchange: process r's `send_counts[d]` floats from `send_displacements[d]` go
/// to process d, which receives them at `receive_displacements[r]`.
int cnnzoo_mpi_alltoallv_floats(const float *send, const int *send_counts, const int *send_displacements,
                                float *receive, const int *receive_counts, const int *receive_displacements);
/// `count` floats to process `destination` (blocking), and from process `source`.
int cnnzoo_mpi_send_floats(const float *values, int count, int destination);
int cnnzoo_mpi_receive_floats(float *values, int count, int source);
/// Process `root`'s `count` floats into every process's `values`.
/// The largest of every process's `value`.
int cnnzoo_mpi_allreduce_max_int(int value, int *result);
int cnnzoo_mpi_barrier(void);
/// Ends every process of the job with `code`.
void cnnzoo_mpi_abort(int code);
/// The library's own version line (MPI_Get_library_version), or "" before loading.
const char *cnnzoo_mpi_library_version(void);

#endif
