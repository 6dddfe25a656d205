#include <stdio.h>
#include <setjmp.h>
#include <signal.h>

static jmp_buf outer, inner;
static int depth_reached;

static void recurse(int n) {
    volatile char pad[64];
    pad[0] = (char)n;
    if (n == 0) { depth_reached = 1; longjmp(outer, 7); }
    recurse(n - 1);
    (void)pad[0];
}

static int nested(void) {
    int r = setjmp(inner);
    if (r == 0) { longjmp(inner, 0); }
    return r;
}

static void (*fp)(int) = recurse;

int main(void) {
    volatile int counter = 0;
    int r = setjmp(outer);
    counter++;
    if (r == 0) {
        printf("first pass counter=%d\n", counter);
        fp(500);
        printf("not reached\n");
    }
    printf("back r=%d counter=%d depth=%d\n", r, counter, depth_reached);
    printf("longjmp(0) gives %d\n", nested());
    sigjmp_buf sj;
    sigset_t set;
    sigemptyset(&set);
    sigprocmask(SIG_SETMASK, &set, NULL);
    if (sigsetjmp(sj, 1) == 0) {
        sigaddset(&set, SIGUSR1);
        sigprocmask(SIG_BLOCK, &set, NULL);
        siglongjmp(sj, 3);
    }
    sigprocmask(SIG_SETMASK, NULL, &set);
    printf("mask restored: usr1 blocked=%d\n", sigismember(&set, SIGUSR1));
    for (int i = 0; i < 3; i++) {
        jmp_buf b;
        if (setjmp(b) == 0) longjmp(b, i + 10);
        else printf("loop %d\n", i);
    }
    return 0;
}
