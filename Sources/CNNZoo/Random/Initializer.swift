#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A named scheme for a parameter's starting values.
///
/// `fanIn` and `fanOut` follow PyTorch: for a conv weight `[out, in, kh, kw]`
/// fan-in is `in·kh·kw` and fan-out `out·kh·kw`; for a dense weight `[out, in]`
/// they are `in` and `out`.
public enum Initializer: Sendable, Equatable {
    /// All zeros (biases).
    case zeros
    /// All ones (scales, running variances).
    case ones
    /// He/Kaiming normal for ReLU nets: N(0, 2/fan_in).
    case kaimingNormal
    /// He/Kaiming uniform: U(±√(6/fan_in)).
    case kaimingUniform
    /// Glorot/Xavier normal: N(0, 2/(fan_in+fan_out)).
    case xavierNormal
    /// Glorot/Xavier uniform: U(±√(6/(fan_in+fan_out))).
    case xavierUniform
    /// PyTorch's default for conv and dense layers: U(±1/√fan_in).
    case lecunUniform
    /// A standard normal scaled by a constant: the seeds' `randn/9` is `.scaledNormal(1/9)`.
    case scaledNormal(Float)
    /// A standard normal divided by fan-in: seed 004's dense `randn/fan_in`.
    case normalOverFanIn
    /// N(0, σ²).
    case normal(std: Float)

    /// The names accepted in a spec's `init` setting.
    public static let names = ["zeros", "ones", "kaiming_normal", "kaiming_uniform", "xavier_normal",
                               "xavier_uniform", "lecun_uniform", "randn_over_fan_in",
                               "normal:<std>", "randn/<divisor>"]

    /// Parses a spec name: one of `names`, `normal:0.01`, or `randn/9`.
    public init?(name: String) {
        switch name {
        case "zeros": self = .zeros
        case "ones": self = .ones
        case "kaiming_normal", "he_normal": self = .kaimingNormal
        case "kaiming_uniform", "he_uniform": self = .kaimingUniform
        case "xavier_normal", "glorot_normal": self = .xavierNormal
        case "xavier_uniform", "glorot_uniform": self = .xavierUniform
        case "lecun_uniform", "pytorch_default": self = .lecunUniform
        case "randn_over_fan_in": self = .normalOverFanIn
        case "randn": self = .scaledNormal(1)
        default:
            if name.hasPrefix("normal:"), let std = Float(name.dropFirst(7)), std >= 0, std.isFinite {
                self = .normal(std: std)
            } else if name.hasPrefix("randn/"), let divisor = Float(name.dropFirst(6)), divisor > 0, divisor.isFinite {
                self = .scaledNormal(1 / divisor)
            } else {
                return nil
            }
        }
    }

    /// The name a spec gives it, which ``init(name:)`` reads back.
    public var name: String {
        switch self {
        case .zeros: return "zeros"
        case .ones: return "ones"
        case .kaimingNormal: return "kaiming_normal"
        case .kaimingUniform: return "kaiming_uniform"
        case .xavierNormal: return "xavier_normal"
        case .xavierUniform: return "xavier_uniform"
        case .lecunUniform: return "lecun_uniform"
        case .normalOverFanIn: return "randn_over_fan_in"
        case .scaledNormal(let scale): return scale == 1 ? "randn" : "randn/\(1 / scale)"
        case .normal(let std): return "normal:\(std)"
        }
    }

    /// Draws `count` starting values.
    public func values(count: Int, fanIn: Int, fanOut: Int, using random: inout RandomGenerator) -> [Float] {
        let fanIn = Float(max(fanIn, 1)), fanOut = Float(max(fanOut, 1))
        func normal(_ std: Float) -> [Float] { (0..<count).map { _ in random.nextNormal() * std } }
        func uniform(_ bound: Float) -> [Float] { (0..<count).map { _ in (2 * random.nextUniform() - 1) * bound } }
        switch self {
        case .zeros: return [Float](repeating: 0, count: count)
        case .ones: return [Float](repeating: 1, count: count)
        case .kaimingNormal: return normal((2 / fanIn).squareRoot())
        case .kaimingUniform: return uniform((6 / fanIn).squareRoot())
        case .xavierNormal: return normal((2 / (fanIn + fanOut)).squareRoot())
        case .xavierUniform: return uniform((6 / (fanIn + fanOut)).squareRoot())
        case .lecunUniform: return uniform(1 / fanIn.squareRoot())
        case .scaledNormal(let scale): return normal(scale)
        case .normalOverFanIn: return normal(1 / fanIn)
        case .normal(let std): return normal(std)
        }
    }
}
