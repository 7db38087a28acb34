internal import CBLAS

/// Row-major single-precision matrix products on the system BLAS.
public enum BLAS {
    /// C ← α·op(A)·op(B) + β·C, with op(A) of shape m×k and op(B) of shape k×n (row-major).
    @inline(__always)
    public static func gemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                            alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int,
                            beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }

    /// B ← Aᵀ for a row-major `rows`×`columns` matrix A (OpenBLAS's `somatcopy`).
    @inline(__always)
    public static func transpose(rows: Int, columns: Int, a: UnsafePointer<Float>, lda: Int,
                                 into b: UnsafeMutablePointer<Float>, ldb: Int) {
        cblas_somatcopy(CblasRowMajor, CblasTrans, blasint(rows), blasint(columns), 1, a, blasint(lda), b, blasint(ldb))
    }

    /// The kernel family OpenBLAS chose for this CPU (`Prescott`, `SkylakeX`, `Haswell`, …).
    public static var coreName: String { String(cString: cnnzoo_blas_core_name()) }

    /// The number of threads BLAS calls may use.
    public static var threadCount: Int {
        get { Int(cnnzoo_blas_num_threads()) }
        set { cnnzoo_blas_set_num_threads(Int32(newValue)) }
    }
}
