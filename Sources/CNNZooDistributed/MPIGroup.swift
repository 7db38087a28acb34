internal import CMPI
import CNNZoo
import Foundation

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
    /// Whether the library takes calls from any thread, one at a time (MPI_THREAD_SERIALIZED).
    public let callableFromAnyThread: Bool
    /// Ends the process when a call waits past `CNN_ZOO_MPI_TIMEOUT` (nil: no limit).
    private let watchdog: Watchdog?

    /// Whether `mpirun` started this process (its launcher sets `OMPI_COMM_WORLD_SIZE`).
    public static func wasLaunched(environment: [String: String]) -> Bool {
        environment["OMPI_COMM_WORLD_SIZE"] != nil
    }

    /// How many processes of the job run on this machine, when the launcher says.
    public static func localSize(environment: [String: String]) -> Int? {
        environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init)
    }

    /// Loads `library` (default `libmpi.so.40`, Debian's Open MPI 4) and joins the job.
    public init(library: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let limit = try Watchdog.limit(environment: environment)
        var reason = [CChar](repeating: 0, count: 512)
        if cnnzoo_mpi_load(library, &reason, Int32(reason.count)) != 0 {
            let text = reason.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw MPIError("started by mpirun, but Open MPI's library could not be loaded (\(text)); "
                + "install it (apt-get install openmpi-bin libopenmpi-dev) or set CNN_ZOO_LIBMPI to its path")
        }
        var serialized: Int32 = 0
        try Self.check(cnnzoo_mpi_init(&serialized), "MPI_Init_thread")
        callableFromAnyThread = serialized != 0
        var rank: Int32 = 0, size: Int32 = 0
        try Self.check(cnnzoo_mpi_rank(&rank), "MPI_Comm_rank")
        try Self.check(cnnzoo_mpi_size(&size), "MPI_Comm_size")
        self.rank = Int(rank)
        self.size = Int(size)
        libraryVersion = String(cString: cnnzoo_mpi_library_version())
        watchdog = limit.map { Watchdog(limit: $0, label: "rank \(rank) of \(size)") }
    }

    /// `body` under the watchdog's eye.
    private func watched<T>(_ operation: @autoclosure () -> String, _ body: () throws -> T) rethrows -> T {
        guard let watchdog else { return try body() }
        return try watchdog.watch(operation(), body)
    }

    public func allGather(_ values: [Float], counts: [Int]) throws -> [Float] {
        precondition(counts.count == size && values.count == counts[rank], "allGather: counts do not match")
        let total = try Self.fitting(counts.reduce(0, +))
        let (counts32, displacements) = Self.layout(counts)
        // Empty arrays have no storage; MPI reads and writes nothing there but wants valid pointers.
        let send = values.isEmpty ? [0] : values
        var result = [Float](repeating: 0, count: max(total, 1))
        let status = watched("MPI_Allgatherv") { send.withUnsafeBufferPointer { send in
            result.withUnsafeMutableBufferPointer { receive in
                cnnzoo_mpi_allgatherv_floats(send.baseAddress!, Int32(values.count), receive.baseAddress!, counts32, displacements)
            }
        } }
        try Self.check(status, "MPI_Allgatherv")
        return total == 0 ? [] : result
    }

    public func allToAll(_ values: [Float], sendCounts: [Int], receiveCounts: [Int]) throws -> [Float] {
        precondition(sendCounts.count == size && receiveCounts.count == size && values.count == sendCounts.reduce(0, +),
                     "allToAll: counts do not match")
        let total = try Self.fitting(receiveCounts.reduce(0, +))
        _ = try Self.fitting(values.count)
        let (sending, sendDisplacements) = Self.layout(sendCounts), (receiving, receiveDisplacements) = Self.layout(receiveCounts)
        let send = values.isEmpty ? [0] : values
        var result = [Float](repeating: 0, count: max(total, 1))
        let status = watched("MPI_Alltoallv") { send.withUnsafeBufferPointer { send in
            result.withUnsafeMutableBufferPointer { receive in
                cnnzoo_mpi_alltoallv_floats(send.baseAddress!, sending, sendDisplacements, receive.baseAddress!, receiving, receiveDisplacements)
            }
        } }
        try Self.check(status, "MPI_Alltoallv")
        return total == 0 ? [] : result
    }

    public func send(_ values: [Float], to destination: Int) throws {
        let count = Int32(try Self.fitting(values.count))
        let values = values.isEmpty ? [0] : values
        try Self.check(watched("MPI_Send to rank \(destination)") {
            values.withUnsafeBufferPointer { cnnzoo_mpi_send_floats($0.baseAddress!, count, Int32(destination)) }
        }, "MPI_Send")
    }

    public func receive(count: Int, from source: Int) throws -> [Float] {
        _ = try Self.fitting(count)
        var values = [Float](repeating: 0, count: max(count, 1))
        try Self.check(watched("MPI_Recv from rank \(source)") {
            values.withUnsafeMutableBufferPointer { cnnzoo_mpi_receive_floats($0.baseAddress!, Int32(count), Int32(source)) }
        }, "MPI_Recv")
        return count == 0 ? [] : values
    }

    public func any(_ flag: Bool) throws -> Bool {
        var result: Int32 = 0
        try Self.check(watched("MPI_Allreduce") { cnnzoo_mpi_allreduce_max_int(flag ? 1 : 0, &result) }, "MPI_Allreduce")
        return result != 0
    }

    /// Waits until every process gets here.
    public func barrier() throws {
        try Self.check(watched("MPI_Barrier") { cnnzoo_mpi_barrier() }, "MPI_Barrier")
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

    /// `count`, when MPI's 32-bit counts can carry a message of that many floats.
    private static func fitting(_ count: Int) throws -> Int {
        guard count <= Int(Int32.max) else { throw MPIError("a message of \(count) floats is beyond MPI's 32-bit counts") }
        return count
    }

    /// Per-process counts as MPI takes them, with where each process's block starts.
    private static func layout(_ counts: [Int]) -> (counts: [Int32], displacements: [Int32]) {
        var displacements = [Int32](repeating: 0, count: counts.count)
        for r in 1..<max(1, counts.count) { displacements[r] = displacements[r - 1] + Int32(counts[r - 1]) }
        return (counts.map { Int32($0) }, displacements)
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
