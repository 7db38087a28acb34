import ArgumentParser
import CNNZoo
import CNNZooDistributed
import Foundation

/// How a command runs when `mpirun` started it: which process it is, and what only the first
/// process does (print progress, write checkpoints and pictures).
struct DataParallelRun {
    /// The job's processes, or nil for an ordinary single-process run.
    let group: MPIGroup?

    /// The single-process run.
    static var alone: DataParallelRun { DataParallelRun(group: nil) }

    /// Joins the MPI job when mpirun started this process (loading libmpi from `CNN_ZOO_LIBMPI`
    /// or the system's `libmpi.so.40`); otherwise the single-process run.
    static func start() throws -> DataParallelRun {
        let environment = ProcessInfo.processInfo.environment
        guard MPIGroup.wasLaunched(environment: environment) else { return .alone }
        let group: MPIGroup
        do { group = try MPIGroup(library: environment["CNN_ZOO_LIBMPI"]) } catch let error as MPIError {
            throw RuntimeError(error.description)
        }
        if group.size > 1 {
            Console.processLabel = "rank \(group.rank) of \(group.size)"
            Console.quiet = group.rank != 0
        }
        return DataParallelRun(group: group)
    }

    var ranks: Int { group?.size ?? 1 }
    var isLeader: Bool { (group?.rank ?? 0) == 0 }

    /// Threads per process when --threads is not given: the machine's cores shared among the
    /// job's processes on it.
    var defaultThreads: Int? {
        guard group != nil, let local = MPIGroup.localSize(environment: ProcessInfo.processInfo.environment), local > 0 else { return nil }
        return max(1, ProcessInfo.processInfo.activeProcessorCount / local)
    }

    /// Whether any process asks to stop (Ctrl-C): every process gets the same answer, so all
    /// stop after the same step.
    func stopRequested() throws -> Bool {
        guard let group else { return Interrupt.wasRequested }
        do { return try group.any(Interrupt.wasRequested) } catch let error as MPIError { throw RuntimeError(error.description) }
    }

    /// Runs `body`; under MPI, a failure in any process is reported by that process and ends
    /// the whole job at once (MPI_Abort), so no process waits for one that gave up; a normal
    /// end, or a stop on Ctrl-C, leaves the job together (MPI_Finalize).
    func run(_ body: () throws -> Void) throws {
        guard let group, group.size > 1 else {
            defer { group?.finish() }
            return try body()
        }
        do {
            try body()
            group.finish()
        } catch let exit as ExitCode {
            group.finish()
            throw exit
        } catch {
            let (message, code): (String, Int32) = switch error {
            case let error as UsageError: (error.message, 2)
            case let error as RuntimeError: (error.description, 1)
            default: (String(describing: error), 1)
            }
            Console.error(message)
            group.abort(code: code)
        }
    }
}
