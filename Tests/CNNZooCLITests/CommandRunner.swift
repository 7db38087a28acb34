import CNNZoo
import CNNZooData
import Foundation
import XCTest

/// Runs the built `cnn-zoo` binary as a user would and captures what it prints.
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
    /// Whether the process ended by a signal (a trap or crash) rather than exiting.
    let signalled: Bool
}

enum CommandRunner {
    /// The `cnn-zoo` executable built beside this test bundle.
    static var executable: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("cnn-zoo") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    @discardableResult
    static func run(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:],
                    executable: URL = CommandRunner.executable) throws -> CommandResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                             stderr: String(decoding: stderrData, as: UTF8.self),
                             signalled: process.terminationReason == .uncaughtSignal)
    }
}

/// A small MNIST-format data set: class k is a bright 6×6 block at one of ten places, with noise.
enum FixtureData {
    static func images(count: Int, seed: UInt64) throws -> LabeledImages {
        var random = RandomGenerator(seed: seed)
        var pixels: [UInt8] = [], labels: [UInt8] = []
        pixels.reserveCapacity(count * 784)
        for _ in 0..<count {
            let label = Int(random.next() % 10)
            let top = 2 + (label / 5) * 12 + Int(random.next() % 3), left = 1 + (label % 5) * 5
            for row in 0..<28 {
                for column in 0..<28 {
                    let inside = (top..<top + 6).contains(row) && (left..<left + 5).contains(column)
                    pixels.append(UInt8(inside ? 180 + Int(random.next() % 70) : Int(random.next() % 50)))
                }
            }
            labels.append(UInt8(label))
        }
        return try LabeledImages(imageShape: [1, 28, 28], pixels: pixels, labels: labels)
    }

    /// Writes train (`trainCount`) and test (`testCount`) IDX files into `folder`.
    static func write(to folder: String, trainCount: Int = 1200, testCount: Int = 300) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try IDXWriter.write(images(count: trainCount, seed: 1), imagesPath: folder + "/train-images-idx3-ubyte",
                            labelsPath: folder + "/train-labels-idx1-ubyte")
        try IDXWriter.write(images(count: testCount, seed: 2), imagesPath: folder + "/t10k-images-idx3-ubyte",
                            labelsPath: folder + "/t10k-labels-idx1-ubyte")
    }
}
