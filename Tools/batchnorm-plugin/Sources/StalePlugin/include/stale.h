/* A plugin as if built against other engine sources: its fingerprint is not this engine's. */
const char *cnnzoo_plugin_fingerprint(void);
void *cnnzoo_plugin_entry(void);
