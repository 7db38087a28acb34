internal import CZlib
import Foundation

/// Reads IDX files, the format of MNIST and Fashion-MNIST, raw or gzip-compressed.
///
/// The header is validated before the payload is read, and decompression stops at the size
/// the header promises, so a hostile file can neither crash the reader nor make it allocate
/// more than its header honestly describes (capped at ``maximumPayload``).
public enum IDXReader {
    /// The largest payload accepted: 1 GiB, twenty times MNIST's training images.
    public static let maximumPayload = 1 << 30

    /// The dimensions and unsigned-byte elements of the IDX file at `path`.
    public static func read(path: String) throws -> (dimensions: [Int], elements: [UInt8]) {
        let fail = { (problem: String) in DataError.badFile(path: path, problem: problem) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError.missingFile(path: path)
        }
        guard !isDirectory.boolValue else { throw fail("is a directory, not an IDX file") }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw fail("cannot be opened for reading") }
        defer { try? handle.close() }
        let source: ByteSource
        let head = (try? handle.read(upToCount: 2)) ?? Data()
        try? handle.seek(toOffset: 0)
        if head.count == 2 && head[head.startIndex] == 0x1F && head[head.startIndex + 1] == 0x8B {
            source = try GzipSource(handle: handle, path: path)
        } else {
            source = PlainSource(handle: handle)
        }

        let magic = try source.read(count: 4, fail: fail, what: "the 4-byte header")
        guard magic[0] == 0, magic[1] == 0 else {
            throw fail("not an IDX file (magic bytes \(hex(magic)), expected 00 00 08 0n)")
        }
        guard magic[2] == 0x08 else {
            throw fail("element type 0x\(String(magic[2], radix: 16)) is not supported (only unsigned bytes, 0x08)")
        }
        let rank = Int(magic[3])
        guard (1...4).contains(rank) else { throw fail("has \(rank) dimensions; IDX data sets have 1 to 4") }
        let header = try source.read(count: 4 * rank, fail: fail, what: "the \(rank) dimension sizes")
        var dimensions: [Int] = []
        var total = 1
        for d in 0..<rank {
            let value = header[4 * d ..< 4 * d + 4].reduce(0) { $0 << 8 | Int($1) }
            guard value > 0 else { throw fail("dimension \(d + 1) is 0") }
            let (product, overflow) = total.multipliedReportingOverflow(by: value)
            guard !overflow, product <= maximumPayload else {
                throw fail("dimensions \(dimensions + [value]) describe more than \(maximumPayload) bytes")
            }
            total = product
            dimensions.append(value)
        }
        let elements = try source.read(count: total, fail: fail,
            what: "the \(dimensions.map(String.init).joined(separator: "×")) elements the header promises")
        if try source.hasMore() {
            throw fail("has data beyond the \(total) elements its header describes")
        }
        return (dimensions, elements)
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined(separator: " ")
    }
}

/// Bytes read in order from a file, however it is stored.
private protocol ByteSource {
    func read(count: Int, fail: (String) -> DataError, what: String) throws -> [UInt8]
    func hasMore() throws -> Bool
}

private final class PlainSource: ByteSource {
    let handle: FileHandle
    init(handle: FileHandle) { self.handle = handle }

    func read(count: Int, fail: (String) -> DataError, what: String) throws -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(min(count, 1 << 26))
        while result.count < count {
            guard let chunk = try? handle.read(upToCount: min(count - result.count, 1 << 24)), !chunk.isEmpty else {
                throw fail("is truncated: it ends \(count - result.count) bytes short of \(what)")
            }
            result.append(contentsOf: chunk)
        }
        return result
    }

    func hasMore() throws -> Bool {
        guard let chunk = try? handle.read(upToCount: 1) else { return false }
        return !chunk.isEmpty
    }
}

/// Streams a gzip file through zlib, inflating only as much as is asked for.
private final class GzipSource: ByteSource {
    let handle: FileHandle
    let path: String
    var stream = z_stream()
    var input: [UInt8] = []
    var inputOffset = 0
    var pending: [UInt8] = []
    var finished = false

    init(handle: FileHandle, path: String) throws {
        self.handle = handle
        self.path = path
        guard cnnzoo_inflate_init_auto(&stream) == Z_OK else {
            throw DataError.badFile(path: path, problem: "zlib could not start decompressing")
        }
    }

    deinit { inflateEnd(&stream) }

    /// Inflates up to `limit` more bytes into `pending`; false at the end of the stream.
    private func inflateMore(limit: Int) throws -> Bool {
        if finished { return false }
        var output = [UInt8](repeating: 0, count: min(max(limit, 1), 1 << 22))
        while true {
            if inputOffset == input.count {
                let chunk = (try? handle.read(upToCount: 1 << 20)) ?? Data()
                input = [UInt8](chunk)
                inputOffset = 0
            }
            let available = input.count - inputOffset
            let (status, produced, consumed): (Int32, Int, Int) = input.withUnsafeMutableBufferPointer { inBuffer in
                output.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_in = available > 0 ? inBuffer.baseAddress! + inputOffset : nil
                    stream.avail_in = uInt(available)
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = uInt(outBuffer.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, outBuffer.count - Int(stream.avail_out), available - Int(stream.avail_in))
                }
            }
            inputOffset += consumed
            pending.append(contentsOf: output[0..<produced])
            switch status {
            case Z_STREAM_END:
                finished = true
                return produced > 0
            case Z_OK:
                if produced > 0 { return true }
            case Z_BUF_ERROR where available == 0:
                throw DataError.badFile(path: path, problem: "is truncated: the gzip stream ends early")
            default:
                throw DataError.badFile(path: path, problem: "is not valid gzip data (zlib error \(status))")
            }
            if available == 0 && consumed == 0 && produced == 0 {
                throw DataError.badFile(path: path, problem: "is truncated: the gzip stream ends early")
            }
        }
    }

    func read(count: Int, fail: (String) -> DataError, what: String) throws -> [UInt8] {
        // Room for what the header promises, up to 64 MiB ahead: a lying header cannot reserve more.
        pending.reserveCapacity(min(count, 1 << 26))
        while pending.count < count {
            guard try inflateMore(limit: count - pending.count) else {
                throw fail("is truncated: it ends \(count - pending.count) bytes short of \(what)")
            }
        }
        if pending.count == count {
            defer { pending = [] }
            return pending
        }
        let result = Array(pending[0..<count])
        pending.removeFirst(count)
        return result
    }

    func hasMore() throws -> Bool {
        if !pending.isEmpty { return true }
        return try inflateMore(limit: 1)
    }
}
