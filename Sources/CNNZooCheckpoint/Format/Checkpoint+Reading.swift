import CNNZoo
import Foundation

extension Checkpoint {
    /// Reads and validates the checkpoint at `path` (format version 1 or 2): format and
    /// version, a spec that builds through `registry`, every weight present with the model's
    /// shape and finite values, an optimizer that builds through `optimizers` with exactly the
    /// state slots its kind, settings and step count require, and a complete, consistent
    /// training state. Checksums (format 2) are verified as the data is read.
    /// Every failure is one ``HDF5Error`` line naming the file and what is wrong.
    public static func read(from path: String, registry: Registry = .standard) throws -> Checkpoint {
        let file = try HDF5File.open(path: path)
        func fail(_ message: String) -> HDF5Error { HDF5Error("\(path): \(message)") }
        func context<T>(_ body: () throws -> T) throws -> T {
            do { return try body() } catch let error as HDF5Error {
                throw error.description.hasPrefix(path) ? error : fail(error.description)
            }
        }

        // A damaged header must say so, not pass for a foreign file: lookups that fail throw.
        guard try context({ try file.attributeExists("format") }), try context({ try file.stringAttribute("format") }) == formatName else {
            throw fail("not a cnn-zoo checkpoint (no root attribute format = \"\(formatName)\")")
        }
        let version = try context { try file.integerAttribute("format_version") }
        guard version >= oldestReadableVersion else { throw fail("format_version \(version) is not valid") }
        guard version <= formatVersion else {
            throw fail("written in checkpoint format version \(version) by a newer cnn-zoo; this program reads version \(formatVersion) and older")
        }
        let writer = try context { try file.stringAttribute("writer") }
        let specText = try context { try file.stringAttribute("model_spec") }
        let spec: ModelSpec
        do { spec = try ModelSpec(json: Data(specText.utf8)) } catch let error as ModelError {
            throw fail("model_spec: \(error.description)")
        }
        // What the run needs from plugins: a kind that is not registered here is named with its plugin.
        var needs: [PluginNeed] = []
        if try context({ try file.attributeExists("plugins") }) {
            let text = try context { try file.stringAttribute("plugins") }
            guard let decoded = try? JSONDecoder().decode([PluginNeed].self, from: Data(text.utf8)) else {
                throw fail("the root attribute plugins is not a list of plugin needs: \(text)")
            }
            needs = decoded
        }
        var notices: [String] = []
        for need in needs {
            guard let owner = need.contribution.flatMap(registry.owner(of:)) else {
                throw fail("model '\(spec.name)' uses \(need.role) kind '\(need.kind)' from plugin '\(need.plugin)' \(need.version), "
                           + "which is not loaded; pass --plugin PATH or set CNN_ZOO_PLUGINS")
            }
            if owner.name != need.plugin {
                notices.append("\(path): \(need.role) kind '\(need.kind)' was written with plugin '\(need.plugin)' \(need.version) and is read with '\(owner.name)' \(owner.version)")
            } else if owner.version != need.version {
                notices.append("\(path): written with plugin '\(need.plugin)' \(need.version), read with \(owner.version); results may differ")
            }
        }
        // One notice per plugin and version, however many of its kinds the run uses.
        var seen = Set<String>()
        notices = notices.filter { seen.insert($0).inserted }
        let model: Model
        do { model = try Model(spec: spec, registry: registry) } catch let error as ModelError {
            throw fail("model_spec: \(error.description)")
        }

        let expected = model.namedParameters.map { (path: $0.path, shape: $0.parameter.shape) }
        let expectedBuffers = model.namedBuffers.map { (path: $0.path, shape: $0.buffer.shape) }
        let weights = try context { try file.group("weights") }
        let stored = try context { try readTensors(from: weights, expected: expected + expectedBuffers) }
        let parameters = Array(stored.prefix(expected.count)), buffers = Array(stored.dropFirst(expected.count))

        let (optimizer, optimizerState) = try context {
            try readOptimizer(try file.group("optimizer"), version: version, expected: expected, optimizers: registry.optimizers)
        }
        let trainingGroup = try context { try file.group("training") }
        let (training, run) = try context { try readTraining(trainingGroup, version: version, optimizerStep: optimizerState.step) }
        var checkpoint = Checkpoint(spec: spec, parameters: parameters, buffers: buffers, optimizer: optimizer,
                                    optimizerState: optimizerState, training: training, run: run, writer: writer,
                                    fileVersion: Int(version), plugins: needs)
        checkpoint.notices = notices
        return checkpoint
    }

    /// The optimizer from its attributes, and its state: exactly the slots the kind keeps at
    /// that step, each with one tensor per parameter.
    private static func readOptimizer(_ group: HDF5Group, version: Int64, expected: [(path: String, shape: [Int])],
                                      optimizers: OptimizerRegistry) throws -> (any Optimizer, OptimizerState) {
        let kind = try group.stringAttribute("kind")
        let step = try group.integerAttribute("step")
        guard (0...Int64(1) << 48).contains(step) else { throw HDF5Error("\(group.location): step \(step) is out of range") }
        var settings: [String: SettingValue] = [:]
        for name in try group.attributeNames() where name != "kind" && name != "step" {
            settings[name] = try group.setting(name)
        }
        let optimizer: any Optimizer
        do {
            optimizer = try optimizers.makeOptimizer(OptimizerSpec(kind: kind, settings: settings))
        } catch let error as ModelError {
            throw HDF5Error("\(group.location): \(error.description)")
        }

        // Format 1 kept SGD's one slot as /optimizer/momentum_buffers.
        let slotsGroup = try group.group(version == 1 ? "momentum_buffers" : "state")
        func slotGroup(_ slot: String) throws -> HDF5Group? {
            if version == 1 { return slot == "momentum_buffer" ? slotsGroup : nil }
            return slotsGroup.contains(slot) ? try slotsGroup.group(slot) : nil
        }
        let required = step > 0 ? optimizer.slots : []
        let keeps = "\(kind) at step \(step) keeps \(required.isEmpty ? "no state" : required.joined(separator: ", "))"
        if version >= 2 {
            for slot in try slotsGroup.names() where !required.contains(slot) {
                throw HDF5Error("\(slotsGroup.location)/\(slot) is not expected (\(keeps)); the file is inconsistent")
            }
        } else if required.isEmpty, let stray = try slotsGroup.names().first {
            throw HDF5Error("\(slotsGroup.location)/\(stray) is not expected (\(keeps)); the file is inconsistent")
        }
        var state = OptimizerState(step: Int(step))
        for slot in required {
            guard let slotGroup = try slotGroup(slot) else {
                throw HDF5Error("\(slotsGroup.location)/\(slot) is missing (\(keeps) for every parameter); the file is incomplete")
            }
            let tensors = try readTensors(from: slotGroup, expected: expected,
                                          missing: "\(kind) at step \(step) keeps \(slot) for every parameter")
            state.slots[slot] = Dictionary(uniqueKeysWithValues: tensors.map { ($0.path, $0.value) })
        }
        return (optimizer, state)
    }

    /// The training position, random stream, history and run settings; every attribute required.
    static func readTraining(_ group: HDF5Group, version: Int64, optimizerStep: Int) throws -> (TrainingState, RunSettings) {
        func attribute<T>(_ name: String, _ read: (String) throws -> T) throws -> T {
            guard group.hasAttribute(name) else {
                throw HDF5Error("\(group.location) attribute '\(name)' is missing; the file is incomplete")
            }
            return try read(name)
        }
        func integer(_ name: String, in range: ClosedRange<Int64>) throws -> Int {
            let value = try attribute(name, group.integerAttribute)
            guard range.contains(value) else { throw HDF5Error("\(group.location)/\(name) = \(value) is out of range \(range)") }
            return Int(value)
        }
        let limit31 = Int64(Int32.max)
        let epoch = try integer("epoch", in: 0...1_000_000)
        let batchInEpoch = try integer("batch_in_epoch", in: 0...limit31)
        let globalStep = try integer("global_step", in: 0...Int64(1) << 48)
        guard globalStep == optimizerStep else {
            throw HDF5Error("optimizer step \(optimizerStep) disagrees with training/global_step \(globalStep)")
        }
        let totalEpochs = try integer("total_epochs", in: 1...1_000_000)
        let batchSize = try integer("batch_size", in: 1...limit31)
        let limit = try integer("limit", in: 0...limit31)
        // Format 1 files of the earliest releases had no thread count.
        let threads = version == 1 && !group.hasAttribute("threads") ? 0 : try integer("threads", in: 0...1024)
        // Files from before data-parallel runs were single-process.
        let ranks = group.hasAttribute("ranks") ? try integer("ranks", in: 1...1 << 20) : 1
        guard let seed = UInt64(try attribute("seed", group.stringAttribute)) else {
            throw HDF5Error("\(group.location)/seed is not a whole number")
        }
        let scheduleText = try attribute("lr_schedule", group.stringAttribute)
        guard let schedule = try? JSONDecoder().decode(LearningRateSchedule.self, from: Data(scheduleText.utf8)) else {
            throw HDF5Error("\(group.location)/lr_schedule is not a schedule: \(scheduleText)")
        }
        let classesText = try attribute("classes", group.stringAttribute)
        let classParts = classesText.isEmpty ? [] : classesText.split(separator: ",", omittingEmptySubsequences: false)
        let classes = classParts.compactMap { Int($0) }
        guard classes.count == classParts.count else {
            throw HDF5Error("\(group.location)/classes is not a list of numbers: \(classesText)")
        }
        guard group.contains("random_state") else {
            throw HDF5Error("\(group.location)/random_state is missing (the dropout stream); the file is incomplete")
        }
        let randomState = try group.readUnsigned("random_state", maximumCount: 4)
        guard randomState.shape == [4], let random = RandomGenerator(state: randomState.values) else {
            throw HDF5Error("\(group.location)/random_state must be 4 words, not all zero")
        }
        let running = RunningTotals(lossSum: try attribute("running_loss_sum", group.doubleAttribute),
                                    correct: try integer("running_correct", in: 0...limit31),
                                    seen: try integer("running_seen", in: 0...limit31))
        guard running.lossSum.isFinite, running.lossSum >= 0, running.correct <= running.seen else {
            throw HDF5Error("\(group.location): the running totals are inconsistent")
        }
        let history = try readHistory(try group.group("history"), epochs: epoch)
        guard history.count == epoch else {
            throw HDF5Error("\(group.location)/history has \(history.count) epochs but epoch is \(epoch)")
        }
        // Format 1 kept no per-step losses: a resumed run logs from where it stands.
        var stepLosses: [Float] = [], firstLoggedStep = globalStep
        if version >= 2 {
            guard group.contains("step_loss") else {
                throw HDF5Error("\(group.location)/step_loss is missing; the file is incomplete")
            }
            firstLoggedStep = try integer("step_loss_first_step", in: 0...Int64(globalStep))
            let log = try group.readFloats("step_loss", maximumCount: globalStep - firstLoggedStep)
            guard log.shape == [globalStep - firstLoggedStep] else {
                throw HDF5Error("\(group.location)/step_loss has shape \(log.shape); steps \(firstLoggedStep)..<\(globalStep) make \(globalStep - firstLoggedStep)")
            }
            stepLosses = log.values
        }
        var run = RunSettings(totalEpochs: totalEpochs, batchSize: batchSize, schedule: schedule,
                              dataset: try attribute("dataset", group.stringAttribute),
                              dataDirectory: try attribute("data_directory", group.stringAttribute),
                              classes: classes, limit: limit, threads: threads, ranks: ranks)
        // Files from before runs had their own chunk count cut one chunk per thread.
        if group.hasAttribute("chunks") { run.chunks = try integer("chunks", in: 0...1 << 20) }
        // Added within format 2: absent from older files.
        if group.hasAttribute("class_names") {
            let text = try attribute("class_names", group.stringAttribute)
            guard let names = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
                throw HDF5Error("\(group.location) attribute class_names is not a JSON list of names")
            }
            run.classNames = names
        }
        if group.hasAttribute("train_fingerprint") { run.trainFingerprint = try attribute("train_fingerprint", group.stringAttribute) }
        if group.hasAttribute("test_fingerprint") { run.testFingerprint = try attribute("test_fingerprint", group.stringAttribute) }
        if group.hasAttribute("continued_on_other_data") { run.continuedOnOtherData = try integer("continued_on_other_data", in: 0...1) == 1 }
        if group.hasAttribute("cifar_labels") { run.cifarLabels = try attribute("cifar_labels", group.stringAttribute) }
        if group.hasAttribute("validation_split") { run.validationSplit = try group.doubleAttribute("validation_split") }
        if group.hasAttribute("skip_bad_images") { run.skipsBadImages = try integer("skip_bad_images", in: 0...1) == 1 }
        let training = TrainingState(seed: seed, epoch: epoch, batchInEpoch: batchInEpoch, globalStep: globalStep,
                                     random: random, running: running, history: history,
                                     stepLosses: stepLosses, firstLoggedStep: firstLoggedStep)
        return (training, run)
    }

    /// Reads a `<layer>/<parameter>` dataset for every expected path, checking names, shapes,
    /// dtype and finiteness; anything unexpected in the group is refused.
    /// - Parameter missing: why a missing tensor is required, for the message.
    static func readTensors(from group: HDF5Group, expected: [(path: String, shape: [Int])],
                                    missing why: String? = nil) throws -> [(path: String, value: Tensor)] {
        let expectedPaths = Set(expected.map(\.path))
        var found: [String: HDF5Group] = [:]
        for layer in try group.names() {
            guard group.kind(of: layer) == .group else {
                throw HDF5Error("\(group.location)/\(layer): unexpected; expected one group per layer")
            }
            let layerGroup = try group.group(layer)
            for name in try layerGroup.names() where !expectedPaths.contains("\(layer).\(name)") {
                throw HDF5Error("\(group.location)/\(layer)/\(name) is unexpected: the model has no parameter \(layer).\(name)")
            }
            found[layer] = layerGroup
        }
        var tensors: [(path: String, value: Tensor)] = []
        for (path, shape) in expected {
            let (layer, name) = split(path)
            let location = "\(group.location)/\(layer)/\(name)"
            guard let layerGroup = found[layer], layerGroup.contains(name) else {
                throw HDF5Error("\(location) is missing" + (why.map { " (\($0))" } ?? "") + "; the file is incomplete")
            }
            let description = try layerGroup.describe(name)
            guard description.element == .float32 else {
                throw HDF5Error("\(location) holds \(description.element.rawValue) values, expected float32")
            }
            guard description.shape == shape else {
                throw HDF5Error("\(location) has shape \(description.shape), but \(path) is \(shape) in the model")
            }
            let values = try layerGroup.readFloats(name).values
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw HDF5Error("\(location): value \(values[bad]) at index \(bad) is not finite")
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
