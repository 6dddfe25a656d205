/* A fork bomb: every process forks as fast as it can. With a process limit
   the forks start failing with EAGAIN; children then exit, and the first
   process reports what it saw. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    int eagain = 0, other = 0, made = 0;
    for (int round = 0; round < 64; round++) {
        pid_t p = fork();
        if (p == 0) {
            /* Children try to multiply too, then leave. */
            for (int i = 0; i < 4; i++) {
                pid_t q = fork();
                if (q == 0) _exit(0);
                if (q > 0) waitpid(q, NULL, 0);
            }
            _exit(0);
        }
        if (p > 0) made++;
        else if (errno == EAGAIN) eagain++;
        else other++;
    }
    int reaped = 0;
    while (wait(NULL) > 0) reaped++;
    printf("made>0 %d eagain>0 %d other %d all-reaped %d\n", made > 0, eagain > 0, other, reaped == made);
    return 0;
}
