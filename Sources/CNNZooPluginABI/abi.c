// The plugin boundary is the header alone; this file gives the C target a source to compile.
#include "cnnzoo_plugin.h"
