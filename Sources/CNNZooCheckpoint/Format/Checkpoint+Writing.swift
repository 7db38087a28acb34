import CNNZoo
import Foundation

extension Checkpoint {
    /// Writes the checkpoint to `path` atomically: into a temporary file beside it, closed and
    /// fsynced, then renamed over `path`. A crash at any instant leaves the old file or the new
    /// one, whole; never a half-written one.
    public func write(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw HDF5Error("\(path): the folder \(directory) does not exist")
        }
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        do {
            let file = try HDF5File.create(path: temporary)
            try writeContents(into: file)
            try file.close()
            try Self.sync(path: temporary)
            guard rename(temporary, path) == 0 else {
                throw HDF5Error("\(path): cannot replace the checkpoint (\(String(cString: strerror(errno))))")
            }
            try? Self.sync(path: directory)
        } catch {
            unlink(temporary)
            if let error = error as? HDF5Error, error.description.contains(temporary) {
                throw HDF5Error("\(path): cannot write the checkpoint (is the folder writable?)")
            }
            throw error
        }
    }

    /// Removes temporary files that an earlier process, killed mid-save, left beside `path`.
    /// Files of processes still running are left alone.
    public static func removeStaleTemporaries(besides path: String) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let prefix = ".\(url.lastPathComponent).tmp-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                unlink((folder as NSString).appendingPathComponent(name))
            }
        }
    }

    private static func sync(path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw HDF5Error("\(path): cannot open to flush") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw HDF5Error("\(path): fsync failed") }
    }

    private func writeContents(into file: HDF5File) throws {
        try file.setAttribute("format", string: Self.formatName)
        try file.setAttribute("format_version", integer: Self.formatVersion)
        try file.setAttribute("writer", string: writer)
        try file.setAttribute("model_name", string: spec.name)
        try file.setAttribute("model_spec", string: String(decoding: spec.jsonData(), as: UTF8.self))
        try file.setAttribute("created", string: ISO8601DateFormatter().string(from: Date()))
        try file.setAttribute("plugins", string: String(decoding: try JSONEncoder.sorted.encode(plugins), as: UTF8.self))

        let weights = try file.createGroup("weights")
        try weights.setAttribute("layout", string: "PyTorch state_dict: conv [out, in, kh, kw], dense [out, in]; key = <layer>.<parameter>")
        try weights.setAttribute("parameter_order", string: parameters.map(\.path).joined(separator: ","))
        try weights.setAttribute("buffers", string: buffers.map(\.path).joined(separator: ","))
        try Self.writeTensors(parameters + buffers, into: weights)

        let optimizerGroup = try file.createGroup("optimizer")
        try optimizerGroup.setAttribute("kind", string: optimizer.kind)
        try optimizerGroup.setAttribute("step", integer: Int64(optimizerState.step))
        for (name, value) in optimizer.hyperparameters { try optimizerGroup.setAttribute(name, setting: value) }
        let stateGroup = try optimizerGroup.createGroup("state")
        for slot in optimizerState.slots.keys.sorted() {
            let tensors = parameters.compactMap { entry in optimizerState.tensor(slot, for: entry.path).map { (entry.path, $0) } }
            try Self.writeTensors(tensors, into: try stateGroup.createGroup(slot))
        }

        let trainingGroup = try file.createGroup("training")
        try trainingGroup.setAttribute("epoch", integer: Int64(training.epoch))
        try trainingGroup.setAttribute("batch_in_epoch", integer: Int64(training.batchInEpoch))
        try trainingGroup.setAttribute("global_step", integer: Int64(training.globalStep))
        try trainingGroup.setAttribute("seed", string: String(training.seed))
        try trainingGroup.setAttribute("total_epochs", integer: Int64(run.totalEpochs))
        try trainingGroup.setAttribute("batch_size", integer: Int64(run.batchSize))
        try trainingGroup.setAttribute("lr_schedule", string: String(decoding: try JSONEncoder.sorted.encode(run.schedule), as: UTF8.self))
        try trainingGroup.setAttribute("dataset", string: run.dataset)
        try trainingGroup.setAttribute("data_directory", string: run.dataDirectory)
        try trainingGroup.setAttribute("classes", string: run.classes.map(String.init).joined(separator: ","))
        try trainingGroup.setAttribute("limit", integer: Int64(run.limit))
        try trainingGroup.setAttribute("threads", integer: Int64(run.threads))
        try trainingGroup.setAttribute("chunks", integer: Int64(run.chunks))
        try trainingGroup.setAttribute("ranks", integer: Int64(run.ranks))
        try trainingGroup.setAttribute("class_names", string: String(decoding: try JSONEncoder.sorted.encode(run.classNames), as: UTF8.self))
        try trainingGroup.setAttribute("train_fingerprint", string: run.trainFingerprint)
        try trainingGroup.setAttribute("test_fingerprint", string: run.testFingerprint)
        try trainingGroup.setAttribute("continued_on_other_data", integer: run.continuedOnOtherData ? 1 : 0)
        try trainingGroup.setAttribute("cifar_labels", string: run.cifarLabels)
        try trainingGroup.setAttribute("validation_split", double: run.validationSplit)
        try trainingGroup.setAttribute("skip_bad_images", integer: run.skipsBadImages ? 1 : 0)
        try trainingGroup.write("random_state", unsigned: training.random.state, shape: [4])
        try trainingGroup.setAttribute("running_loss_sum", double: training.running.lossSum)
        try trainingGroup.setAttribute("running_correct", integer: Int64(training.running.correct))
        try trainingGroup.setAttribute("running_seen", integer: Int64(training.running.seen))

        try trainingGroup.write("step_loss", floats: training.stepLosses, shape: [training.stepLosses.count])
        try trainingGroup.setAttribute("step_loss_first_step", integer: Int64(training.firstLoggedStep))

        let history = try trainingGroup.createGroup("history")
        let records = training.history
        try history.setAttribute("note", string: "one row per finished epoch; test_accuracy is NaN when no test set was used")
        try history.write("epoch", integers: records.map { Int64($0.epoch) }, shape: [records.count])
        try history.write("train_loss", doubles: records.map(\.trainLoss), shape: [records.count])
        try history.write("train_accuracy", doubles: records.map(\.trainAccuracy), shape: [records.count])
        try history.write("test_accuracy", doubles: records.map { $0.testAccuracy ?? .nan }, shape: [records.count])
        try history.write("seconds", doubles: records.map(\.seconds), shape: [records.count])
        try history.write("lr", doubles: records.map(\.learningRate), shape: [records.count])
    }

    /// Writes `layer.parameter` tensors as `<group>/<layer>/<parameter>`.
    private static func writeTensors(_ tensors: [(path: String, value: Tensor)], into group: HDF5Group) throws {
        var layers: [String: HDF5Group] = [:]
        for (path, value) in tensors {
            let (layer, name) = split(path)
            if layers[layer] == nil { layers[layer] = try group.createGroup(layer) }
            try layers[layer]!.write(name, floats: value.scalars, shape: value.shape)
        }
    }

    static func split(_ path: String) -> (layer: String, parameter: String) {
        let dot = path.lastIndex(of: ".")!
        return (String(path[..<dot]), String(path[path.index(after: dot)...]))
    }
}

extension HDF5Object {
    /// Writes a spec setting as an attribute: a number as float64, a boolean as int64 0/1,
    /// a list of numbers as a float64 array, a string as a string.
    func setAttribute(_ name: String, setting: SettingValue) throws {
        switch setting {
        case .number(let value): try setAttribute(name, double: value)
        case .bool(let value): try setAttribute(name, integer: value ? 1 : 0)
        case .string(let value): try setAttribute(name, string: value)
        case .array(let items):
            let numbers = items.compactMap { item -> Double? in if case .number(let value) = item { return value } else { return nil } }
            guard numbers.count == items.count, !numbers.isEmpty else {
                throw HDF5Error("\(location): setting '\(name)' is not a list of numbers and cannot be stored")
            }
            try setAttribute(name, doubles: numbers)
        }
    }

    /// Reads an attribute written by ``setAttribute(_:setting:)`` back as a setting.
    func setting(_ name: String) throws -> SettingValue {
        switch try attribute(name) {
        case .double(let value): return .number(value)
        case .integer(let value): return .bool(value != 0)
        case .string(let value): return .string(value)
        case .doubles(let values): return .array(values.map { .number($0) })
        }
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
