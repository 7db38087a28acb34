@testable import CNNZoo
import CNNZooTesting
import XCTest

/// The crop-and-flip augmentation: a pure function of (seed, epoch, step), the same on any
/// thread count, shifting with zeros and mirroring exactly.
final class AugmentationTests: XCTestCase {
    override func tearDown() { Parallelism.setThreads(ProcessInfoCores.active) }

    func testTheSameDrawsOnEveryThreadCount() {
        let augmentation = Augmentation(cropPadding: 3, horizontalFlip: true)
        let batch = GradientCheck.randomTensor([7, 3, 8, 8], seed: 2)
        var results: [Tensor] = []
        for threads in [1, 2, 3] {
            Parallelism.setThreads(threads)
            var copy = batch
            augmentation.apply(to: &copy, seed: 5, epoch: 1, step: 4)
            results.append(copy)
        }
        XCTAssertEqual(results[0], results[1])
        XCTAssertEqual(results[0], results[2])
        XCTAssertNotEqual(results[0], batch, "it changes the batch")
        var later = batch
        augmentation.apply(to: &later, seed: 5, epoch: 1, step: 5)
        XCTAssertNotEqual(later, results[0], "another step, other draws")
    }

    func testAFlipMirrorsAndAShiftFillsWithZeros() {
        // With padding 0 only flips are drawn: each image is itself or its mirror image.
        let image = Tensor(shape: [1, 1, 2, 3], scalars: [1, 2, 3, 4, 5, 6])
        var flips = 0
        for step in 0..<20 {
            var copy = image
            Augmentation(horizontalFlip: true).apply(to: &copy, seed: 1, epoch: 0, step: step)
            if copy.scalars == [3, 2, 1, 6, 5, 4] { flips += 1 } else { XCTAssertEqual(copy, image) }
        }
        XCTAssertTrue((4...16).contains(flips), "about half are flipped: \(flips) of 20")
        // A shift keeps the values, moved, with zeros where it uncovers the padding.
        var shifted = Tensor(shape: [1, 1, 4, 4], scalars: (1...16).map(Float.init))
        Augmentation(cropPadding: 1).apply(to: &shifted, seed: 3, epoch: 0, step: 0)
        let kept = shifted.scalars.filter { $0 != 0 }
        XCTAssertTrue(Set(kept).isSubset(of: Set((1...16).map(Float.init))))
        XCTAssertTrue(kept.count == 16 || kept.count == 12 || kept.count == 9, "\(shifted.scalars)")
    }
}
