@testable import CNNZooCLI
import XCTest

final class BLASRuntimeTests: XCTestCase {
    let avx512: Set<String> = ["avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq"]

    func testFallbackKernelsOnAVX512AreReplaced() {
        XCTAssertEqual(BLASRuntime.recommendedCore(chosen: "Prescott", cpuFlags: avx512, environment: [:]), "SkylakeX")
        XCTAssertEqual(BLASRuntime.recommendedCore(chosen: "Prescott", cpuFlags: ["avx2", "fma"], environment: [:]), "Haswell")
    }

    func testOpenBLASOwnGoodChoiceAndTheUserAreRespected() {
        XCTAssertNil(BLASRuntime.recommendedCore(chosen: "Cooperlake", cpuFlags: avx512, environment: [:]))
        XCTAssertNil(BLASRuntime.recommendedCore(chosen: "Prescott", cpuFlags: avx512, environment: ["OPENBLAS_CORETYPE": "Prescott"]))
        XCTAssertNil(BLASRuntime.recommendedCore(chosen: "Prescott", cpuFlags: avx512, environment: [BLASRuntime.marker: "1"]))
        XCTAssertNil(BLASRuntime.recommendedCore(chosen: "Prescott", cpuFlags: ["sse3"], environment: [:]))
    }
}
