import CNNZoo
import CNNZooCheckpoint
import Foundation
import XCTest

/// One byte flipped anywhere in a real checkpoint is either refused, in one line, or
/// harmless: never a silently different model, optimizer state, training state or spec.
final class CheckpointDamageTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "damage-\(UUID().uuidString)"
        try FixtureData.write(to: folder + "/data", trainCount: 320, testCount: 50)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Every dataset of the file with where its (single) chunk lies.
    func chunks(of path: String) throws -> [(name: String, range: Range<Int>)] {
        let file = try HDF5File.open(path: path)
        defer { try? file.close() }
        var found: [(String, Range<Int>)] = []
        func walk(_ group: HDF5Object, _ prefix: String) throws {
            for name in try group.names() {
                switch group.kind(of: name) {
                case .group:
                    try walk(try (group as? HDF5File)?.group(name) ?? (group as! HDF5Group).group(name), prefix + "/" + name)
                case .dataset:
                    if let chunk = try group.firstChunk(of: name) { found.append((prefix + "/" + name, chunk.offset ..< chunk.offset + chunk.size)) }
                case .other:
                    break
                }
            }
        }
        try walk(file, "")
        return found
    }

    func testEveryFlippedByteIsRefusedOrHarmless() throws {
        // A real run: Adam (two slots per parameter), stopped mid-epoch, with history and step losses.
        let original = folder + "/original.h5"
        let train = try CommandRunner.run(["train", "mnist-conv-pool", "--data", folder + "/data", "--optimizer", "adam",
                                           "--epochs", "2", "--batch-size", "32", "--checkpoint", original, "--json"], in: folder)
        XCTAssertEqual(train.status, 0, train.stderr)
        let resume = try CommandRunner.run(["train", "--resume", original, "--epochs", "3", "--save-every", "5", "--json"], in: folder)
        XCTAssertEqual(resume.status, 0, resume.stderr)
        let reference = try Checkpoint.read(from: original)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: original))

        // Positions: the superblock, the first, middle and last byte of every dataset's data, and an
        // even sample of every byte outside the data (object headers, indexes, free space).
        let datasets = try chunks(of: original)
        // conv.weight, fc.weight and fc.bias, each as a weight and in both Adam slots; the random state,
        // the step losses and six history columns.
        XCTAssertEqual(datasets.count, 3 * 3 + 1 + 1 + 6, datasets.map(\.name).joined(separator: " "))
        var positions = Set(stride(from: 0, to: 64, by: 3))
        for (_, range) in datasets { positions.formUnion([range.lowerBound, range.lowerBound + range.count / 2, range.upperBound - 1]) }
        let outsideData = (0..<bytes.count).filter { offset in !datasets.contains { $0.range.contains(offset) } }
        let metadataSample = stride(from: 0, to: outsideData.count, by: max(1, outsideData.count / 250)).map { outsideData[$0] }
        positions.formUnion(metadataSample)
        XCTAssertGreaterThanOrEqual(positions.count, 200)

        var refused = 0, harmless = 0, silent: [String] = []
        var refusedByRegion: [String: Int] = [:]
        let damaged = folder + "/damaged.h5"
        for (index, offset) in positions.sorted().enumerated() {
            var copy = bytes
            // Alternate a whole-byte inversion with single-bit flips.
            copy[offset] ^= index % 2 == 0 ? 0xFF : UInt8(1 << (index / 2 % 8))
            try copy.write(to: URL(fileURLWithPath: damaged))
            let region = datasets.first { $0.range.contains(offset) }?.name ?? (offset < 64 ? "superblock" : "metadata")
            let result = try CommandRunner.run(["inspect", damaged, "--json"], in: folder)
            XCTAssertFalse(result.signalled, "byte \(offset) (\(region)) crashed the command")
            if result.status == 0 {
                let loaded = try Checkpoint.read(from: damaged)
                if let difference = Self.difference(loaded, reference) {
                    silent.append("byte \(offset) (\(region)): \(difference)")
                } else {
                    harmless += 1
                }
            } else {
                XCTAssertEqual(result.status, 1, "byte \(offset) (\(region)): \(result.stderr)")
                XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "byte \(offset) (\(region)): \(result.stderr)")
                XCTAssertTrue(result.stderr.contains(damaged), "byte \(offset): \(result.stderr)")
                refused += 1
                refusedByRegion[region.hasPrefix("/") ? "data" : region, default: 0] += 1
            }
        }
        XCTAssertEqual(silent, [], "silently different after a flipped byte")
        // Every dataset's data is covered by its checksum: all three flips in each were refused.
        XCTAssertEqual(refusedByRegion["data"], 3 * datasets.count, "\(refusedByRegion)")

        // A copy error rather than a flipped bit: 200 random bytes across the file at once, twenty times.
        var random = RandomGenerator(seed: 200)
        var manyRefused = 0
        for trial in 0..<20 {
            var copy = bytes
            for _ in 0..<200 { copy[Int(random.next() % UInt64(copy.count))] = UInt8(random.next() & 0xFF) }
            try copy.write(to: URL(fileURLWithPath: damaged))
            let result = try CommandRunner.run(["inspect", damaged, "--json"], in: folder)
            XCTAssertFalse(result.signalled, "trial \(trial) crashed the command")
            if result.status == 0 {
                XCTAssertNil(Self.difference(try Checkpoint.read(from: damaged), reference), "trial \(trial) loaded a different checkpoint")
            } else {
                XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "trial \(trial): \(result.stderr)")
                manyRefused += 1
            }
        }
        XCTAssertEqual(manyRefused, 20, "200 scattered bytes always hit something checksummed")
        print("flip test: \(positions.count) positions over \(bytes.count) bytes (\(datasets.count) datasets): "
              + "\(refused) refused \(refusedByRegion.sorted { $0.key < $1.key }), \(harmless) harmless, \(silent.count) silently different")
    }

    /// What differs between two checkpoints, bit for bit, or nil when nothing does.
    static func difference(_ a: Checkpoint, _ b: Checkpoint) -> String? {
        func bits(_ tensor: Tensor) -> [UInt32] { tensor.scalars.map(\.bitPattern) }
        if a.spec != b.spec { return "spec" }
        if a.writer != b.writer { return "writer" }
        if a.parameters.map(\.path) != b.parameters.map(\.path) || a.parameters.map({ bits($0.value) }) != b.parameters.map({ bits($0.value) }) {
            return "weights"
        }
        if a.optimizer.spec != b.optimizer.spec { return "optimizer settings" }
        if a.optimizerState.step != b.optimizerState.step
            || a.optimizerState.slots.mapValues({ $0.mapValues(bits) }) != b.optimizerState.slots.mapValues({ $0.mapValues(bits) }) {
            return "optimizer state"
        }
        if a.training != b.training || a.training.stepLosses.map(\.bitPattern) != b.training.stepLosses.map(\.bitPattern) {
            return "training state"
        }
        if a.run != b.run { return "run settings" }
        return nil
    }
}
