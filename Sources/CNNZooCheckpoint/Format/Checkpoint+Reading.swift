import CNNZoo
import Foundation

extension Checkpoint {
    /// Reads and validates the checkpoint at `path`: format and version, a spec that builds
    /// through `registry`, every weight and momentum buffer present with the model's shape
    /// and finite values, nothing unexpected, and a consistent training state.
    /// Every failure is one ``HDF5Error`` line naming the file and what is wrong.
    public static func read(from path: String, registry: LayerRegistry = .standard) throws -> Checkpoint {
        let file = try HDF5File.open(path: path)
        func fail(_ message: String) -> HDF5Error { HDF5Error("\(path): \(message)") }
        func context<T>(_ body: () throws -> T) throws -> T {
            do { return try body() } catch let error as HDF5Error {
                throw error.description.hasPrefix(path) ? error : fail(error.description)
            }
        }

        guard file.hasAttribute("format"), (try? file.stringAttribute("format")) == formatName else {
            throw fail("not a cnn-zoo checkpoint (no root attribute format = \"\(formatName)\")")
        }
        let version = try context { try file.integerAttribute("format_version") }
        guard version >= 1 else { throw fail("format_version \(version) is not valid") }
        guard version <= formatVersion else {
            throw fail("written in checkpoint format version \(version) by a newer cnn-zoo; this program reads version \(formatVersion) and older")
        }
        let writer = (try? file.stringAttribute("writer")) ?? "unknown"
        let specText = try context { try file.stringAttribute("model_spec") }
        let spec: ModelSpec
        let model: Model
        do {
            spec = try ModelSpec(json: Data(specText.utf8))
            model = try Model(spec: spec, registry: registry)
        } catch let error as ModelError {
            throw fail("model_spec: \(error.description)")
        }

        let expected = model.namedParameters.map { (path: $0.path, shape: $0.parameter.shape) }
        let weights = try context { try file.group("weights") }
        let parameters = try context { try readTensors(from: weights, expected: expected, required: true) }

        let optimizerGroup = try context { try file.group("optimizer") }
        let kind = try context { try optimizerGroup.stringAttribute("kind") }
        guard kind == "sgd" else { throw fail("optimizer kind '\(kind)' is not supported (only sgd)") }
        let optimizer = try context {
            SGDConfiguration(learningRate: try optimizerGroup.doubleAttribute("lr"),
                             momentum: try optimizerGroup.doubleAttribute("momentum"),
                             dampening: try optimizerGroup.doubleAttribute("dampening"),
                             nesterov: try optimizerGroup.integerAttribute("nesterov") != 0,
                             weightDecay: try optimizerGroup.doubleAttribute("weight_decay"))
        }
        if let problem = optimizer.problem { throw fail("optimizer: \(problem)") }
        let step = try context { try optimizerGroup.integerAttribute("step") }
        let buffersGroup = try context { try optimizerGroup.group("momentum_buffers") }
        let buffers = try context { try readTensors(from: buffersGroup, expected: expected, required: false) }

        let trainingGroup = try context { try file.group("training") }
        func integer(_ name: String, in range: ClosedRange<Int64>) throws -> Int {
            let value = try context { try trainingGroup.integerAttribute(name) }
            guard range.contains(value) else { throw fail("training/\(name) = \(value) is out of range \(range)") }
            return Int(value)
        }
        let limit31 = Int64(Int32.max)
        let epoch = try integer("epoch", in: 0...1_000_000)
        let batchInEpoch = try integer("batch_in_epoch", in: 0...limit31)
        let globalStep = try integer("global_step", in: 0...Int64(1) << 48)
        let totalEpochs = try integer("total_epochs", in: 1...1_000_000)
        let batchSize = try integer("batch_size", in: 1...limit31)
        let limit = try integer("limit", in: 0...limit31)
        guard Int64(globalStep) == step else {
            throw fail("optimizer step \(step) disagrees with training/global_step \(globalStep)")
        }
        guard let seed = UInt64(try context { try trainingGroup.stringAttribute("seed") }) else {
            throw fail("training/seed is not a whole number")
        }
        let scheduleText = try context { try trainingGroup.stringAttribute("lr_schedule") }
        guard let schedule = try? JSONDecoder().decode(LearningRateSchedule.self, from: Data(scheduleText.utf8)) else {
            throw fail("training/lr_schedule is not a schedule: \(scheduleText)")
        }
        let classesText = try context { try trainingGroup.stringAttribute("classes") }
        let classes = classesText.isEmpty ? [] : classesText.split(separator: ",").compactMap { Int($0) }
        guard classes.count == (classesText.isEmpty ? 0 : classesText.split(separator: ",").count) else {
            throw fail("training/classes is not a list of numbers: \(classesText)")
        }
        let randomState = try context { try trainingGroup.readUnsigned("random_state", maximumCount: 4) }
        guard randomState.shape == [4], let random = RandomGenerator(state: randomState.values) else {
            throw fail("training/random_state must be 4 words, not all zero")
        }
        let running = RunningTotals(lossSum: try context { try trainingGroup.doubleAttribute("running_loss_sum") },
                                    correct: try integer("running_correct", in: 0...limit31),
                                    seen: try integer("running_seen", in: 0...limit31))
        guard running.lossSum.isFinite, running.lossSum >= 0, running.correct <= running.seen else {
            throw fail("training running totals are inconsistent")
        }
        let history = try context { try readHistory(try trainingGroup.group("history"), epochs: epoch) }
        guard history.count == epoch else {
            throw fail("training/history has \(history.count) epochs but training/epoch is \(epoch)")
        }
        let run = RunSettings(totalEpochs: totalEpochs, batchSize: batchSize, schedule: schedule,
                              dataset: try context { try trainingGroup.stringAttribute("dataset") },
                              dataDirectory: try context { try trainingGroup.stringAttribute("data_directory") },
                              classes: classes, limit: limit,
                              threads: trainingGroup.hasAttribute("threads") ? try integer("threads", in: 0...1024) : 0)
        let training = TrainingState(seed: seed, epoch: epoch, batchInEpoch: batchInEpoch, globalStep: globalStep,
                                     random: random, running: running, history: history)
        return Checkpoint(spec: spec, parameters: parameters, optimizer: optimizer,
                          optimizerState: OptimizerState(step: Int(step), momentumBuffers: Dictionary(uniqueKeysWithValues: buffers)),
                          training: training, run: run, writer: writer)
    }

    /// Reads `<layer>/<parameter>` datasets, checking names, shapes, dtype and finiteness.
    private static func readTensors(from group: HDF5Group, expected: [(path: String, shape: [Int])],
                                    required: Bool) throws -> [(path: String, value: Tensor)] {
        let expectedPaths = Set(expected.map(\.path))
        var found: [String: HDF5Group] = [:]
        for layer in try group.names() {
            guard group.kind(of: layer) == .group else {
                throw HDF5Error("\(group.location)/\(layer): unexpected; expected one group per layer")
            }
            let layerGroup = try group.group(layer)
            for name in try layerGroup.names() where !expectedPaths.contains("\(layer).\(name)") {
                throw HDF5Error("\(layer).\(name): unexpected in \(group.location) — the model has no such parameter")
            }
            found[layer] = layerGroup
        }
        var tensors: [(path: String, value: Tensor)] = []
        for (path, shape) in expected {
            let (layer, name) = split(path)
            guard let layerGroup = found[layer], layerGroup.contains(name) else {
                if required { throw HDF5Error("\(path): missing from \(group.location)") }
                continue
            }
            let description = try layerGroup.describe(name)
            guard description.element == .float32 else {
                throw HDF5Error("\(path): holds \(description.element.rawValue) values in \(group.location), expected float32")
            }
            guard description.shape == shape else {
                throw HDF5Error("\(path): checkpoint has \(description.shape), model expects \(shape)")
            }
            let values = try layerGroup.readFloats(name).values
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw HDF5Error("\(path): value \(values[bad]) at index \(bad) in \(group.location) is not finite")
            }
            tensors.append((path, Tensor(shape: shape, scalars: values)))
        }
        return tensors
    }

    /// Reads the history, which must have one row per finished epoch.
    private static func readHistory(_ group: HDF5Group, epochs expected: Int) throws -> [EpochRecord] {
        let epochs = try group.readIntegers("epoch", maximumCount: expected).values
        let columns = try ["train_loss", "train_accuracy", "test_accuracy", "seconds", "lr"].map { name -> [Double] in
            let values = try group.readDoubles(name, maximumCount: expected).values
            guard values.count == epochs.count else {
                throw HDF5Error("\(group.location)/\(name) has \(values.count) rows, epoch has \(epochs.count)")
            }
            return values
        }
        return epochs.indices.map { i in
            EpochRecord(epoch: Int(epochs[i]), trainLoss: columns[0][i], trainAccuracy: columns[1][i],
                        testAccuracy: columns[2][i].isNaN ? nil : columns[2][i], seconds: columns[3][i], learningRate: columns[4][i])
        }
    }
}
