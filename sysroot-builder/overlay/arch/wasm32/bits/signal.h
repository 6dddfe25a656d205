/* wasmos wasm32 signal definitions. Signal numbers come from the ABI
 * tables (bits/wasmos_signal.h, generated); the structures below are ours.
 * A wasm handler runs on the same shadow stack between instructions the
 * engine chooses, so the "machine context" holds no registers: only the
 * fields musl's cancellation code reads (MC_PC) and room to grow. */
#if defined(_POSIX_SOURCE) || defined(_POSIX_C_SOURCE) \
 || defined(_XOPEN_SOURCE) || defined(_GNU_SOURCE) || defined(_BSD_SOURCE)

#if defined(_XOPEN_SOURCE) || defined(_GNU_SOURCE) || defined(_BSD_SOURCE)
#define MINSIGSTKSZ 2048
#define SIGSTKSZ 8192
#endif

typedef struct mcontext_t {
	unsigned long __gregs[16];
} mcontext_t;

#if defined(_GNU_SOURCE) || defined(_BSD_SOURCE)
typedef unsigned long greg_t;
typedef unsigned long gregset_t[16];
struct sigcontext {
	gregset_t gregs;
};
#endif

/* Linux order: base, flags, size. */
struct sigaltstack {
	void *ss_sp;
	int ss_flags;
	size_t ss_size;
};

typedef struct __ucontext {
	unsigned long uc_flags;
	struct __ucontext *uc_link;
	stack_t uc_stack;
	sigset_t uc_sigmask;
	mcontext_t uc_mcontext;
} ucontext_t;

/* Linux generic sa_flags values. SA_RESTORER is defined so musl lays out
 * struct k_sigaction as handler, flags, restorer, mask (the kernel's
 * 20-byte layout); the kernel ignores the restorer. */
#define SA_NOCLDSTOP  1
#define SA_NOCLDWAIT  2
#define SA_SIGINFO    4
#define SA_RESTORER   0x04000000
#define SA_ONSTACK    0x08000000
#define SA_RESTART    0x10000000
#define SA_NODEFER    0x40000000
#define SA_RESETHAND  0x80000000

#endif

#include <bits/wasmos_signal.h>

#define SIGIOT    SIGABRT
#define SIGPOLL   SIGIO
#define SIGUNUSED SIGSYS
