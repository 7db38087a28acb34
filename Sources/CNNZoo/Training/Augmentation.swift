/// The CIFAR standard's augmentation of training batches: each image shifted by up to
/// `cropPadding` pixels each way (a random crop of the image padded with zeros) and, with
/// `horizontalFlip`, mirrored with probability ½. Never applied in evaluation.
///
/// The draws for a batch are a pure function of the run's seed, the epoch and the step, taken
/// image after image before any work is split: the same on any thread or process count, and the
/// same after a resume mid-epoch, with no state to save beyond the position.
public struct Augmentation: Sendable, Equatable, Codable {
    public var cropPadding: Int
    public var horizontalFlip: Bool

    public init(cropPadding: Int = 0, horizontalFlip: Bool = false) {
        self.cropPadding = cropPadding
        self.horizontalFlip = horizontalFlip
    }

    enum CodingKeys: String, CodingKey {
        case cropPadding = "crop_padding"
        case horizontalFlip = "horizontal_flip"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        cropPadding = try container.decodeIfPresent(Int.self, forKey: .cropPadding) ?? 0
        horizontalFlip = try container.decodeIfPresent(Bool.self, forKey: .horizontalFlip) ?? false
        guard (0...64).contains(cropPadding) else {
            throw DecodingError.dataCorruptedError(forKey: .cropPadding, in: container, debugDescription: "must be 0…64, got \(cropPadding)")
        }
    }

    /// Whether it changes anything.
    public var isIdentity: Bool { cropPadding == 0 && !horizontalFlip }

    /// Shifts and flips each image of `batch` [N, C, H, W] as the draws for (seed, epoch, step) say.
    public func apply(to batch: inout Tensor, seed: UInt64, epoch: Int, step: Int) {
        guard !isIdentity, batch.shape.count == 4 else { return }
        var random = RandomGenerator(seed: seed &+ 0x4155_474D_454E_5400 &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(step) &* 0xBF58_476D_1CE4_E5B9)
        let (count, channels, height, width) = (batch.shape[0], batch.shape[1], batch.shape[2], batch.shape[3])
        let span = UInt64(2 * cropPadding + 1)
        let draws = (0..<count).map { _ -> (dy: Int, dx: Int, flip: Bool) in
            let dy = cropPadding == 0 ? 0 : Int(random.next() % span) - cropPadding
            let dx = cropPadding == 0 ? 0 : Int(random.next() % span) - cropPadding
            return (dy, dx, horizontalFlip && random.next() & 1 == 1)
        }
        let plane = height * width
        batch.withMutablePointer { x in
            Parallelism.forEachChunk(count) { _, samples in
                var source = [Float](repeating: 0, count: plane)
                for n in samples {
                    let (dy, dx, flip) = draws[n]
                    for c in 0..<channels {
                        let p = x + (n * channels + c) * plane
                        for i in 0..<plane { source[i] = p[i] }
                        // Output (i, j) is padded input (i + dy, j + dx), mirrored first when flipped.
                        for i in 0..<height {
                            let si = i + dy
                            for j in 0..<width {
                                let sj = (flip ? width - 1 - j : j) + dx
                                p[i * width + j] = si >= 0 && si < height && sj >= 0 && sj < width ? source[si * width + sj] : 0
                            }
                        }
                    }
                }
            }
        }
    }
}
