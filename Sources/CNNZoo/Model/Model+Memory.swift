#if canImport(Glibc)
import Glibc
#endif
import Foundation

extension Model {
    /// The bytes a training run of this model needs, worked out from the spec alone (a built
    /// model holds no weights until they are initialised or loaded): each parameter's values, its
    /// gradient and `optimizerSlots` state tensors, and for a batch of `batchSize` every layer's
    /// output and its gradient.
    public func trainingMemory(batchSize: Int, optimizerSlots: Int) -> Int {
        let parameters = namedParameters.reduce(0) { $0 + $1.parameter.count } * (2 + optimizerSlots)
            + namedBuffers.reduce(0) { $0 + $1.buffer.count }
        let activations = layers.reduce(Tensor.count(of: spec.inputShape)) { $0 + Tensor.count(of: $1.layer.outputShape) } * batchSize * 2
        return 4 * (parameters + activations)
    }
}

/// How much memory this process may use: the machine's, or less where a cgroup or an address-space
/// limit says so.
public enum MachineMemory {
    public static var available: Int {
        var bytes = Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: path, encoding: .utf8), let limit = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                bytes = min(bytes, limit)
            }
        }
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max {
            bytes = min(bytes, Int(clamping: limit.rlim_cur))
        }
        return bytes
    }
}
