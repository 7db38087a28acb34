// A shared library that is not a cnn-zoo plugin: it has neither symbol.
#include "notes.h"

int notes_count(void) { return 3; }
