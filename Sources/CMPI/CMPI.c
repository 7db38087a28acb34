#include "CMPI.h"
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

typedef void *handle;  // MPI_Comm, MPI_Datatype, MPI_Op in Open MPI: pointers to its objects

static struct {
    int (*init_thread)(int *, char ***, int, int *);
    int (*finalize)(void);
    int (*comm_rank)(handle, int *);
    int (*comm_size)(handle, int *);
    int (*allgatherv)(const void *, int, handle, void *, const int *, const int *, handle, handle);
    int (*alltoallv)(const void *, const int *, const int *, handle, void *, const int *, const int *, handle, handle);
    int (*send)(const void *, int, handle, int, int, handle);
    int (*recv)(void *, int, handle, int, int, handle, void *);
    int (*allreduce)(const void *, void *, int, handle, handle, handle);
    int (*barrier)(handle);
    int (*abort)(handle, int);
    int (*library_version)(char *, int *);
    handle comm_world, float_type, int_type, max_op;
} mpi;

static char version[512];

int cnnzoo_mpi_load(const char *library, char *reason, int reason_size) {
    // RTLD_GLOBAL: Open MPI's own components, which it dlopens in turn, resolve against libmpi.
    void *lib = dlopen(library ? library : "libmpi.so.40", RTLD_NOW | RTLD_GLOBAL);
    if (!lib) {
        snprintf(reason, reason_size, "%s", dlerror());
        return 1;
    }
#define FIND(field, name)                                                                  \
    do {                                                                                   \
        *(void **)&mpi.field = dlsym(lib, name);                                           \
        if (!mpi.field) {                                                                  \
            snprintf(reason, reason_size, "%s has no %s: is it Open MPI?", library ? library : "libmpi.so.40", name); \
            return 1;                                                                      \
        }                                                                                  \
    } while (0)
    FIND(init_thread, "MPI_Init_thread");
    FIND(finalize, "MPI_Finalize");
    FIND(comm_rank, "MPI_Comm_rank");
    FIND(comm_size, "MPI_Comm_size");
    FIND(allgatherv, "MPI_Allgatherv");
    FIND(alltoallv, "MPI_Alltoallv");
    FIND(send, "MPI_Send");
    FIND(recv, "MPI_Recv");
    FIND(allreduce, "MPI_Allreduce");
    FIND(barrier, "MPI_Barrier");
    FIND(abort, "MPI_Abort");
    FIND(library_version, "MPI_Get_library_version");
    FIND(comm_world, "ompi_mpi_comm_world");
    FIND(float_type, "ompi_mpi_float");
    FIND(int_type, "ompi_mpi_int");
    FIND(max_op, "ompi_mpi_op_max");
#undef FIND
    int length = sizeof version;
    if (mpi.library_version(version, &length) != 0) version[0] = 0;
    char *newline = strchr(version, '\n');
    if (newline) *newline = 0;
    return 0;
}

int cnnzoo_mpi_init(int *serialized) {
    // MPI_THREAD_SERIALIZED: any thread may call, one at a time (the gradient reduction runs
    // on a thread of its own while the backward pass goes on).
    enum { thread_serialized = 2 };
    int provided = 0;
    int status = mpi.init_thread(0, 0, thread_serialized, &provided);
    *serialized = provided >= thread_serialized;
    return status;
}
int cnnzoo_mpi_finalize(void) { return mpi.finalize(); }
int cnnzoo_mpi_rank(int *rank) { return mpi.comm_rank(mpi.comm_world, rank); }
int cnnzoo_mpi_size(int *size) { return mpi.comm_size(mpi.comm_world, size); }

int cnnzoo_mpi_allgatherv_floats(const float *values, int count, float *result, const int *counts, const int *displacements) {
    return mpi.allgatherv(values, count, mpi.float_type, result, counts, displacements, mpi.float_type, mpi.comm_world);
}

int cnnzoo_mpi_alltoallv_floats(const float *send, const int *send_counts, const int *send_displacements,
                                float *receive, const int *receive_counts, const int *receive_displacements) {
    return mpi.alltoallv(send, send_counts, send_displacements, mpi.float_type,
                         receive, receive_counts, receive_displacements, mpi.float_type, mpi.comm_world);
}

enum { chain_tag = 7 };

int cnnzoo_mpi_send_floats(const float *values, int count, int destination) {
    return mpi.send(values, count, mpi.float_type, destination, chain_tag, mpi.comm_world);
}

int cnnzoo_mpi_receive_floats(float *values, int count, int source) {
    // A null status is MPI_STATUS_IGNORE in Open MPI.
    return mpi.recv(values, count, mpi.float_type, source, chain_tag, mpi.comm_world, 0);
}

int cnnzoo_mpi_allreduce_max_int(int value, int *result) {
    return mpi.allreduce(&value, result, 1, mpi.int_type, mpi.max_op, mpi.comm_world);
}

int cnnzoo_mpi_barrier(void) { return mpi.barrier(mpi.comm_world); }
void cnnzoo_mpi_abort(int code) { mpi.abort(mpi.comm_world, code); }
const char *cnnzoo_mpi_library_version(void) { return version; }
