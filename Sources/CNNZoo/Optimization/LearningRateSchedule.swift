#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the learning rate moves over training, as a pure function of progress, so
/// its whole state is the global step (which a checkpoint stores).
public enum LearningRateSchedule: Sendable, Equatable, Codable {
    /// The optimizer's rate throughout.
    case constant
    /// The rate times `gamma` after every `everyEpochs` epochs.
    case step(everyEpochs: Int, gamma: Double)
    /// Linear warm-up from `startRate` to the optimizer's rate over `warmupEpochs`,
    /// then cosine decay to `endRate` at the last epoch: seed 004's schedule.
    case warmupCosine(warmupEpochs: Double, startRate: Double, endRate: Double)

    /// The rate for a step at `progress` epochs into training (fractional), of `totalEpochs`.
    public func rate(base: Double, progress: Double, totalEpochs: Int) -> Double {
        switch self {
        case .constant:
            return base
        case let .step(everyEpochs, gamma):
            return base * pow(gamma, Double(Int(progress) / max(everyEpochs, 1)))
        case let .warmupCosine(warmup, start, end):
            if progress < warmup {
                return start + (base - start) * progress / warmup
            }
            let span = max(Double(totalEpochs) - warmup, 1e-9)
            let t = min(max((progress - warmup) / span, 0), 1)
            return end + (base - end) * 0.5 * (1 + cos(Double.pi * t))
        }
    }

    /// Why the schedule cannot run, or nil.
    public var problem: String? {
        switch self {
        case .constant: return nil
        case let .step(every, gamma):
            if every < 1 { return "step schedule: every_epochs must be ≥ 1" }
            if !(gamma > 0 && gamma.isFinite) { return "step schedule: gamma must be positive" }
            return nil
        case let .warmupCosine(warmup, start, end):
            if !(warmup >= 0 && warmup.isFinite) { return "warmup_cosine: warmup_epochs must be ≥ 0" }
            if !(start >= 0 && end >= 0 && start.isFinite && end.isFinite) { return "warmup_cosine: rates must be ≥ 0" }
            return nil
        }
    }

    enum CodingKeys: String, CodingKey {
        case kind, gamma
        case everyEpochs = "every_epochs"
        case warmupEpochs = "warmup_epochs"
        case startRate = "start_lr"
        case endRate = "end_lr"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "constant": self = .constant
        case "step":
            self = .step(everyEpochs: try container.decode(Int.self, forKey: .everyEpochs),
                         gamma: try container.decodeIfPresent(Double.self, forKey: .gamma) ?? 0.1)
        case "warmup_cosine":
            self = .warmupCosine(warmupEpochs: try container.decode(Double.self, forKey: .warmupEpochs),
                                 startRate: try container.decodeIfPresent(Double.self, forKey: .startRate) ?? 0,
                                 endRate: try container.decodeIfPresent(Double.self, forKey: .endRate) ?? 0)
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container,
                debugDescription: "unknown schedule '\(kind)' (known: constant, step, warmup_cosine)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .constant:
            try container.encode("constant", forKey: .kind)
        case let .step(every, gamma):
            try container.encode("step", forKey: .kind)
            try container.encode(every, forKey: .everyEpochs)
            try container.encode(gamma, forKey: .gamma)
        case let .warmupCosine(warmup, start, end):
            try container.encode("warmup_cosine", forKey: .kind)
            try container.encode(warmup, forKey: .warmupEpochs)
            try container.encode(start, forKey: .startRate)
            try container.encode(end, forKey: .endRate)
        }
    }
}
