#if defined(__wasmos__) && defined(__linux__) && defined(__unix__) && defined(__unix) && defined(__wasm32__)
WASMOS_PREDEFINES_OK
#endif
#include <stdio.h>
