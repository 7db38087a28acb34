import Foundation

// Writes EngineFingerprint.swift: an FNV-1a 64 hash of the engine's sources (each file's path
// within the target and its bytes, in path order). Usage: cnnzoo-fingerprint TARGET_DIR OUTPUT SOURCES…
let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: cnnzoo-fingerprint TARGET_DIR OUTPUT SOURCES...\n".utf8))
    exit(2)
}
let root = arguments[1].hasSuffix("/") ? arguments[1] : arguments[1] + "/"
var hash: UInt64 = 0xcbf2_9ce4_8422_2325
for path in arguments.dropFirst(3).sorted() {
    let name = Array((path.hasPrefix(root) ? String(path.dropFirst(root.count)) : path).utf8) + [0]
    for byte in name + Array(FileManager.default.contents(atPath: path) ?? Data()) { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
}
let text = """
    // Generated at build time by the engine's FingerprintPlugin: the hash of the engine sources this
    // module is compiled against. Do not edit.
    let cnnzooBuildFingerprint: StaticString = "1-\(String(hash, radix: 16))"

    """
let output = arguments[2]
if (try? String(contentsOfFile: output, encoding: .utf8)) != text {
    try text.write(toFile: output, atomically: true, encoding: .utf8)
}
