import ArgumentParser
import CNNZoo

/// How the processes of a data-parallel run add their partial gradients.
struct ReductionOptions: ParsableArguments {
    @Option(name: .customLong("reduction"), help: ArgumentHelp("""
        Under mpirun: how the processes add their partial gradients — chain (the running sum passes \
        along the processes; each sends about twice the gradient whatever their count), reduce-scatter \
        (each owns a segment of the gradient; less while each process holds few chunks), all-gather \
        (every process receives every chunk's partials) or auto (default: the reduce-scatter or the \
        chain, whichever sends less). All give the same bits.
        """, valueName: "kind"))
    var choice: Choice = .auto

    enum Choice: String, ExpressibleByArgument, CaseIterable {
        case auto, chain
        case reduceScatter = "reduce-scatter"
        case allGather = "all-gather"
    }

    /// As ``Trainer/reduction`` takes it.
    var kind: GradientReduction? { GradientReduction(rawValue: choice.rawValue) }
}
