internal import CMalloc

/// Keeps large freed blocks in the heap instead of returning them to the system.
///
/// Every training step allocates activations of several megabytes. By default glibc serves
/// such blocks with fresh `mmap`s and unmaps them on free, so each step pays page faults
/// for all of its memory again (measured: about 16% of a training step of mnist-16-32-64).
/// Raising the thresholds lets the blocks be reused; peak memory is unchanged.
enum AllocatorTuning {
    static func apply() {
        cnnzoo_keep_large_blocks(1 << 30, 1 << 30, 64 << 20)
    }
}
