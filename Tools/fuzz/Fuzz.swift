// libFuzzer entry point for cnn-zoo's loaders. Built by Tools/fuzz/run.sh together with the
// engine's, data and checkpoint sources into one module; CNN_ZOO_FUZZ_TARGET (idx, spec,
// checkpoint or image) says which loader each run feeds, so one build serves all four.
import Foundation

/// Where file-based loaders read the input; one file per fuzzing process.
let scratch = NSTemporaryDirectory() + "cnn-zoo-fuzz-\(getpid())"
let target = ProcessInfo.processInfo.environment["CNN_ZOO_FUZZ_TARGET"] ?? ""

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let data = Data(bytes: bytes, count: size)
    switch target {
    case "spec":
        if let spec = try? ModelSpec(json: data), let model = try? Model(spec: spec) {
            _ = model.parameterCount
        }
    case "idx":
        _ = FileManager.default.createFile(atPath: scratch, contents: data)
        _ = try? IDXReader.read(path: scratch)
    case "checkpoint":
        _ = FileManager.default.createFile(atPath: scratch, contents: data)
        if let checkpoint = try? Checkpoint.read(from: scratch) { _ = try? checkpoint.makeModel() }
    case "image":
        // The PNG and JPEG shims: the header first, then the pixels into a buffer of that size.
        if let info = try? ImageDecoder.info(data, path: "fuzz") {
            var pixels = [UInt8](repeating: 0, count: info.width * info.height * 3)
            for channels in [1, 3] {
                _ = try? pixels.withUnsafeMutableBufferPointer { try ImageDecoder.decode(data, path: "fuzz", channels: channels, into: $0) }
            }
        }
    default:
        fatalError("set CNN_ZOO_FUZZ_TARGET to idx, spec, checkpoint or image")
    }
    return 0
}
