#ifndef CNNZOO_PLUGIN_H
#define CNNZOO_PLUGIN_H

// The C boundary between cnn-zoo and a plugin library it loads at run time.
//
// A plugin is a shared library that exports two functions:
//
//     const char *cnnzoo_plugin_abi(void);                                  // CNNZOO_PLUGIN_ABI
//     const cnnzoo_plugin *cnnzoo_plugin_entry(const cnnzoo_host *host);
//
// cnn-zoo calls cnnzoo_plugin_abi first and touches nothing else unless the string equals its
// own (the ABI version and the build configuration). Then cnnzoo_plugin_entry hands over a
// table of what the plugin adds — layer, loss and optimizer kinds and zoo entries — which
// stays valid for the life of the process. Only C types cross: the plugin may be written in
// Swift (the CNNZoo module's PluginLibrary builds this table), C, C++ or Rust, and carries its
// own copy of whatever it links. No tensor is copied across: every call gets pointers to the
// engine's own buffers.
//
// Every tensor is float32, contiguous, row-major, batch first (NCHW), as in the engine.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The version of this header's layout. A change to any struct below increments it.
#define CNNZOO_PLUGIN_ABI_VERSION 2

/// What cnnzoo_plugin_abi returns for a release build and for a debug build. A plugin built in
/// another configuration than the program is refused (a debug plugin would run many times
/// slower without a word).
#define CNNZOO_PLUGIN_ABI_RELEASE "cnn-zoo plugin ABI 2 release"
#define CNNZOO_PLUGIN_ABI_DEBUG "cnn-zoo plugin ABI 2 debug"

/// The most axes a shape crossing the boundary has.
#define CNNZOO_MAX_RANK 8

/// What the engine lends a plugin: its worker threads.
typedef struct cnnzoo_host {
    uint32_t abi_version;
    /// How many chunks for_each_chunk cuts `count` items into: in a training step the run's chunk
    /// count, elsewhere the engine's thread count (never more than `count`). Ask from the thread
    /// that was called, not from inside a chunk.
    int64_t (*chunk_count)(int64_t count);
    /// Calls body(context, chunk, begin, end) for each contiguous chunk [begin, end) of
    /// [0, count), concurrently on the engine's threads, and returns when every chunk is done.
    /// Chunks depend only on `count` and the chunk count, so a plugin that adds partial sums in
    /// chunk order gives the same bits on any thread count.
    void (*for_each_chunk)(int64_t count, void *context,
                           void (*body)(void *context, int64_t chunk, int64_t begin, int64_t end));
} cnnzoo_host;

/// One setting a kind accepts, as `cnn-zoo layers` lists it.
typedef struct cnnzoo_setting {
    const char *name;
    /// "number", "bool", "string", "[number]", …: the type as the documentation shows it.
    const char *type;
    /// The default as JSON text, or NULL when the setting is required.
    const char *default_value;
    const char *help;
} cnnzoo_setting;

/// Where a failing create writes its one-line reason (NUL-terminated, truncated to capacity).
typedef struct cnnzoo_error {
    char *message;
    int64_t capacity;
} cnnzoo_error;

/// A tensor a layer owns: a trained parameter or a buffer (saved, not trained: running statistics).
typedef struct cnnzoo_parameter {
    /// The name in the checkpoint and in PyTorch's state_dict: "weight", "running_mean".
    const char *name;
    int32_t rank;
    int64_t shape[CNNZOO_MAX_RANK];
    /// How a fresh model draws it: "zeros", "ones", "he_normal", "xavier_uniform", …
    const char *initializer;
    int64_t fan_in, fan_out;
    /// Nonzero for a buffer: the optimizer never sees it; the layer updates it in forward passes.
    int32_t is_buffer;
} cnnzoo_parameter;

/// One forward pass over a batch.
typedef struct cnnzoo_forward {
    int64_t batch;
    /// Nonzero in training (dropout active, batch statistics), zero in evaluation.
    int32_t training;
    /// [batch, input shape…], read only.
    const float *input;
    /// [batch, output shape…], to be written in full.
    float *output;
    /// Each parameter's values, in the order parameter_info lists them (buffers are writable).
    float *const *values;
    /// A uniform 64-bit draw from the run's generator (deterministic for the seed).
    uint64_t (*next_random)(void *random);
    void *random;
} cnnzoo_forward;

/// One backward pass, for the batch of the last training forward pass.
typedef struct cnnzoo_backward {
    int64_t batch;
    /// The forward pass's input, as it was.
    const float *input;
    /// ∂L/∂output, [batch, output shape…].
    const float *output_gradient;
    /// ∂L/∂input, [batch, input shape…], to be written in full; NULL when nobody needs it (the first layer).
    float *input_gradient;
    float *const *values;
    /// For each parameter (not the buffers, whose entries are NULL): to be written with this
    /// batch's ∂L/∂θ, summed over the batch. The engine adds it to the running gradient.
    float *const *gradients;
} cnnzoo_backward;

/// A layer kind.
typedef struct cnnzoo_layer_kind {
    /// The plugin's own, handed back to create.
    void *context;
    const char *kind;
    const char *summary;
    const cnnzoo_setting *settings;
    int32_t setting_count;
    /// Builds a layer for per-sample inputs of `input_shape`. `settings_json` is a JSON object of
    /// the spec's settings (only declared names reach it). On bad settings or shapes returns NULL
    /// with the reason in `error`; never aborts.
    /// `name` is the layer's name in the model, for messages.
    void *(*create)(const struct cnnzoo_layer_kind *kind, const char *name, const char *settings_json,
                    const int64_t *input_shape, int32_t input_rank, cnnzoo_error error);
    void (*destroy)(void *layer);
    /// Writes the per-sample output shape and returns its rank.
    int32_t (*output_shape)(void *layer, int64_t shape[CNNZOO_MAX_RANK]);
    int32_t (*parameter_count)(void *layer);
    void (*parameter_info)(void *layer, int32_t index, cnnzoo_parameter *parameter);
    /// Multiply-adds per sample of one forward pass.
    int64_t (*multiply_adds)(void *layer);
    void (*forward)(void *layer, const cnnzoo_forward *pass);
    void (*backward)(void *layer, const cnnzoo_backward *pass);
    /// Optional (NULL: the kind has no ONNX form, and `cnn-zoo export` says so naming it): the
    /// ONNX nodes computing the layer in inference form, as JSON (PLUGINS.md gives the form):
    /// {"nodes": [{"op": "Mul", "inputs": [...], "outputs": [...], "attributes": {"axis": {"int": 1}}}],
    ///  "constants": [{"name": "gn.weight", "parameter": "weight", "dims": [4, 1, 1]}, ...]}.
    /// `inputs_json` is a JSON list of the value names the layer takes, `output` the value it
    /// must produce, `name` the layer's name (its weights are "<name>.<parameter>"). The string
    /// stays valid until the next call for this layer or its destruction.
    const char *(*onnx_nodes)(void *layer, const char *name, const char *inputs_json, const char *output);
} cnnzoo_layer_kind;

/// A loss kind: the mean over the batch of a per-sample loss of outputs [batch, width].
typedef struct cnnzoo_loss_kind {
    void *context;
    const char *kind;
    const char *summary;
    const cnnzoo_setting *settings;
    int32_t setting_count;
    void *(*create)(const struct cnnzoo_loss_kind *kind, const char *settings_json, cnnzoo_error error);
    void (*destroy)(void *loss);
    /// Returns the loss and writes ∂loss/∂output into `gradient` ([batch, width], in full).
    float (*evaluate)(void *loss, int64_t batch, int64_t width, const float *output, const float *target, float *gradient);
} cnnzoo_loss_kind;

/// One optimizer update of one parameter.
typedef struct cnnzoo_update {
    /// Steps taken before this one: 0 on the first. The engine counts the steps.
    int64_t step;
    /// The scheduled learning rate for this step.
    double learning_rate;
    /// The parameter's path in the model: "conv1.weight".
    const char *path;
    int64_t count;
    float *value;
    const float *gradient;
    /// One array of `count` floats per state slot, in slot order; zeros on a slot's first step.
    /// The engine keeps them between steps and saves them in checkpoints.
    float *const *slots;
} cnnzoo_update;

/// An optimizer kind.
typedef struct cnnzoo_optimizer_kind {
    void *context;
    const char *kind;
    const char *summary;
    const cnnzoo_setting *settings;
    int32_t setting_count;
    void *(*create)(const struct cnnzoo_optimizer_kind *kind, const char *settings_json, cnnzoo_error error);
    void (*destroy)(void *optimizer);
    /// The base learning rate, which the schedule scales.
    double (*learning_rate)(void *optimizer);
    /// Every declared setting with its value, defaults filled in, as a JSON object: what a
    /// checkpoint stores and what rebuilds an identical optimizer. Owned by the optimizer.
    const char *(*hyperparameters)(void *optimizer);
    /// The state slots kept for every parameter (PyTorch's names: "momentum_buffer", "exp_avg").
    int32_t (*slot_count)(void *optimizer);
    const char *(*slot_name)(void *optimizer, int32_t index);
    void (*update)(void *optimizer, const cnnzoo_update *update);
} cnnzoo_optimizer_kind;

/// Everything a plugin adds, under its name and version.
typedef struct cnnzoo_plugin {
    uint32_t abi_version;
    const char *name;
    const char *version;
    const cnnzoo_layer_kind *layers;
    int32_t layer_count;
    const cnnzoo_loss_kind *losses;
    int32_t loss_count;
    const cnnzoo_optimizer_kind *optimizers;
    int32_t optimizer_count;
    /// Zoo entries: model specs as JSON text, as `cnn-zoo show NAME --json` prints them.
    const char *const *models;
    int32_t model_count;
} cnnzoo_plugin;

/// The two symbols, with these types.
typedef const char *(*cnnzoo_plugin_abi_function)(void);
typedef const cnnzoo_plugin *(*cnnzoo_plugin_entry_function)(const cnnzoo_host *host);

#ifdef __cplusplus
}
#endif

#endif
