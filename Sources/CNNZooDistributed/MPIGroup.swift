internal import CMPI
import CNNZoo

/// The processes of an Open MPI job, as the engine's ``DataParallelGroup``.
///
/// libmpi is loaded at run time (see the CMPI shim), so `cnn-zoo` builds and runs without
/// MPI installed and touches it only when `mpirun` started it. Collective operations fail by
/// ending the whole job (MPI's default error handler), so no process is left waiting on one
/// that died.
public final class MPIGroup: DataParallelGroup {
    public let rank: Int
    public let size: Int
    /// Open MPI's version line, for the log.
    public let libraryVersion: String

    /// Whether `mpirun` started this process (its launcher sets `OMPI_COMM_WORLD_SIZE`).
    public static func wasLaunched(environment: [String: String]) -> Bool {
        environment["OMPI_COMM_WORLD_SIZE"] != nil
    }

    /// How many processes of the job run on this machine, when the launcher says.
    public static func localSize(environment: [String: String]) -> Int? {
        environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init)
    }

    /// Loads `library` (default `libmpi.so.40`, Debian's Open MPI 4) and joins the job.
    public init(library: String? = nil) throws {
        var reason = [CChar](repeating: 0, count: 512)
        if cnnzoo_mpi_load(library, &reason, Int32(reason.count)) != 0 {
            let text = reason.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw MPIError("started by mpirun, but Open MPI's library could not be loaded (\(text)); "
                + "install it (apt-get install openmpi-bin libopenmpi-dev) or set CNN_ZOO_LIBMPI to its path")
        }
        try Self.check(cnnzoo_mpi_init(), "MPI_Init")
        var rank: Int32 = 0, size: Int32 = 0
        try Self.check(cnnzoo_mpi_rank(&rank), "MPI_Comm_rank")
        try Self.check(cnnzoo_mpi_size(&size), "MPI_Comm_size")
        self.rank = Int(rank)
        self.size = Int(size)
        libraryVersion = String(cString: cnnzoo_mpi_library_version())
    }

    public func allGather(_ values: [Float], counts: [Int]) throws -> [Float] {
        precondition(counts.count == size && values.count == counts[rank], "allGather: counts do not match")
        let total = counts.reduce(0, +)
        guard total <= Int(Int32.max) else { throw MPIError("a message of \(total) floats is beyond MPI's 32-bit counts") }
        var displacements = [Int32](repeating: 0, count: size)
        for r in 1..<max(1, size) { displacements[r] = displacements[r - 1] + Int32(counts[r - 1]) }
        let counts32 = counts.map { Int32($0) }
        // Empty arrays have no storage; MPI reads and writes nothing there but wants valid pointers.
        let send = values.isEmpty ? [0] : values
        var result = [Float](repeating: 0, count: max(total, 1))
        let status = send.withUnsafeBufferPointer { send in
            result.withUnsafeMutableBufferPointer { receive in
                cnnzoo_mpi_allgatherv_floats(send.baseAddress!, Int32(values.count), receive.baseAddress!, counts32, displacements)
            }
        }
        try Self.check(status, "MPI_Allgatherv")
        return total == 0 ? [] : result
    }

    public func any(_ flag: Bool) throws -> Bool {
        var result: Int32 = 0
        try Self.check(cnnzoo_mpi_allreduce_max_int(flag ? 1 : 0, &result), "MPI_Allreduce")
        return result != 0
    }

    /// Waits until every process gets here.
    public func barrier() throws {
        try Self.check(cnnzoo_mpi_barrier(), "MPI_Barrier")
    }

    /// Ends every process of the job with `code` (after this process has said why).
    public func abort(code: Int32) -> Never {
        cnnzoo_mpi_abort(code)
        fatalError("MPI_Abort returned")
    }

    /// Leaves the job; every process calls it once, at the end.
    public func finish() {
        _ = cnnzoo_mpi_finalize()
    }

    private static func check(_ status: Int32, _ call: String) throws {
        if status != 0 { throw MPIError("\(call) failed with MPI error \(status)") }
    }
}

/// A failure of the MPI layer, as one line.
public struct MPIError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
