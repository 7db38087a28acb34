import Foundation

/// Files written whole or not at all: into a temporary file beside the target, then renamed.
enum AtomicFile {
    /// Writes `text` to `path`; a reader sees the old file or the new one, never part of one.
    static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    /// Writes `bytes` to `path`, whole or not at all.
    static func write(_ bytes: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        guard FileManager.default.createFile(atPath: temporary, contents: bytes) else {
            throw RuntimeError("\(path): cannot write in \(url.deletingLastPathComponent().path)")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw RuntimeError("\(path): cannot replace it (\(String(cString: strerror(errno))))")
        }
    }

    /// Creates `folder` if needed and proves it writable with a probe file, before any work.
    static func prepareFolder(_ folder: String, for what: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw RuntimeError("\(what): \(folder) is not a folder") }
        } else {
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw RuntimeError("\(what): cannot create the folder \(folder)")
            }
        }
        // A probe rather than permission bits: root passes access(2) checks that writes then fail.
        let probe = (folder as NSString).appendingPathComponent(".cnn-zoo-probe-\(getpid())")
        guard FileManager.default.createFile(atPath: probe, contents: Data()) else {
            throw RuntimeError("\(what): cannot write in the folder \(folder)")
        }
        unlink(probe)
    }
}
