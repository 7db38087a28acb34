import ArgumentParser
import CNNZoo
import CNNZooCheckpoint
import CNNZooData
import Foundation

struct Predict: RegistryCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask a trained model about images: the likeliest classes of each PNG or JPEG, with probabilities.",
        discussion: """
            Each image goes through exactly what the model was trained with: decoded to its \
            channels (grey or colour), scaled to [0, 1], the model's own layers (normalisation \
            included), and the loss's softmax or sigmoid. Images must have the model's input \
            size; nothing is resized. A folder means every PNG and JPEG below it.

            Examples:
              cnn-zoo predict checkpoints/photos.h5 cat.jpg
              cnn-zoo predict run.h5 holiday/ --top 3 --json
            """)

    @Argument(help: "A checkpoint path, or a model name (its checkpoints/<name>.h5).")
    var target: String

    @Argument(help: "PNG or JPEG files, or folders of them.")
    var images: [String]

    @Option(help: ArgumentHelp("How many classes to show per image.", valueName: "k"))
    var top = 5

    @Flag(help: "Print one JSON object per image.")
    var json = false

    @OptionGroup(title: "Plugins")
    var pluginOptions: PluginOptions

    func validate() throws {
        if top < 1 { throw ValidationError("--top must be at least 1, got \(top)") }
        if images.isEmpty { throw ValidationError("name at least one image or folder") }
    }

    func run(with registry: Registry) throws {
        let path = try Eval.checkpointPath(for: target, registry: registry)
        let saved = try CheckpointLoader.read(path, registry: registry)
        let model = try saved.makeModel(registry: registry)
        let files = try images.flatMap(Self.files)
        guard !files.isEmpty else { throw UsageError("no PNG or JPEG images in \(images.joined(separator: ", "))") }
        let shape = model.spec.inputShape
        guard shape.count == 3, shape[0] == 1 || shape[0] == 3 else {
            throw UsageError("\(model.spec.name) takes \(Format.shape(shape)) inputs, not images")
        }
        let names = ClassNames.names(for: saved, dataset: saved.run.dataset, classes: saved.run.classes.isEmpty ? nil : saved.run.classes)
            ?? (0..<model.spec.classes).map(String.init)
        let activation = OutputActivation(loss: model.spec.loss)
        for file in files {
            let pixels: [UInt8]
            do { pixels = try Self.decode(file, shape: shape) } catch let error as DataError { throw UsageError(error.description, pointsAtHelp: false) }
            let image = try LabeledImages(imageShape: shape, pixels: pixels, labels: [0])
            let probabilities = activation.apply(try model.predict(image.batch([0][...]).images)).scalars
            let ranked = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1) }
                .prefix(top)
            if json {
                Console.json(Answer(image: file, predictions: ranked.map { .init(classIndex: $0, name: $0 < names.count ? names[$0] : String($0), probability: probabilities[$0]) }))
            } else {
                print(file)
                for k in ranked {
                    print(String(format: "  %6.2f%%  %@", 100 * Double(probabilities[k]), k < names.count ? names[k] : String(k)))
                }
            }
        }
    }

    /// A file, or every PNG and JPEG below a folder, sorted.
    static func files(_ path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw UsageError("\(path): no such file or folder") }
        guard isDirectory.boolValue else { return [path] }
        do { return try ImageFolderFormat.images(under: path) } catch let error as DataError { throw UsageError(error.description, pointsAtHelp: false) }
    }

    /// The image as the model's channel-first bytes.
    static func decode(_ path: String, shape: [Int]) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw DataError.badFile(path: path, problem: "cannot be read") }
        let info = try ImageDecoder.info(data, path: path)
        let (channels, height, width) = (shape[0], shape[1], shape[2])
        guard info.width == width, info.height == height else {
            throw DataError.badFile(path: path, problem: "is \(info.width)×\(info.height); the model takes \(width)×\(height) images (nothing is resized)")
        }
        var interleaved = [UInt8](repeating: 0, count: channels * height * width)
        try interleaved.withUnsafeMutableBufferPointer { try ImageDecoder.decode(data, path: path, channels: channels, into: $0) }
        var planar = [UInt8](repeating: 0, count: interleaved.count)
        for c in 0..<channels { for p in 0..<(height * width) { planar[c * height * width + p] = interleaved[p * channels + c] } }
        return planar
    }

    struct Answer: Encodable {
        struct Prediction: Encodable {
            let classIndex: Int
            let name: String
            let probability: Float
            enum CodingKeys: String, CodingKey {
                case name, probability
                case classIndex = "class"
            }
        }
        let image: String
        let predictions: [Prediction]
    }
}
