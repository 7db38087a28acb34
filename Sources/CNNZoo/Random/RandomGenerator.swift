/// xoshiro256** — a small, fast generator whose whole state is four words,
/// so a checkpoint can store it and a resumed run continues the same stream.
///
/// Seeded through SplitMix64, as its authors recommend. Conforms to
/// `RandomNumberGenerator`, so it also drives the standard library's `shuffle(using:)`.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Equatable, Codable {
    /// The full internal state: restore it to continue the stream exactly.
    public var state: [UInt64]

    /// During a data-parallel training step, the samples of the batch this process runs:
    /// a layer that draws numbers per sample (dropout) skips the draws of the other processes'
    /// samples, so every process's stream stays where one process's would be. Not saved.
    public var batchShare: BatchShare?

    /// Samples `offset ..< offset + count` of a batch of `total`.
    public struct BatchShare: Sendable, Equatable {
        public let offset: Int, count: Int, total: Int
        public init(offset: Int, count: Int, total: Int) {
            self.offset = offset
            self.count = count
            self.total = total
        }
    }

    private enum CodingKeys: String, CodingKey { case state }

    public static func == (a: RandomGenerator, b: RandomGenerator) -> Bool { a.state == b.state }

    /// Advances the stream by `count` draws.
    public mutating func skip(_ count: Int) {
        for _ in 0..<max(0, count) { _ = next() }
    }

    /// A generator whose stream is a pure function of `seed`.
    public init(seed: UInt64) {
        var mixer = seed
        func splitMix() -> UInt64 {
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = [splitMix(), splitMix(), splitMix(), splitMix()]
    }

    /// A generator restored from a saved `state`; nil unless it is four words, not all zero.
    public init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        self.state = state
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = rotateLeft(state[3], 45)
        return result
    }

    /// A uniform value in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A standard normal value (Box–Muller; one uniform pair per value, so no hidden cache in the state).
    public mutating func nextNormal() -> Float {
        let u1 = Double((next() >> 11) + 1) * 0x1p-53   // (0, 1]: log is finite
        let u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) private func _log(_ x: Double) -> Double { log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { cos(x) }
