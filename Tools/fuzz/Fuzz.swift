// libFuzzer entry point for cnn-zoo's loaders. Built by Tools/fuzz/run.sh together with the
// engine's sources into one module, with one of FUZZ_IDX, FUZZ_SPEC or FUZZ_CHECKPOINT defined.
import Foundation

/// Built from the sources directly, the engine has no generated fingerprint; any value will do.
let cnnzooBuildFingerprint: StaticString = "1-fuzz"

/// Where file-based loaders read the input; one file per fuzzing process.
let scratch = NSTemporaryDirectory() + "cnn-zoo-fuzz-\(getpid())"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let data = Data(bytes: bytes, count: size)
    #if FUZZ_SPEC
    if let spec = try? ModelSpec(json: data), let model = try? Model(spec: spec) {
        _ = model.parameterCount
    }
    #elseif FUZZ_IDX
    FileManager.default.createFile(atPath: scratch, contents: data)
    _ = try? IDXReader.read(path: scratch)
    #elseif FUZZ_CHECKPOINT
    FileManager.default.createFile(atPath: scratch, contents: data)
    if let checkpoint = try? Checkpoint.read(from: scratch) { _ = try? checkpoint.makeModel() }
    #endif
    return 0
}
