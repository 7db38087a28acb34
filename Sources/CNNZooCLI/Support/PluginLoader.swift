import CNNZoo
import Foundation

/// Loads plugin libraries into this process, each as a shared library built against the same
/// engine library (libCNNZoo.so) that this program links.
///
/// A library is opened with `RTLD_NOW | RTLD_LOCAL` by absolute path (a bare name would be
/// searched on the library path) and never closed. Its fingerprint — the hash of the engine
/// sources it was compiled against — must equal this engine's before anything else in it is
/// touched: a plugin built against other sources would crash on the first mismatched type.
/// Plugins are trusted code: loading one runs it.
enum PluginLoader {
    /// The plugin paths named by `CNN_ZOO_PLUGINS` (`:`-separated), then by `--plugin` options.
    /// Returns them with the arguments left once the `--plugin` options are taken out.
    static func pluginPaths(in arguments: [String], environment: [String: String]) throws -> (paths: [String], arguments: [String]) {
        var paths = (environment["CNN_ZOO_PLUGINS"] ?? "").split(separator: ":").map(String.init)
        var rest: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { rest += arguments[index...]; break }
            if argument == "--plugin" {
                guard index + 1 < arguments.count, !arguments[index + 1].hasPrefix("-") else {
                    throw UsageError("--plugin needs the path of a plugin library (a .so file)")
                }
                paths.append(arguments[index + 1])
                index += 2
                continue
            }
            if argument.hasPrefix("--plugin=") {
                paths.append(String(argument.dropFirst("--plugin=".count)))
            } else {
                rest.append(argument)
            }
            index += 1
        }
        return (paths, rest)
    }

    /// Loads the plugin at each path; a failure is one line naming the file.
    static func load(_ paths: [String]) throws -> [(plugin: Plugin, origin: String)] {
        try paths.map { path in
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) else {
                throw RuntimeError("\(path): no such plugin file")
            }
            guard !isDirectory.boolValue else { throw RuntimeError("\(path): is a directory, not a plugin library") }
            guard let handle = dlopen(absolute, RTLD_NOW | RTLD_LOCAL) else {
                var reason = dlerror().map { String(cString: $0) } ?? "unknown error"
                if reason.hasPrefix(absolute + ": ") { reason = String(reason.dropFirst(absolute.count + 2)) }
                throw RuntimeError("\(path): cannot be loaded as a plugin library: \(reason)")
            }
            guard let fingerprintFunction = dlsym(handle, PluginABI.fingerprintSymbol) else {
                throw RuntimeError("\(path): is a shared library but not a cnn-zoo plugin (it has no \(PluginABI.fingerprintSymbol) symbol)")
            }
            let fingerprint = String(cString: unsafeBitCast(fingerprintFunction, to: (@convention(c) () -> UnsafePointer<CChar>).self)())
            guard fingerprint == PluginABI.engineFingerprint else {
                throw RuntimeError("\(path) was built against cnn-zoo \(fingerprint); this program is \(PluginABI.engineFingerprint): rebuild the plugin")
            }
            guard let entry = dlsym(handle, PluginABI.entrySymbol) else {
                throw RuntimeError("\(path): has a fingerprint but no \(PluginABI.entrySymbol) symbol; it is not a complete cnn-zoo plugin")
            }
            let plugin = PluginABI.take(unsafeBitCast(entry, to: (@convention(c) () -> UnsafeMutableRawPointer).self)())
            return (plugin, absolute)
        }
    }
}
