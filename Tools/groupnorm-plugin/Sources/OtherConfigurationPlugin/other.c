// A plugin as if built in the other configuration than the program (a debug plugin in a
// release program runs many times slower): cnn-zoo must refuse it, naming the configuration.
#include <stdlib.h>
#include "cnnzoo_plugin.h"
#include "other.h"

#ifdef DEBUG
const char *cnnzoo_plugin_abi(void) { return CNNZOO_PLUGIN_ABI_RELEASE; }
#else
const char *cnnzoo_plugin_abi(void) { return CNNZOO_PLUGIN_ABI_DEBUG; }
#endif

const cnnzoo_plugin *cnnzoo_plugin_entry(const cnnzoo_host *host) { (void)host; abort(); }
