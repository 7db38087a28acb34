import CNNZoo
import CNNZooData
import Foundation
import XCTest

/// PNG and JPEG decoding checked against Pillow (the test command installs it), image folders and
/// CIFAR files read as torchvision and the CIFAR authors lay them out, and every bad input one line.
final class ImageDataTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "image-data-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs a Python script in the test's folder (Pillow and NumPy from PyPI).
    func python(_ script: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if text.contains("No module named 'PIL'") { throw XCTSkip("needs Pillow (pip install pillow; Tools/test.sh installs it)") }
        XCTAssertEqual(process.terminationStatus, 0, text)
    }

    func testDecodingAgreesWithPillow() throws {
        // Each file with Pillow's own decoding beside it (raw bytes, interleaved), 16-bit grey
        // scaled to 8 bits by rounding v / 257 and alpha dropped, as cnn-zoo reads them.
        try python("""
            import numpy as np
            from PIL import Image
            rng = np.random.default_rng(5)
            rgb = rng.integers(0, 256, (13, 17, 3), dtype=np.uint8)
            grey = rng.integers(0, 256, (13, 17), dtype=np.uint8)
            wide = rng.integers(0, 65536, (13, 17), dtype=np.uint16)
            alpha = rng.integers(0, 256, (13, 17), dtype=np.uint8)
            cases = {
                "grey8.png": (Image.fromarray(grey, "L"), grey),
                "grey16.png": (Image.fromarray(wide), ((wide.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)),
                "rgb.png": (Image.fromarray(rgb, "RGB"), rgb),
                "rgba.png": (Image.fromarray(np.dstack([rgb, alpha]), "RGBA"), rgb),
                "grey-alpha.png": (Image.fromarray(np.dstack([grey, alpha]), "LA"), grey),
            }
            palette = Image.fromarray(rgb, "RGB").quantize(colors=37)
            cases["palette.png"] = (palette, np.array(palette.convert("RGB")))
            for name, (image, expected) in cases.items():
                image.save(name)
                open(name + ".raw", "wb").write(np.ascontiguousarray(expected).tobytes())
            for name, image in (("rgb.jpg", Image.fromarray(rgb, "RGB")), ("grey.jpg", Image.fromarray(grey, "L"))):
                image.save(name, quality=90)
                open(name + ".raw", "wb").write(np.array(Image.open(name)).tobytes())
            """)
        for (name, channels, tolerance) in [("grey8.png", 1, 0), ("grey16.png", 1, 0), ("rgb.png", 3, 0), ("rgba.png", 3, 0),
                                            ("grey-alpha.png", 1, 0), ("palette.png", 3, 0), ("rgb.jpg", 3, 2), ("grey.jpg", 1, 2)] {
            let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
            let info = try ImageDecoder.info(data, path: name)
            XCTAssertEqual([info.width, info.height, info.channels], [17, 13, channels], name)
            var pixels = [UInt8](repeating: 0, count: 17 * 13 * channels)
            try pixels.withUnsafeMutableBufferPointer { try ImageDecoder.decode(data, path: name, channels: channels, into: $0) }
            let expected = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name + ".raw")))
            XCTAssertEqual(pixels.count, expected.count, name)
            let worst = zip(pixels, expected).map { abs(Int($0) - Int($1)) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, tolerance, "\(name): largest difference from Pillow \(worst)")
        }
    }

    /// `root/<split>/<class>/<n>.<ext>` images of `size`, each class a bright row band.
    func writeFolder(_ root: String, classes: [String], perClass: Int, splits: [String] = ["train", "test"], size: Int = 8) throws {
        try python("""
            import os
            import numpy as np
            from PIL import Image
            rng = np.random.default_rng(2)
            for split in [\(splits.map { "'\($0)'" }.joined(separator: ", "))]:
                for c, name in enumerate([\(classes.map { "'\($0)'" }.joined(separator: ", "))]):
                    folder = os.path.join("\(root)", split, name)
                    os.makedirs(folder, exist_ok=True)
                    for i in range(\(perClass)):
                        a = rng.integers(0, 50, (\(size), \(size), 3)).astype(np.uint8)
                        a[c % \(size), :, :] = 250
                        Image.fromarray(a).save(os.path.join(folder, f"{i}." + ("png" if i % 2 else "jpg")), quality=95)
            """)
    }

    func testAnImageFolderWithTrainAndTest() throws {
        try writeFolder("pets", classes: ["dog", "cat", "bird"], perClass: 6)
        let data = try DataSet.load(directory: folder + "/pets")
        XCTAssertEqual(data.classNames, ["bird", "cat", "dog"], "classes are the folder names, sorted")
        XCTAssertEqual(data.train.count, 18)
        XCTAssertEqual(data.test.count, 18)
        XCTAssertEqual(data.train.imageShape, [3, 8, 8])
        XCTAssertEqual(Set(data.train.labels), [0, 1, 2])
        // Channel-first: the first PNG's red plane is its first 64 bytes.
        let again = try DataSet.load(directory: folder + "/pets", options: ReadOptions(folder: .init(validationSplit: 0.2)))
        XCTAssertEqual(again.train.pixels, data.train.pixels, "reading is deterministic, whatever the threads")
    }

    func testOneFolderSplitBySeededShare() throws {
        try writeFolder("flat", classes: ["a", "b"], perClass: 10, splits: ["."])
        let split = try DataSet.load(directory: folder + "/flat", options: ReadOptions(folder: .init(validationSplit: 0.3, seed: 4)))
        XCTAssertEqual(split.test.count, 6, "3 of each class's 10")
        XCTAssertEqual(split.train.count, 14)
        let same = try DataSet.load(directory: folder + "/flat", options: ReadOptions(folder: .init(validationSplit: 0.3, seed: 4)))
        XCTAssertEqual(same.test.pixels, split.test.pixels)
        let other = try DataSet.load(directory: folder + "/flat", options: ReadOptions(folder: .init(validationSplit: 0.3, seed: 5)))
        XCTAssertNotEqual(other.test.pixels, split.test.pixels, "another seed, another split")
    }

    func testCIFARFilesWithTheirClassNames() throws {
        func record(_ labels: [UInt8], _ value: UInt8) -> [UInt8] { labels + [UInt8](repeating: value, count: 3072) }
        let ten = folder + "/c10", hundred = folder + "/c100"
        for path in [ten, hundred] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        try Data(record([3], 7) + record([9], 8)).write(to: URL(fileURLWithPath: ten + "/data_batch_1.bin"))
        try Data(record([1], 9)).write(to: URL(fileURLWithPath: ten + "/test_batch.bin"))
        try Data("airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n".utf8).write(to: URL(fileURLWithPath: ten + "/batches.meta.txt"))
        let c10 = try DataSet.load(directory: ten)
        XCTAssertEqual(c10.train.labels, [3, 9])
        XCTAssertEqual(c10.train.imageShape, [3, 32, 32])
        XCTAssertEqual(c10.classNames?[3], "cat")
        try Data(record([2, 57], 1) + record([4, 99], 2)).write(to: URL(fileURLWithPath: hundred + "/train.bin"))
        try Data(record([0, 3], 3)).write(to: URL(fileURLWithPath: hundred + "/test.bin"))
        XCTAssertEqual(try DataSet.load(directory: hundred).train.labels, [57, 99], "fine labels by default")
        XCTAssertEqual(try DataSet.load(directory: hundred, options: ReadOptions(cifarLabels: .coarse)).train.labels, [2, 4])
    }

    func problem(_ directory: String, options: ReadOptions = ReadOptions(), file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try DataSet.load(directory: folder + "/" + directory, options: options)
            XCTFail("\(directory) loaded", file: file, line: line)
            return ""
        } catch {
            let text = "\(error)"
            XCTAssertFalse(text.contains("\n"), text, file: file, line: line)
            return text
        }
    }

    func testEveryBadInputIsOneLine() throws {
        try writeFolder("bad", classes: ["x", "y"], perClass: 4)
        // More than memory allows (a budget of 1,000 bytes stands in for a small machine): refused with its size.
        var small = ReadOptions()
        small.memoryBudget = 1000
        XCTAssertTrue(problem("bad", options: small).contains("holds 16 images of 3×8×8: 3072 bytes of pixels, more than the 1000 bytes this machine allows"),
                      problem("bad", options: small))
        // A truncated PNG, named; then skipped and counted with the option.
        let victim = folder + "/bad/train/x/1.png"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: victim))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: victim))
        XCTAssertTrue(problem("bad").contains("bad/train/x/1.png: is a damaged PNG"), problem("bad"))
        let skipping = try DataSet.load(directory: folder + "/bad", options: ReadOptions(folder: .init(skipsBadImages: true)))
        XCTAssertEqual(skipping.train.count, 7)
        XCTAssertTrue(skipping.notice?.contains("left out 1 image(s)") ?? false)
        try bytes.write(to: URL(fileURLWithPath: victim))
        // A truncated JPEG.
        let jpeg = folder + "/bad/train/y/0.jpg"
        let jpegBytes = try Data(contentsOf: URL(fileURLWithPath: jpeg))
        try jpegBytes.prefix(jpegBytes.count - 40).write(to: URL(fileURLWithPath: jpeg))
        XCTAssertTrue(problem("bad").contains("bad/train/y/0.jpg: is a damaged JPEG"), problem("bad"))
        try jpegBytes.write(to: URL(fileURLWithPath: jpeg))
        // An empty class folder.
        try FileManager.default.createDirectory(atPath: folder + "/bad/train/z", withIntermediateDirectories: true)
        XCTAssertTrue(problem("bad").hasSuffix("bad/train/z: is a class folder with no PNG or JPEG images"), problem("bad"))
        try FileManager.default.removeItem(atPath: folder + "/bad/train/z")
        // Mixed sizes: refused, not resized.
        try writeFolder("mixed/big", classes: ["x"], perClass: 1, splits: ["."], size: 9)
        try FileManager.default.moveItem(atPath: folder + "/mixed/big/x/0.jpg", toPath: folder + "/bad/train/x/9.jpg")
        XCTAssertTrue(problem("bad").contains("is 9×9 but the first image is 8×8; cnn-zoo does not resize"), problem("bad"))
        try FileManager.default.removeItem(atPath: folder + "/bad/train/x/9.jpg")
        // A symbolic link loop.
        try FileManager.default.createSymbolicLink(atPath: folder + "/bad/train/x/again", withDestinationPath: folder + "/bad/train")
        XCTAssertTrue(problem("bad").contains("is a symbolic link loop"), problem("bad"))
        try FileManager.default.removeItem(atPath: folder + "/bad/train/x/again")
        // A PNG header claiming 50,000 × 50,000 pixels (a valid IHDR, CRC included): refused from the header.
        try python("""
            import struct, zlib
            ihdr = struct.pack(">IIBBBBB", 50000, 50000, 8, 0, 0, 0, 0)
            chunk = lambda kind, body: struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
            open("bad/train/x/0.png", "wb").write(b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\\0" * 100)))
            """)
        XCTAssertTrue(problem("bad").contains("claims 50000×50000 pixels, beyond the cap of 16777216"), problem("bad"))
        // No images at all, and a folder that is no data set.
        try FileManager.default.createDirectory(atPath: folder + "/none/train/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder + "/none/test/a", withIntermediateDirectories: true)
        XCTAssertTrue(problem("none").contains("is a class folder with no PNG or JPEG images"), problem("none"))
        try FileManager.default.createDirectory(atPath: folder + "/empty", withIntermediateDirectories: true)
        XCTAssertTrue(problem("empty").contains("not found"), problem("empty"))
        // CIFAR: a file that is not a whole number of records, a label out of range.
        try FileManager.default.createDirectory(atPath: folder + "/cifar", withIntermediateDirectories: true)
        try Data([UInt8](repeating: 1, count: 3073 * 2 + 5)).write(to: URL(fileURLWithPath: folder + "/cifar/data_batch_1.bin"))
        try Data([UInt8](repeating: 1, count: 3073)).write(to: URL(fileURLWithPath: folder + "/cifar/test_batch.bin"))
        XCTAssertTrue(problem("cifar").contains("is 6151 bytes, not a whole number of 3073-byte CIFAR records"), problem("cifar"))
        try Data([UInt8]([12]) + [UInt8](repeating: 1, count: 3072)).write(to: URL(fileURLWithPath: folder + "/cifar/data_batch_1.bin"))
        XCTAssertTrue(problem("cifar").contains("record 0 has label 12; there are 10 classes"), problem("cifar"))
    }
}
