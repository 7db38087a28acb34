import ArgumentParser
import CNNZoo
import CNNZooCheckpoint
import CNNZooData

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

/// A data set ready to use: located, read, filtered and limited.
struct PreparedData {
    let name: String
    let directory: String
    let train: LabeledImages
    let test: LabeledImages
    /// The original class numbers kept (nil: all).
    let classes: [Int]?

    /// The number of classes the model must score.
    var classCount: Int { classes?.count ?? max(train.labelBound, test.labelBound) }

    /// Finds and reads the data; a missing data set or bad file is a runtime error,
    /// classes beyond the data a usage error.
    static func load(name: String?, directory: String?, classes: [Int]?, limit: Int?, quiet: Bool = false) throws -> PreparedData {
        do {
            let found = try DatasetLocator().locate(name: name, directory: directory)
            if let notice = found.notice, !quiet { Console.notice(notice) }
            let set = try MNISTFormat(name: found.name, directory: found.directory)
            var train = set.train, test = set.test
            let bound = max(train.labelBound, test.labelBound)
            if let classes {
                if let bad = classes.first(where: { $0 >= bound }) {
                    throw UsageError("--classes: class \(bad) is out of range; \(found.name) has classes 0–\(bound - 1)")
                }
                train = train.keeping(classes: classes)
                test = test.keeping(classes: classes)
            }
            if let limit {
                train = train.limited(to: limit)
                test = test.limited(to: limit)
            }
            return PreparedData(name: found.name, directory: found.directory, train: train, test: test, classes: classes)
        } catch let error as DataError {
            throw RuntimeError(error.description)
        }
    }
}

extension DataOptions {
    /// The test set to judge a checkpoint's model on: the data the run used unless these options
    /// name another, with the run's class subset; images must have the model's shape.
    /// Returns it with the original class numbers kept (nil: all).
    func testData(for saved: Checkpoint, model: Model, quiet: Bool) throws -> (data: PreparedData, classes: [Int]?) {
        let classes = try parsedClasses() ?? (saved.run.classes.isEmpty ? nil : saved.run.classes)
        let directory = data ?? (dataset == nil ? saved.run.dataDirectory : nil)
        let prepared = try PreparedData.load(name: dataset ?? saved.run.dataset, directory: directory,
                                             classes: classes, limit: limit, quiet: quiet)
        guard prepared.test.imageShape == model.spec.inputShape else {
            throw RuntimeError("\(model.spec.name) takes \(Format.shape(model.spec.inputShape)) images but \(prepared.name) has \(Format.shape(prepared.test.imageShape))")
        }
        return (prepared, classes)
    }
}
