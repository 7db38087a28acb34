#include "cnnzoo_plugin.h"
const char *cnnzoo_plugin_abi(void);
const cnnzoo_plugin *cnnzoo_plugin_entry(const cnnzoo_host *host);
