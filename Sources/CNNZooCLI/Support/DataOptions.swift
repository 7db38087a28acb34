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

    @Option(help: ArgumentHelp("A folder holding the four IDX files (train-images-idx3-ubyte[.gz], …).", valueName: "dir"))
    var data: String?

    @Option(help: ArgumentHelp("Keep only these classes, relabelled 0, 1, … in the order given (e.g. 0,1).", valueName: "list"))
    var classes: String?

    @Option(help: "Use at most this many training images and this many test images, taking classes in turn.")
    var limit: Int?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
        if let dataset, !DatasetLocator.knownNames.contains(dataset), data == nil {
            let hint = Suggestion.nearest(to: dataset, in: DatasetLocator.knownNames).map { " (did you mean '\($0)'?)" } ?? ""
            throw ValidationError("unknown data set '\(dataset)'\(hint); known: \(DatasetLocator.knownNames.joined(separator: ", ")), or use --data DIR")
        }
        _ = try parsedClasses()
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
    static func load(name: String?, directory: String?, classes: [Int]?, limit: Int?, quiet: Bool) throws -> DataSet {
        do {
            let loaded = try DataSet.load(name: name, directory: directory, classes: classes, limit: limit)
            if let notice = loaded.notice, !quiet { Console.notice(notice) }
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
                                             classes: classes, limit: limit, quiet: quiet)
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
