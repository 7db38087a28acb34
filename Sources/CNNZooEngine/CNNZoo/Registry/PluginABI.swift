/// The C boundary of a plugin loaded at run time: two symbols, looked up by name.
///
/// A plugin library's target applies the engine's `FingerprintPlugin` (which generates
/// `cnnzooBuildFingerprint`, the hash of the engine sources it compiles against) and exports,
/// with `@_cdecl`,
///
///     @_cdecl("cnnzoo_plugin_fingerprint")
///     public func cnnzooPluginFingerprint() -> UnsafeRawPointer { PluginABI.pointer(to: cnnzooBuildFingerprint) }
///     @_cdecl("cnnzoo_plugin_entry")
///     public func cnnzooPluginEntry() -> UnsafeMutableRawPointer { PluginABI.export(myPlugin) }
///
/// The host reads the fingerprint first and touches no type unless it equals its own engine's.
/// Then the entry hands over the ``Plugin`` description, whose types the host registers itself.
public enum PluginABI {
    public static let fingerprintSymbol = "cnnzoo_plugin_fingerprint"
    public static let entrySymbol = "cnnzoo_plugin_entry"

    /// The fingerprint of the engine loaded in this process.
    public static let engineFingerprint = cnnzooBuildFingerprint.description

    /// For a plugin's `cnnzoo_plugin_fingerprint`: its stamp as a NUL-terminated string in its own image.
    public static func pointer(to fingerprint: StaticString) -> UnsafeRawPointer { UnsafeRawPointer(fingerprint.utf8Start) }

    /// For a plugin's `cnnzoo_plugin_entry`: its description, handed over retained.
    public static func export(_ plugin: Plugin) -> UnsafeMutableRawPointer {
        Unmanaged.passRetained(PluginBox(plugin)).toOpaque()
    }

    /// The host's side of ``export(_:)``: only after the fingerprints matched.
    public static func take(_ pointer: UnsafeMutableRawPointer) -> Plugin {
        Unmanaged<PluginBox>.fromOpaque(pointer).takeRetainedValue().plugin
    }
}

/// A plugin description carried across the C boundary.
final class PluginBox: Sendable {
    let plugin: Plugin
    init(_ plugin: Plugin) { self.plugin = plugin }
}
