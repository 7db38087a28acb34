import ArgumentParser
import CNNZoo
import CNNZooCheckpoint
import CNNZooData
import CNNZooTraining

/// The options that choose training and test data, shared by `train`, `eval` and `plot`.
struct DataOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Data set by name: mnist or fashion-mnist.",
                               discussion: "Searched in $CNN_ZOO_DATA/NAME, ./data/NAME and /usr/share/datasets/NAME. Default: MNIST when present, else Fashion-MNIST."))
    var dataset: String?

    @Option(help: ArgumentHelp("A data folder: MNIST's four IDX files, CIFAR-10/100 binary files, or PNG/JPEG images in class folders.",
                               discussion: "Images: DIR/train/<class>/… and DIR/test/<class>/…, or DIR/<class>/… split by --val-split. Classes are the folder names, sorted.",
                               valueName: "dir"))
    var data: String?

    @Option(help: ArgumentHelp("For a folder of class folders without train/ and test/: the share of each class held out for testing (split with a fixed seed).", valueName: "fraction"))
    var valSplit: Double?

    @Flag(help: "Leave out images that cannot be decoded (counted and reported) instead of stopping at the first.")
    var skipBadImages = false

    @Option(help: ArgumentHelp("CIFAR-100's labels: fine (100 classes) or coarse (20).", valueName: "kind"))
    var cifarLabels: String?

    @Option(help: ArgumentHelp("Keep only these classes, relabelled 0, 1, … in the order given (e.g. 0,1).", valueName: "list"))
    var classes: String?

    @Option(help: "Use at most this many training images and this many test images, taking classes in turn.")
    var limit: Int?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
        if let valSplit, !(valSplit > 0 && valSplit < 1) { throw ValidationError("--val-split must be between 0 and 1, got \(valSplit)") }
        if let cifarLabels, CIFARFormat.Labels(rawValue: cifarLabels) == nil {
            throw ValidationError("--cifar-labels is fine or coarse, got '\(cifarLabels)'")
        }
        if let dataset, !DatasetLocator.knownNames.contains(dataset), data == nil {
            let hint = Suggestion.nearest(to: dataset, in: DatasetLocator.knownNames).map { " (did you mean '\($0)'?)" } ?? ""
            throw ValidationError("unknown data set '\(dataset)'\(hint); known: \(DatasetLocator.knownNames.joined(separator: ", ")), or use --data DIR")
        }
        _ = try parsedClasses()
    }

    /// How the files are read: the options given, else what `recorded` (a run's settings) used.
    func readOptions(recorded: RunSettings? = nil, quiet: Bool) -> ReadOptions {
        var options = ReadOptions()
        options.cifarLabels = cifarLabels.flatMap(CIFARFormat.Labels.init) ?? recorded.flatMap { CIFARFormat.Labels(rawValue: $0.cifarLabels) } ?? .fine
        options.folder.validationSplit = valSplit ?? recorded?.validationSplit ?? ImageFolderFormat.Options().validationSplit
        options.folder.skipsBadImages = skipBadImages || (recorded?.skipsBadImages ?? false)
        if !quiet && Console.errorIsTerminal { options.progress = { done, total in Console.status("\rreading images: \(done)/\(total)" + (done == total ? "\n" : "")) } }
        return options
    }

    /// The `--classes` list, checked for form (range is checked against the data once loaded).
    func parsedClasses() throws -> [Int]? {
        guard let classes else { return nil }
        let parts = classes.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { Int($0) }
        guard values.count == parts.count, !values.isEmpty, values.allSatisfy({ $0 >= 0 }) else {
            throw ValidationError("--classes takes class numbers separated by commas, like 0,1; got '\(classes)'")
        }
        guard Set(values).count == values.count else { throw ValidationError("--classes lists a class twice: '\(classes)'") }
        guard values.count >= 2 else { throw ValidationError("--classes needs at least two classes to tell apart") }
        return values
    }
}

import Foundation

/// A data set loaded for a command: a missing data set or bad file is a runtime error, classes
/// beyond the data a usage error naming `--classes`.
typealias PreparedData = DataSet

extension DataSet {
    static func load(name: String?, directory: String?, classes: [Int]?, limit: Int?, quiet: Bool,
                     options: ReadOptions = ReadOptions()) throws -> DataSet {
        do {
            let start = Date()
            let loaded = try DataSet.load(name: name, directory: directory, classes: classes, limit: limit, options: options)
            if let notice = loaded.notice, !quiet { Console.notice(notice) }
            let seconds = Date().timeIntervalSince(start), images = loaded.train.count + loaded.test.count
            if seconds >= 1, !quiet {
                Console.notice(String(format: "read %@ images from %@ in %.1f s (%@ images/s)", Format.grouped(images), loaded.directory, seconds,
                                      Format.grouped(Int(Double(images) / seconds))))
            }
            return loaded
        } catch DataError.badSelection(let message) {
            throw UsageError("--classes: \(message)")
        } catch let error as DataError {
            throw RuntimeError(error.description)
        }
    }
}

extension DataOptions {
    /// The data to judge a checkpoint's model on: the data the run used unless these options name
    /// other data, with the run's class subset; images must have the model's shape. Returns it
    /// with the original class numbers kept (nil: all).
    func testData(for saved: Checkpoint, quiet: Bool) throws -> (data: PreparedData, classes: [Int]?) {
        let classes = try parsedClasses() ?? (saved.run.classes.isEmpty ? nil : saved.run.classes)
        // An imported model records no data: the default data set then, as `train` picks it.
        let recordedDirectory = saved.run.dataDirectory.isEmpty ? nil : saved.run.dataDirectory
        let directory = data ?? (dataset == nil ? recordedDirectory : nil)
        let prepared = try PreparedData.load(name: dataset ?? (saved.run.dataset.isEmpty ? nil : saved.run.dataset), directory: directory,
                                             classes: classes, limit: limit, quiet: quiet, options: readOptions(recorded: saved.run, quiet: quiet))
        guard prepared.test.imageShape == saved.spec.inputShape else {
            throw RuntimeError("\(saved.spec.name) takes \(Format.shape(saved.spec.inputShape)) images but \(prepared.name) has \(Format.shape(prepared.test.imageShape))")
        }
        return (prepared, classes)
    }

    /// The run a checkpoint holds, to look at on `data` (see ``TrainingRun/init(reading:from:registry:data:)``).
    static func reading(_ saved: Checkpoint, from path: String, registry: Registry, data: PreparedData) throws -> TrainingRun {
        do {
            return try TrainingRun(reading: saved, from: path, registry: registry, data: data)
        } catch let error as TrainingRunError {
            throw RuntimeError(error.description)
        } catch let error as TrainingError {
            throw RuntimeError("\(path): \(error.description)")
        }
    }
}
