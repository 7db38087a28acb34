import Foundation
import XCTest
@testable import CNNZoo

/// The helper threads behind Parallelism: every chunk runs exactly once per call, whether the
/// helpers are spinning or asleep, with as many chunks as threads or fewer, and when several
/// threads (or a chunk itself) ask for parallel work at once.
final class WorkerPoolTests: XCTestCase {
    override func tearDown() { Parallelism.setThreads(ProcessInfoCores.active) }

    func testEveryChunkRunsOncePerCallAwakeOrAsleep() {
        for threads in [2, 3, 4] {
            Parallelism.setThreads(threads)
            var counts = [Int](repeating: 0, count: 64)
            for call in 0..<3_000 {
                let items = 1 + call % (threads + 2)
                counts.withUnsafeMutableBufferPointer { counts in
                    let counts = counts.baseAddress!
                    Parallelism.forEachChunk(items) { _, range in
                        for item in range { counts[item] += 1 }
                    }
                }
                // Now and then long enough for the helpers to fall asleep.
                if call % 500 == 499 { Thread.sleep(forTimeInterval: 0.002) }
                for item in 0..<items { XCTAssertEqual(counts[item], 1, "call \(call), item \(item) of \(items), \(threads) threads") }
                for item in 0..<items { counts[item] = 0 }
            }
        }
    }

    func testConcurrentAndNestedCallersAllComplete() {
        Parallelism.setThreads(2)
        let done = DispatchGroup()
        final class Totals: @unchecked Sendable {
            let lock = NSLock()
            var sums = [Int](repeating: 0, count: 4)
        }
        let totals = Totals()
        for caller in 0..<4 {
            done.enter()
            Thread.detachNewThread {
                var local = 0
                for _ in 0..<500 {
                    var partial = [0, 0]
                    partial.withUnsafeMutableBufferPointer { partial in
                        let partial = partial.baseAddress!
                        Parallelism.forEachChunk(8) { chunk, range in
                            // Work started from inside a chunk must not wait on the busy pool.
                            var inner = [0, 0]
                            inner.withUnsafeMutableBufferPointer { inner in
                                let inner = inner.baseAddress!
                                Parallelism.forEachChunk(range.count) { c, r in inner[c] = r.count }
                            }
                            partial[chunk] = inner[0] + inner[1]
                        }
                    }
                    local += partial[0] + partial[1]
                }
                totals.lock.withLock { totals.sums[caller] = local }
                done.leave()
            }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success, "a caller never finished")
        XCTAssertEqual(totals.sums, [4000, 4000, 4000, 4000])
    }
}
