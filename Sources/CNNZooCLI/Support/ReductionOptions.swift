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

    @Flag(help: ArgumentHelp("""
        Under mpirun: reduce the gradients of the layers the backward pass has finished while it \
        goes on to the layers before them, rather than all of them after it. The same bits either \
        way; meant for processes that leave a core free for the reduction's thread (fewer \
        --threads than their share of the cores): where every core computes it gains little.
        """))
    var overlap = false

    @Option(name: .customLong("chain-segment"), help: ArgumentHelp("""
        Under mpirun: floats per message of the chain reduction (default: about 4 messages per \
        added process, 4,096 to 8,192 floats each). The same bits whatever the size.
        """, valueName: "floats"))
    var chainSegment: Int?

    func validate() throws {
        if let chainSegment, chainSegment < 1 { throw ValidationError("--chain-segment must be at least 1, got \(chainSegment)") }
    }

    enum Choice: String, ExpressibleByArgument, CaseIterable {
        case auto, chain
        case reduceScatter = "reduce-scatter"
        case allGather = "all-gather"
    }

    /// As ``Trainer/reduction`` takes it.
    var kind: GradientReduction? { GradientReduction(rawValue: choice.rawValue) }

    /// Sets `trainer`'s reduction, whether it overlaps the backward pass, and the chain's segments.
    func apply(to trainer: Trainer) {
        trainer.reduction = kind
        trainer.overlapsReduction = overlap
        trainer.chainSegment = chainSegment
    }
}
