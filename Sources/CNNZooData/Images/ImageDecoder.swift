internal import CImageCodecs
import Foundation

/// PNG and JPEG files decoded to 8-bit samples by Debian's libpng and libjpeg-turbo (through the
/// `CImageCodecs` shim). The kind is told by the file's first bytes, not its name.
public enum ImageDecoder {
    /// The most pixels one image may claim: a header saying more is refused before anything
    /// is allocated for it (a 50,000 × 50,000 PNG is 2.5 G pixels).
    public static let pixelCap = 1 << 24

    public enum Kind: String, Sendable { case png = "PNG", jpeg = "JPEG" }

    /// The kind of image `data` holds, by its signature (nil: neither).
    public static func kind(of data: Data) -> Kind? {
        if data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if data.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        return nil
    }

    /// Width, height and channels (1 grey, 3 colour) from the header alone.
    public static func info(_ data: Data, path: String) throws -> (width: Int, height: Int, channels: Int) {
        guard let kind = kind(of: data) else { throw DataError.badFile(path: path, problem: "is neither a PNG nor a JPEG image") }
        var info = cnnzoo_image_info()
        var error = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBytes { bytes in
            let base = bytes.bindMemory(to: UInt8.self).baseAddress!
            return kind == .png ? cnnzoo_png_info(base, bytes.count, &info, &error, error.count)
                : cnnzoo_jpeg_info(base, bytes.count, &info, &error, error.count)
        }
        guard status == 0 else { throw DataError.badFile(path: path, problem: "is a damaged \(kind.rawValue): \(Self.text(error))") }
        let pixels = Int(info.width) * Int(info.height)
        guard info.width > 0, info.height > 0, pixels <= pixelCap else {
            throw DataError.badFile(path: path, problem: "claims \(info.width)×\(info.height) pixels, beyond the cap of \(pixelCap)")
        }
        return (Int(info.width), Int(info.height), Int(info.channels))
    }

    /// Decodes into `channels` (1 or 3) interleaved 8-bit samples per pixel, row after row:
    /// grey images give three equal channels, colour ones their luminance when 1 is asked.
    public static func decode(_ data: Data, path: String, channels: Int, into pixels: UnsafeMutableBufferPointer<UInt8>) throws {
        guard let kind = kind(of: data) else { throw DataError.badFile(path: path, problem: "is neither a PNG nor a JPEG image") }
        var error = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBytes { bytes in
            let base = bytes.bindMemory(to: UInt8.self).baseAddress!
            return kind == .png
                ? cnnzoo_png_decode(base, bytes.count, Int32(channels), pixels.baseAddress!, pixels.count, &error, error.count)
                : cnnzoo_jpeg_decode(base, bytes.count, Int32(channels), pixels.baseAddress!, pixels.count, &error, error.count)
        }
        guard status == 0 else { throw DataError.badFile(path: path, problem: "is a damaged \(kind.rawValue): \(Self.text(error))") }
    }

    /// The C shim's NUL-terminated message.
    private static func text(_ message: [CChar]) -> String {
        String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
