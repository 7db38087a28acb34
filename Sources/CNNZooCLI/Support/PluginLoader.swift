import CNNZoo
import Foundation

/// Loads plugin libraries into this process through the C boundary (`cnnzoo_plugin.h`).
///
/// A library is opened with `RTLD_NOW | RTLD_LOCAL` by absolute path (a bare name would be
/// searched on the library path) and never closed. Its `cnnzoo_plugin_abi` must return this
/// program's string — the boundary's layout version and the build configuration — before
/// anything else in it is called. The library carries its own copy of whatever it links; only C
/// types cross. Plugins are trusted code: loading one runs it.
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

    /// Loads the plugin at each path, each file once however often it is named (by `--plugin`
    /// and by `CNN_ZOO_PLUGINS`, say); a failure is one line naming the file.
    static func load(_ paths: [String]) throws -> [(plugin: Plugin, origin: String)] {
        var seen = Set<String>()
        return try paths.compactMap { path in
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            guard seen.insert(URL(fileURLWithPath: absolute).resolvingSymlinksInPath().path).inserted else { return nil }
            return (try load(path, absolute: absolute), absolute)
        }
    }

    private static func load(_ path: String, absolute: String) throws -> Plugin {
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
        guard let abiFunction = dlsym(handle, PluginABI.abiSymbol) else {
            throw RuntimeError("\(path): is a shared library but not a cnn-zoo plugin (it has no \(PluginABI.abiSymbol) symbol)")
        }
        let abi = unsafeBitCast(abiFunction, to: (@convention(c) () -> UnsafePointer<CChar>?).self)().map { String(cString: $0) } ?? ""
        guard abi == PluginABI.identity else {
            throw RuntimeError("\(path) was built for \(abi.isEmpty ? "an unknown ABI" : abi); this program is \(PluginABI.identity): "
                               + "rebuild the plugin against this cnn-zoo\(Self.configuration(of: abi).map { " with -c \($0)" } ?? "")")
        }
        guard let entry = dlsym(handle, PluginABI.entrySymbol) else {
            throw RuntimeError("\(path): has \(PluginABI.abiSymbol) but no \(PluginABI.entrySymbol) symbol; it is not a complete cnn-zoo plugin")
        }
        guard let table = unsafeBitCast(entry, to: (@convention(c) (UnsafeRawPointer?) -> UnsafeRawPointer?).self)(Plugin.hostTable) else {
            throw RuntimeError("\(path): its \(PluginABI.entrySymbol) returned no plugin table")
        }
        do {
            return try Plugin(table: table)
        } catch let error as ModelError {
            throw RuntimeError("\(path): \(error.description)")
        }
    }

    /// The configuration this program is built in, when `abi` differs from it only in that.
    private static func configuration(of abi: String) -> String? {
        let words = PluginABI.identity.split(separator: " "), theirs = abi.split(separator: " ")
        guard words.count == theirs.count, words.dropLast() == theirs.dropLast(), words.last != theirs.last else { return nil }
        return words.last.map(String.init)
    }
}
