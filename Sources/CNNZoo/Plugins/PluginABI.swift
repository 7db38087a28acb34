internal import CNNZooPluginABI

/// The C boundary of a plugin library loaded at run time (`cnnzoo_plugin.h`): two symbols,
/// looked up by name, and the table of the engine's threads the program lends a plugin.
public enum PluginABI {
    public static let abiSymbol = "cnnzoo_plugin_abi"
    public static let entrySymbol = "cnnzoo_plugin_entry"

    /// The layout version of `cnnzoo_plugin.h`.
    public static let version = Int(CNNZOO_PLUGIN_ABI_VERSION)

    /// What this build's `cnnzoo_plugin_abi` says: the layout version and the build configuration.
    /// A program refuses a library whose string differs.
    public static let identity: String = {
        #if DEBUG
        return CNNZOO_PLUGIN_ABI_DEBUG
        #else
        return CNNZOO_PLUGIN_ABI_RELEASE
        #endif
    }()

    /// ``identity`` as the NUL-terminated string a library's `cnnzoo_plugin_abi` returns.
    nonisolated(unsafe) public static let identityPointer: UnsafePointer<CChar> = CString.persistent(identity)

    /// The table of this engine's threads, handed to every library it loads.
    nonisolated(unsafe) static let engineHost: UnsafePointer<cnnzoo_host> = {
        let host = UnsafeMutablePointer<cnnzoo_host>.allocate(capacity: 1)
        host.initialize(to: cnnzoo_host(
            abi_version: UInt32(CNNZOO_PLUGIN_ABI_VERSION),
            chunk_count: { count in Int64(Parallelism.chunkCount(Int(count))) },
            for_each_chunk: { count, context, body in
                let (context, body) = (UncheckedSendable(context), body!)
                Parallelism.forEachChunk(Int(count)) { chunk, range in
                    body(context.value, Int64(chunk), Int64(range.lowerBound), Int64(range.upperBound))
                }
            }))
        return UnsafePointer(host)
    }()
}

extension PluginLibrary {
    /// For a library's `cnnzoo_plugin_abi`.
    public static var abi: UnsafePointer<CChar> { PluginABI.identityPointer }
}

/// C strings that live as long as the process: the names and texts in a plugin's tables.
enum CString {
    static func persistent(_ text: String) -> UnsafePointer<CChar> {
        let bytes = Array(text.utf8CString)
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
        pointer.initialize(from: bytes, count: bytes.count)
        return UnsafePointer(pointer)
    }

    /// `text` into an error buffer of the boundary, truncated to fit.
    static func write(_ text: String, to error: cnnzoo_error) {
        guard let message = error.message, error.capacity > 0 else { return }
        let bytes = Array(text.utf8.prefix(Int(error.capacity) - 1))
        for (index, byte) in bytes.enumerated() { message[index] = CChar(bitPattern: byte) }
        message[bytes.count] = 0
    }
}
