// A plugin written in C: the layer kind `swish`, y = x·σ(βx) (Ramachandran et al.'s Swish;
// β = 1 is PyTorch's SiLU), through nothing but cnnzoo_plugin.h. Its passes run on the
// program's threads through the host table.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "swish.h"

static const cnnzoo_host *host;

typedef struct {
    int32_t rank;
    int64_t shape[CNNZOO_MAX_RANK];
    int64_t count;  // per sample
    float beta;
} swish;

/// Reads "beta" from the settings JSON, which holds only the declared settings: {} or {"beta":N}.
static int read_beta(const char *json, float *beta) {
    const char *key = strstr(json, "\"beta\"");
    *beta = 1;
    if (!key) return 1;
    const char *colon = strchr(key, ':');
    char *end = NULL;
    double value = colon ? strtod(colon + 1, &end) : 0;
    if (!colon || end == colon + 1) return 0;
    *beta = (float)value;
    return 1;
}

static void *create(const cnnzoo_layer_kind *kind, const char *name, const char *settings, const int64_t *shape, int32_t rank,
                    cnnzoo_error error) {
    (void)kind;
    float beta;
    if (!read_beta(settings, &beta) || !(beta > 0 && beta <= 100)) {
        snprintf(error.message, (size_t)error.capacity, "layer '%s': 'beta' must be a number in (0, 100]", name);
        return NULL;
    }
    swish *layer = calloc(1, sizeof *layer);
    layer->rank = rank;
    layer->count = 1;
    for (int32_t axis = 0; axis < rank; axis++) {
        layer->shape[axis] = shape[axis];
        layer->count *= shape[axis];
    }
    layer->beta = beta;
    return layer;
}

static void destroy(void *layer) { free(layer); }

static int32_t output_shape(void *layer, int64_t shape[CNNZOO_MAX_RANK]) {
    const swish *self = layer;
    memcpy(shape, self->shape, sizeof self->shape);
    return self->rank;
}

static int32_t parameter_count(void *layer) { (void)layer; return 0; }
static void parameter_info(void *layer, int32_t index, cnnzoo_parameter *parameter) { (void)layer; (void)index; (void)parameter; }
static int64_t multiply_adds(void *layer) { return ((const swish *)layer)->count; }

static float sigmoid(float x) { return 1 / (1 + expf(-x)); }

typedef struct { const swish *layer; const float *x; float *y; const float *dy; float *dx; } work;

static void forward_chunk(void *context, int64_t chunk, int64_t begin, int64_t end) {
    (void)chunk;
    const work *w = context;
    for (int64_t i = begin; i < end; i++) w->y[i] = w->x[i] * sigmoid(w->layer->beta * w->x[i]);
}

/// dy/dx = σ(βx) + βx·σ(βx)(1 − σ(βx)).
static void backward_chunk(void *context, int64_t chunk, int64_t begin, int64_t end) {
    (void)chunk;
    const work *w = context;
    const float beta = w->layer->beta;
    for (int64_t i = begin; i < end; i++) {
        const float s = sigmoid(beta * w->x[i]);
        w->dx[i] = w->dy[i] * (s + beta * w->x[i] * s * (1 - s));
    }
}

static void forward(void *layer, const cnnzoo_forward *pass) {
    const swish *self = layer;
    work w = {self, pass->input, pass->output, NULL, NULL};
    host->for_each_chunk(pass->batch * self->count, &w, forward_chunk);
}

static void backward(void *layer, const cnnzoo_backward *pass) {
    const swish *self = layer;
    if (!pass->input_gradient) return;
    work w = {self, pass->input, NULL, pass->output_gradient, pass->input_gradient};
    host->for_each_chunk(pass->batch * self->count, &w, backward_chunk);
}

static const cnnzoo_setting settings[] = {
    {"beta", "number", "1", "the slope β inside the sigmoid (1: PyTorch's SiLU)"},
};

static const cnnzoo_layer_kind layers[] = {{
    .context = NULL, .kind = "swish", .summary = "Swish activation x·σ(βx), a plugin written in C",
    .settings = settings, .setting_count = 1,
    .create = create, .destroy = destroy, .output_shape = output_shape, .parameter_count = parameter_count,
    .parameter_info = parameter_info, .multiply_adds = multiply_adds, .forward = forward, .backward = backward,
}};

static const cnnzoo_plugin plugin = {
    .abi_version = CNNZOO_PLUGIN_ABI_VERSION, .name = "swish-c", .version = "1.0.0",
    .layers = layers, .layer_count = 1,
};

#ifdef DEBUG
const char *cnnzoo_plugin_abi(void) { return CNNZOO_PLUGIN_ABI_DEBUG; }
#else
const char *cnnzoo_plugin_abi(void) { return CNNZOO_PLUGIN_ABI_RELEASE; }
#endif

const cnnzoo_plugin *cnnzoo_plugin_entry(const cnnzoo_host *program) {
    host = program;
    return &plugin;
}
