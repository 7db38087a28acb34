import CNNZoo
import Foundation

/// What a checkpoint holds, read without building its model or its optimizer: for looking at
/// a checkpoint whose plugins are not loaded (`cnn-zoo inspect`). Every dataset is still read
/// under its checksum and checked for dtype and finiteness; what cannot be checked without the
/// kinds — that the shapes fit the model, that the optimizer keeps exactly these slots — is not.
public struct CheckpointContents {
    public var spec: ModelSpec
    public var writer: String
    public var fileVersion: Int
    /// The trained parameters and the buffers by dotted path, as stored.
    public var parameters: [(path: String, value: Tensor)]
    public var buffers: [(path: String, value: Tensor)]
    /// The optimizer's kind and settings as stored, its step count and slot tensors.
    public var optimizer: OptimizerSpec
    public var optimizerState: OptimizerState
    public var training: TrainingState
    public var run: RunSettings
    /// The plugins the run's kinds came from.
    public var plugins: [PluginNeed]
}

extension CheckpointContents {
    /// What a checkpoint read and checked against its model holds.
    public init(_ checkpoint: Checkpoint) {
        self.init(spec: checkpoint.spec, writer: checkpoint.writer, fileVersion: checkpoint.fileVersion, parameters: checkpoint.parameters,
                  buffers: checkpoint.buffers, optimizer: checkpoint.optimizer.spec, optimizerState: checkpoint.optimizerState,
                  training: checkpoint.training, run: checkpoint.run, plugins: checkpoint.plugins)
    }
}

extension Checkpoint {
    /// Reads what the checkpoint at `path` holds without a registry (see ``CheckpointContents``).
    /// Every failure is one ``HDF5Error`` line naming the file and what is wrong.
    public static func readContents(from path: String) throws -> CheckpointContents {
        let file = try HDF5File.open(path: path)
        func context<T>(_ body: () throws -> T) throws -> T {
            do { return try body() } catch let error as HDF5Error {
                throw error.description.hasPrefix(path) ? error : HDF5Error("\(path): \(error.description)")
            }
        }
        guard try context({ try file.attributeExists("format") }), try context({ try file.stringAttribute("format") }) == formatName else {
            throw HDF5Error("\(path): not a cnn-zoo checkpoint (no root attribute format = \"\(formatName)\")")
        }
        let version = try context { try file.integerAttribute("format_version") }
        guard (oldestReadableVersion...formatVersion).contains(version) else {
            throw HDF5Error("\(path): format_version \(version) is not one this program reads (\(oldestReadableVersion)–\(formatVersion))")
        }
        let spec: ModelSpec
        do { spec = try ModelSpec(json: Data(try context { try file.stringAttribute("model_spec") }.utf8)) } catch let error as ModelError {
            throw HDF5Error("\(path): model_spec: \(error.description)")
        }
        var needs: [PluginNeed] = []
        if try context({ try file.attributeExists("plugins") }) {
            needs = (try? JSONDecoder().decode([PluginNeed].self, from: Data(try context { try file.stringAttribute("plugins") }.utf8))) ?? []
        }
        let weights = try context { try file.group("weights") }
        let stored = try context { try storedShapes(in: weights) }
        let bufferNames = Set(try context { weights.hasAttribute("buffers") ? try weights.stringAttribute("buffers") : "" }
            .split(separator: ",").map(String.init))
        let tensors = try context { try readTensors(from: weights, expected: stored) }
        let parameters = tensors.filter { !bufferNames.contains($0.path) }, buffers = tensors.filter { bufferNames.contains($0.path) }

        let group = try context { try file.group("optimizer") }
        let kind = try context { try group.stringAttribute("kind") }
        let step = try context { try group.integerAttribute("step") }
        var settings: [String: SettingValue] = [:]
        for name in try context({ try group.attributeNames() }) where name != "kind" && name != "step" {
            settings[name] = try context { try group.setting(name) }
        }
        var state = OptimizerState(step: Int(max(step, 0)))
        let slotsName = version == 1 ? "momentum_buffers" : "state"
        if group.contains(slotsName) {
            let slots = try context { try group.group(slotsName) }
            let expected = parameters.map { (path: $0.path, shape: $0.value.shape) }
            let slotGroups: [(String, HDF5Group)] = version == 1 ? [("momentum_buffer", slots)]
                : try context { try slots.names().map { ($0, try slots.group($0)) } }
            for (slot, slotGroup) in slotGroups {
                if version == 1, try context({ try slotGroup.names() }).isEmpty { continue }
                let tensors = try context { try readTensors(from: slotGroup, expected: expected.filter { entry in
                    let (layer, name) = split(entry.path)
                    return slotGroup.contains(layer) && ((try? slotGroup.group(layer).contains(name)) ?? false)
                }) }
                state.slots[slot] = Dictionary(uniqueKeysWithValues: tensors.map { ($0.path, $0.value) })
            }
        }
        let (training, run) = try context { try readTraining(try file.group("training"), version: version, optimizerStep: state.step) }
        return CheckpointContents(spec: spec, writer: try context { try file.stringAttribute("writer") }, fileVersion: Int(version),
                                  parameters: parameters, buffers: buffers, optimizer: OptimizerSpec(kind: kind, settings: settings),
                                  optimizerState: state, training: training, run: run, plugins: needs)
    }

    /// Every `<layer>/<name>` dataset of a weights group with its shape, in the stored parameter
    /// order where the file records it.
    private static func storedShapes(in group: HDF5Group) throws -> [(path: String, shape: [Int])] {
        var shapes: [(path: String, shape: [Int])] = []
        for layer in try group.names() where group.kind(of: layer) == .group {
            let layerGroup = try group.group(layer)
            for name in try layerGroup.names() { shapes.append(("\(layer).\(name)", try layerGroup.describe(name).shape)) }
        }
        guard group.hasAttribute("parameter_order") else { return shapes }
        let order = try group.stringAttribute("parameter_order").split(separator: ",").map(String.init)
        let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        return shapes.enumerated().sorted { (rank[$0.element.path] ?? order.count + $0.offset, $0.offset) < (rank[$1.element.path] ?? order.count + $1.offset, $1.offset) }
            .map(\.element)
    }
}
