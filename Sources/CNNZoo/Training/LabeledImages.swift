/// Images and their class labels, kept compact as bytes (one per pixel) and converted to
/// floats one batch at a time.
public struct LabeledImages: Sendable {
    /// The shape of one image, `[channels, height, width]`.
    public let imageShape: [Int]
    /// All pixels, image after image, 0…255.
    public private(set) var pixels: [UInt8]
    /// One class index per image.
    public private(set) var labels: [UInt8]

    /// - Throws: ``TrainingError/badData(_:)`` when the pixel count is not labels × image size.
    public init(imageShape: [Int], pixels: [UInt8], labels: [UInt8]) throws {
        guard imageShape.count == 3, imageShape.allSatisfy({ $0 > 0 }),
              pixels.count == labels.count * Tensor.count(of: imageShape) else {
            throw TrainingError.badData("\(pixels.count) pixels do not make \(labels.count) images of shape \(imageShape)")
        }
        self.imageShape = imageShape
        self.pixels = pixels
        self.labels = labels
    }

    /// The number of images.
    public var count: Int { labels.count }
    /// Pixels per image.
    public var imageSize: Int { Tensor.count(of: imageShape) }
    /// One more than the largest label.
    public var labelBound: Int { Int(labels.max() ?? 0) + 1 }

    /// Only the images whose label is in `classes`, relabelled 0, 1, … in the order `classes` lists them.
    public func keeping(classes: [Int]) -> LabeledImages {
        var relabel = [Int: UInt8]()
        for (index, label) in classes.enumerated() { relabel[label] = UInt8(index) }
        var keptPixels: [UInt8] = [], keptLabels: [UInt8] = []
        for i in 0..<count {
            guard let newLabel = relabel[Int(labels[i])] else { continue }
            keptLabels.append(newLabel)
            keptPixels.append(contentsOf: pixels[i * imageSize ..< (i + 1) * imageSize])
        }
        return try! LabeledImages(imageShape: imageShape, pixels: keptPixels, labels: keptLabels)  // consistent by construction
    }

    /// The first `limit` images, taking classes in turn so a small limit keeps every class
    /// (seed 001 used 100 of each of its two digits).
    public func limited(to limit: Int) -> LabeledImages {
        guard limit < count else { return self }
        var queues = [Int: [Int]]()
        for i in 0..<count { queues[Int(labels[i]), default: []].append(i) }
        let classes = queues.keys.sorted()
        var chosen: [Int] = []
        var round = 0
        while chosen.count < limit {
            for label in classes where round < queues[label]!.count && chosen.count < limit {
                chosen.append(queues[label]![round])
            }
            round += 1
        }
        chosen.sort()
        var keptPixels: [UInt8] = [], keptLabels: [UInt8] = []
        keptPixels.reserveCapacity(limit * imageSize)
        for i in chosen {
            keptLabels.append(labels[i])
            keptPixels.append(contentsOf: pixels[i * imageSize ..< (i + 1) * imageSize])
        }
        return try! LabeledImages(imageShape: imageShape, pixels: keptPixels, labels: keptLabels)  // consistent by construction
    }

    /// The images at `indices` as a float batch `[B, C, H, W]` scaled to [0, 1], and their labels.
    ///
    /// Each thread converts the rows of its own ``Parallelism`` chunk — the rows it then runs
    /// through the first layer, so they are already in its cache — instead of the calling
    /// thread converting all of them while the others wait.
    public func batch(_ indices: ArraySlice<Int>) -> (images: Tensor, labels: [Int]) {
        let size = imageSize, firstIndex = indices.startIndex
        var batch = Tensor.uninitialized([indices.count] + imageShape)
        batch.withMutablePointer { out in
            pixels.withUnsafeBufferPointer { source in
                let source = source.baseAddress!
                Parallelism.forEachChunk(indices.count) { _, rows in
                    for row in rows {
                        let from = source + indices[firstIndex + row] * size, to = out + row * size
                        for k in 0..<size { to[k] = Float(from[k]) * (1 / 255) }
                    }
                }
            }
        }
        return (batch, indices.map { Int(labels[$0]) })
    }
}

extension Tensor {
    /// One-hot rows `[labels.count, classes]`.
    public init(oneHot labels: [Int], classes: Int) {
        var scalars = [Float](repeating: 0, count: labels.count * classes)
        for (n, label) in labels.enumerated() { scalars[n * classes + label] = 1 }
        self.init(shape: [labels.count, classes], scalars: scalars)
    }
}
