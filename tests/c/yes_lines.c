/* Writes lines forever; a closed reader must end it with SIGPIPE. */
#include <stdio.h>
int main(void) {
    for (long i = 0;; i++)
        if (printf("line %ld\n", i) < 0) { perror("printf"); return 7; }
}
