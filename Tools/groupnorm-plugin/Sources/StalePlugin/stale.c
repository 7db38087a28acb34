// A plugin as if built for another layout of the boundary: cnn-zoo must refuse it on its ABI
// string, before calling anything else.
#include <stdlib.h>
#include "stale.h"

const char *cnnzoo_plugin_abi(void) { return "cnn-zoo plugin ABI 0 release"; }

const void *cnnzoo_plugin_entry(const void *host) { (void)host; abort(); }
