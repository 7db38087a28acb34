import CNNZoo
import CNNZooData
import Foundation
import XCTest

final class IDXReaderTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "idx-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func path(_ name: String) -> String { folder + "/" + name }

    func write(_ name: String, _ bytes: [UInt8]) -> String {
        _ = FileManager.default.createFile(atPath: path(name), contents: Data(bytes))
        return path(name)
    }

    func gzip(_ file: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-kf", file]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        return file + ".gz"
    }

    func problem(_ body: () throws -> Void) -> String {
        do { try body() } catch { return String(describing: error) }
        return "no error"
    }

    let images: [UInt8] = (0..<(3 * 2 * 4)).map { UInt8($0 * 10) }

    func testReadsRawAndGzipAlike() throws {
        try IDXWriter.write(dimensions: [3, 2, 4], elements: images, to: path("img"))
        let raw = try IDXReader.read(path: path("img"))
        XCTAssertEqual(raw.dimensions, [3, 2, 4])
        XCTAssertEqual(raw.elements, images)
        let compressed = try IDXReader.read(path: try gzip(path("img")))
        XCTAssertEqual(compressed.dimensions, raw.dimensions)
        XCTAssertEqual(compressed.elements, raw.elements)
    }

    func testReadsALargeGzipStreamWhole() throws {
        let big = (0..<(500 * 28 * 28)).map { UInt8(truncatingIfNeeded: $0 &* 7919) }
        try IDXWriter.write(dimensions: [500, 28, 28], elements: big, to: path("big"))
        XCTAssertEqual(try IDXReader.read(path: try gzip(path("big"))).elements, big)
    }

    func testCorruptFilesNameTheFileAndTheProblem() throws {
        try IDXWriter.write(dimensions: [3, 2, 4], elements: images, to: path("good"))
        let good = try Data(contentsOf: URL(fileURLWithPath: path("good")))
        let cases: [(String, [UInt8], String)] = [
            ("magic", [0x1F, 0x00, 0x08, 0x03] + Array(good.dropFirst(4)), "not an IDX file"),
            ("type", [0, 0, 0x0D, 3] + Array(good.dropFirst(4)), "element type 0xd is not supported"),
            ("rank", [0, 0, 0x08, 9] + Array(good.dropFirst(4)), "has 9 dimensions"),
            ("truncated", Array(good.dropLast(5)), "is truncated: it ends 5 bytes short"),
            ("header", Array(good.prefix(6)), "is truncated"),
            ("empty", [], "is truncated"),
            ("zero", [0, 0, 8, 1, 0, 0, 0, 0], "dimension 1 is 0"),
            ("overflow", [0, 0, 8, 3, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF], "describe more than"),
            ("huge", [0, 0, 8, 1, 0x0F, 0xFF, 0xFF, 0xFF, 1, 2, 3], "is truncated"),
            ("beyond the cap", [0, 0, 8, 1, 0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3], "describe more than"),
            ("trailing", Array(good) + [1, 2, 3], "has data beyond"),
        ]
        for (name, bytes, expected) in cases {
            let file = write(name, bytes)
            let message = problem { _ = try IDXReader.read(path: file) }
            XCTAssertTrue(message.hasPrefix(file + ": "), "\(name): \(message)")
            XCTAssertTrue(message.contains(expected), "\(name): \(message)")
        }
    }

    func testCorruptGzipIsAnErrorNotACrash() throws {
        try IDXWriter.write(dimensions: [3, 2, 4], elements: images, to: path("g"))
        let zipped = try Data(contentsOf: URL(fileURLWithPath: try gzip(path("g"))))
        let cut = write("cut.gz", Array(zipped.prefix(zipped.count / 2)))
        XCTAssertTrue(problem { _ = try IDXReader.read(path: cut) }.contains("truncated"))
        var garbled = Array(zipped)
        for i in 12..<min(garbled.count, 30) { garbled[i] ^= 0xA5 }
        let bad = write("bad.gz", garbled)
        let message = problem { _ = try IDXReader.read(path: bad) }
        XCTAssertTrue(message.hasPrefix(bad), message)
    }

    func testMissingAndDirectory() {
        XCTAssertEqual(problem { _ = try IDXReader.read(path: path("nope")) }, "\(path("nope")): no such file")
        XCTAssertTrue(problem { _ = try IDXReader.read(path: folder) }.contains("is a directory"))
    }

    func testImagesAndLabelsMustAgree() throws {
        try IDXWriter.write(dimensions: [3, 2, 4], elements: images, to: path("i"))
        try IDXWriter.write(dimensions: [2], elements: [1, 2], to: path("l"))
        XCTAssertEqual(problem { _ = try MNISTFormat.read(images: path("i"), labels: path("l")) },
                       "\(path("i")) has 3 images but \(path("l")) has 2 labels")
        try IDXWriter.write(dimensions: [3, 1], elements: [1, 2, 3], to: path("l2"))
        XCTAssertTrue(problem { _ = try MNISTFormat.read(images: path("i"), labels: path("l2")) }.contains("a labels file has 1"))
        XCTAssertTrue(problem { _ = try MNISTFormat.read(images: path("l"), labels: path("l")) }.contains("an images file has 3"))
        try IDXWriter.write(dimensions: [3], elements: [0, 255, 1], to: path("l3"))
        XCTAssertTrue(problem { _ = try MNISTFormat.read(images: path("i"), labels: path("l3")) }.contains("label 255 at index 1 is out of range"))
        let set = try MNISTFormat.read(images: path("i"), labels: write("l4", [0, 0, 8, 1, 0, 0, 0, 3, 2, 0, 1]))
        XCTAssertEqual(set.imageShape, [1, 2, 4])
        XCTAssertEqual(set.labels, [2, 0, 1])
    }
}

final class DatasetTests: XCTestCase {
    func testLocatorPrefersMNISTThenFallsBackToFashionWithANotice() throws {
        let root = NSTemporaryDirectory() + "locator-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fashion = root + "/system/fashion-mnist"
        try FileManager.default.createDirectory(atPath: fashion, withIntermediateDirectories: true)
        for stem in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"] {
            _ = FileManager.default.createFile(atPath: fashion + "/" + stem + ".gz", contents: Data())
        }
        let locator = DatasetLocator(environment: ["CNN_ZOO_DATA": root + "/env"], workingDirectory: root + "/cwd", systemDirectory: root + "/system")
        let found = try locator.locate(name: nil, directory: nil)
        XCTAssertEqual(found.name, "fashion-mnist")
        XCTAssertNotNil(found.notice)
        let mnist = root + "/env/mnist"
        try FileManager.default.createDirectory(atPath: mnist, withIntermediateDirectories: true)
        for stem in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"] {
            _ = FileManager.default.createFile(atPath: mnist + "/" + stem, contents: Data())
        }
        let preferred = try locator.locate(name: nil, directory: nil)
        XCTAssertEqual(preferred.name, "mnist")
        XCTAssertEqual(preferred.directory, mnist)
        XCTAssertNil(preferred.notice)
        XCTAssertThrowsError(try locator.locate(name: "kmnist", directory: nil)) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains(root + "/env/kmnist") && text.contains(root + "/cwd/data/kmnist") && text.contains(root + "/system/kmnist"), text)
        }
    }

    func testClassSubsetAndBalancedLimit() throws {
        let set = try LabeledImages(imageShape: [1, 1, 1], pixels: [0, 1, 2, 3, 4, 5, 6, 7], labels: [3, 1, 3, 3, 1, 2, 1, 3])
        let kept = set.keeping(classes: [3, 1])
        XCTAssertEqual(kept.labels, [0, 1, 0, 0, 1, 1, 0])
        XCTAssertEqual(kept.pixels, [0, 1, 2, 3, 4, 6, 7])
        let limited = kept.limited(to: 4)
        XCTAssertEqual(limited.labels.filter { $0 == 0 }.count, 2)
        XCTAssertEqual(limited.labels.filter { $0 == 1 }.count, 2)
    }
}
