extension Tensor {
    /// The Euclidean norm of all elements, accumulated in `Double`.
    public var norm: Double {
        var sum = 0.0
        for value in scalars { sum += Double(value) * Double(value) }
        return sum.squareRoot()
    }

    /// Whether every element is finite (no NaN, no infinity).
    public var isFinite: Bool {
        scalars.allSatisfy { $0.isFinite }
    }

    /// Sets every element to zero, keeping the storage.
    public mutating func zero() {
        scalars.withUnsafeMutableBufferPointer { buffer in
            buffer.update(repeating: 0)
        }
    }

    /// Index of the largest element of each sample's row (`[N, K]` viewed as N rows).
    public func argmaxPerSample() -> [Int] {
        let width = sampleCount
        return (0..<batchSize).map { n in
            var best = 0
            var bestValue = -Float.infinity
            for k in 0..<width where scalars[n * width + k] > bestValue {
                bestValue = scalars[n * width + k]
                best = k
            }
            return best
        }
    }
}
