import CNNZoo
internal import CZlib

/// What a set of images is, in a few numbers: its size, its image shape and CRC-32s of its
/// pixels and of its labels. Checkpoints keep the fingerprint of the data a run trained on, so
/// a resume on other data — relabelled, altered, another subset — is noticed, and can say
/// which of the two changed. (A CRC-32 catches accidents, not forgeries.)
public struct DataFingerprint: Sendable, Equatable, CustomStringConvertible {
    public let count: Int
    public let imageShape: [Int]
    public let pixels: UInt32
    public let labels: UInt32

    public init(_ images: LabeledImages) {
        count = images.count
        imageShape = images.imageShape
        pixels = images.pixels.withUnsafeBufferPointer { buffer in
            Self.crc(buffer.baseAddress, buffer.count)
        }
        labels = images.labels.withUnsafeBufferPointer { buffer in Self.crc(buffer.baseAddress, buffer.count) }
    }

    static func crc(_ base: UnsafePointer<UInt8>?, _ count: Int) -> UInt32 {
        var value = crc32(0, nil, 0)
        var offset = 0
        while offset < count {
            let piece = min(count - offset, 1 << 30)
            value = crc32(value, base! + offset, UInt32(piece))
            offset += piece
        }
        return UInt32(value)
    }

    /// `60000 images 1×28×28, pixels crc32 1a2b3c4d, labels crc32 5e6f7a8b`, as checkpoints store it.
    public var description: String {
        "\(count) images \(imageShape.map(String.init).joined(separator: "×")), pixels crc32 \(Self.hex(pixels)), labels crc32 \(Self.hex(labels))"
    }

    /// Reads ``description`` back (nil: not a fingerprint).
    public init?(_ text: String) {
        let words = text.split(separator: " ").map(String.init)
        guard words.count == 9, words[1] == "images", let count = Int(words[0]),
              let pixels = UInt32(words[5].trimmingCharacters(in: [","]), radix: 16), let labels = UInt32(words[8], radix: 16) else { return nil }
        let shape = words[2].trimmingCharacters(in: [","]).split(separator: "×").compactMap { Int($0) }
        self.count = count
        imageShape = shape
        self.pixels = pixels
        self.labels = labels
    }

    /// How `other` differs from this one, in words (nil: the same).
    public func difference(from other: DataFingerprint) -> String? {
        if other == self { return nil }
        if other.count != count || other.imageShape != imageShape {
            return "\(other.count) images of \(other.imageShape.map(String.init).joined(separator: "×")) where the run had \(count) of \(imageShape.map(String.init).joined(separator: "×"))"
        }
        switch (other.pixels == pixels, other.labels == labels) {
        case (true, false): return "the same images with other labels"
        case (false, true): return "the same labels on altered images"
        default: return "other images and other labels, as many"
        }
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
