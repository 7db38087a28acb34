const char *cnnzoo_plugin_abi(void);
const void *cnnzoo_plugin_entry(const void *host);
