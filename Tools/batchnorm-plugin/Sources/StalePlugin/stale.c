#include <stdlib.h>
#include "stale.h"

const char *cnnzoo_plugin_fingerprint(void) { return "1-0123456789abcdef"; }

/* cnn-zoo must refuse the plugin on its fingerprint, before calling this. */
void *cnnzoo_plugin_entry(void) { abort(); }
