import CNNZoo
import Foundation

/// Makes OpenBLAS use the fast kernels on CPUs it does not recognise.
///
/// Debian's OpenBLAS 0.3.21 falls back to its slowest (`Prescott`, SSE3) kernels on some
/// AVX-512 machines — about 7× slower sgemm. It reads `OPENBLAS_CORETYPE` only when it is
/// loaded, so when it has chosen the fallback on a CPU with AVX-512 (or AVX2), we set the
/// variable and re-execute the program once. An explicit `OPENBLAS_CORETYPE` always wins.
enum BLASRuntime {
    static let marker = "CNN_ZOO_BLAS_REEXEC"

    static func selectFastKernels() {
        let environment = ProcessInfo.processInfo.environment
        guard let core = recommendedCore(chosen: BLAS.coreName, cpuFlags: CPUInfo.flags, environment: environment) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(marker, "1", 1)
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)
        // execv returned: carry on with the slow kernels rather than fail.
    }

    /// The kernel family to force, or nil to keep OpenBLAS's own choice: only when OpenBLAS fell
    /// back to a generic core on a CPU that has AVX-512 (→ SkylakeX) or AVX2 with FMA (→ Haswell),
    /// and never over a user's `OPENBLAS_CORETYPE` or after one re-execution.
    static func recommendedCore(chosen: String, cpuFlags flags: Set<String>, environment: [String: String]) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil, environment[marker] == nil else { return nil }
        guard ["prescott", "core2", "unknown", "katmai", "northwood", "banias"].contains(chosen.lowercased()) else { return nil }
        if ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(flags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
        return nil
    }

    /// A human line for the benchmark and `--verbose` output.
    static var description: String {
        let source = ProcessInfo.processInfo.environment[marker] != nil ? "selected by cnn-zoo"
            : ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] != nil ? "from OPENBLAS_CORETYPE" : "detected by OpenBLAS"
        return "OpenBLAS kernels: \(BLAS.coreName) (\(source)), one BLAS thread per engine thread"
    }

}
