extension Tensor {
    /// The Euclidean norm of all elements, accumulated in `Double`.
    public var norm: Double {
        var sum = 0.0
        for value in scalars { sum += Double(value) * Double(value) }
        return sum.squareRoot()
    }

    /// Whether every element is finite (no NaN, no infinity).
    public var isFinite: Bool {
        // A value is NaN or infinite exactly when its exponent bits are all ones; the largest
        // exponent field over the tensor is one vectorised integer max, where a test per
        // element through a closure is not.
        scalars.withUnsafeBufferPointer { values in
            guard let base = values.baseAddress else { return true }
            func largestExponent(_ span: Range<Int>) -> UInt32 {
                var largest: UInt32 = 0
                for i in span { largest = max(largest, base[i].bitPattern & 0x7F80_0000) }
                return largest
            }
            guard values.count >= 1 << 16 else { return largestExponent(0..<values.count) != 0x7F80_0000 }
            // Large tensors (weights of a dense layer) split over the threads; max is exact in any order.
            var largest = [UInt32](repeating: 0, count: Parallelism.chunkCount(values.count))
            largest.withUnsafeMutableBufferPointer { largest in
                let largest = largest.baseAddress!
                Parallelism.forEachChunk(values.count) { chunk, span in largest[chunk] = largestExponent(span) }
            }
            return largest.max()! != 0x7F80_0000
        }
    }

    /// a + b, element by element, with a's shape (b may view the same values with another shape),
    /// into fresh storage on the engine's threads. Fresh, because the operands are usually still
    /// held where they came from: adding onto one in place would copy it first, on one thread.
    public static func sum(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.count == b.count, "sum of shapes \(a.shape) and \(b.shape)")
        var total = Tensor.uninitialized(a.shape)
        let count = total.count
        total.withMutablePointer { t in
            a.withPointer { a in
                b.withPointer { b in Parallelism.forEachSpan(count) { span in for i in span { t[i] = a[i] + b[i] } } }
            }
        }
        return total
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
