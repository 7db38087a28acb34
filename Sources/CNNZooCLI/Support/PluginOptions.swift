import ArgumentParser

/// `--plugin PATH`, shown in every subcommand's help. The entry point takes these options out
/// and loads the plugins before parsing, so what is parsed here is always empty.
struct PluginOptions: ParsableArguments {
    @Option(name: .customLong("plugin"), help: ArgumentHelp(
        "Load a plugin library built against this cnn-zoo (repeatable; also CNN_ZOO_PLUGINS, ':'-separated). Plugins are trusted code.",
        valueName: "path"))
    var paths: [String] = []
}
