/* posix_spawn on vfork. musl's version starts the child on a fresh stack
 * with clone(CLONE_VM|CLONE_VFORK), which wasm cannot express; the wasmos
 * vfork import gives the same "child borrows the parent until exec"
 * behaviour. The child makes only syscalls before exec, and reports a
 * failure through a close-on-exec pipe: the parent reads either nothing
 * (exec succeeded) or the child's errno. system() and popen() use this. */
#define _GNU_SOURCE
#include <spawn.h>
#include <unistd.h>
#include <signal.h>
#include <fcntl.h>
#include <errno.h>
#include <sys/wait.h>
#include "syscall.h"
#include "ksigaction.h"
#include "../fdop.h"

/* Moves the report pipe out of the way of a file action targeting it. */
static int keep_clear(int *report, int fd)
{
	if (fd != *report) return 0;
	int moved = __syscall(SYS_fcntl, *report, F_DUPFD_CLOEXEC, 0);
	if (moved < 0) return moved;
	*report = moved;
	return 0;
}

static int apply_action(const struct fdop *op)
{
	int r = 0;
	switch (op->cmd) {
	case FDOP_CLOSE:
		/* closing an fd that is not open is not an error for spawn */
		__syscall(SYS_close, op->fd);
		break;
	case FDOP_DUP2:
		if (op->srcfd == op->fd) {
			/* dup2 onto itself: just make it survive exec */
			r = __syscall(SYS_fcntl, op->fd, F_GETFD);
			if (r >= 0) r = __syscall(SYS_fcntl, op->fd, F_SETFD, r & ~FD_CLOEXEC);
		} else {
			r = __syscall(SYS_dup3, op->srcfd, op->fd, 0);
		}
		break;
	case FDOP_OPEN:
		r = __syscall(SYS_openat, AT_FDCWD, op->path, op->oflag | O_LARGEFILE, op->mode);
		if (r >= 0 && r != op->fd) {
			int opened = r;
			r = __syscall(SYS_dup3, opened, op->fd, 0);
			__syscall(SYS_close, opened);
		}
		break;
	case FDOP_CHDIR:
		r = __syscall(SYS_chdir, op->path);
		break;
	case FDOP_FCHDIR:
		r = __syscall(SYS_fchdir, op->fd);
		break;
	}
	return r < 0 ? r : 0;
}

/* Everything the child does before exec; 0 or -errno. */
static int child_setup(const posix_spawn_file_actions_t *fa,
	const posix_spawnattr_t *attr, const sigset_t *parent_mask, int *report)
{
	int r;
	if (attr->__flags & POSIX_SPAWN_SETSID) {
		if ((r = __syscall(SYS_setsid)) < 0) return r;
	}
	if (attr->__flags & POSIX_SPAWN_SETPGROUP) {
		if ((r = __syscall(SYS_setpgid, 0, attr->__pgrp))) return r;
	}
	if (attr->__flags & POSIX_SPAWN_RESETIDS) {
		if ((r = __syscall(SYS_setgid, __syscall(SYS_getgid)))) return r;
		if ((r = __syscall(SYS_setuid, __syscall(SYS_getuid)))) return r;
	}
	if (attr->__flags & POSIX_SPAWN_SETSIGDEF) {
		struct k_sigaction dfl = { .handler = SIG_DFL };
		for (int sig = 1; sig < _NSIG; sig++)
			if (sigismember(&attr->__def, sig) == 1)
				__syscall(SYS_rt_sigaction, sig, &dfl, 0, _NSIG/8);
	}
	if (fa && fa->__actions) {
		/* actions are kept newest first; apply them oldest first */
		const struct fdop *op = fa->__actions;
		while (op->next) op = op->next;
		for (; op; op = op->prev) {
			if ((r = keep_clear(report, op->fd))) return r;
			if ((r = apply_action(op))) return r;
		}
	}
	const sigset_t *mask = (attr->__flags & POSIX_SPAWN_SETSIGMASK) ? &attr->__mask : parent_mask;
	return __syscall(SYS_rt_sigprocmask, SIG_SETMASK, mask, 0, _NSIG/8);
}

int posix_spawn(pid_t *restrict res, const char *restrict path,
	const posix_spawn_file_actions_t *fa,
	const posix_spawnattr_t *restrict attr,
	char *const argv[restrict], char *const envp[restrict])
{
	static const posix_spawnattr_t no_attr;
	if (!attr) attr = &no_attr;
	int (*exec)(const char *, char *const *, char *const *) =
		attr->__fn ? (int (*)(const char *, char *const *, char *const *))attr->__fn : execve;

	int report[2];
	int r = __syscall(SYS_pipe2, report, O_CLOEXEC);
	if (r < 0) return -r;

	/* No handler may run in the child while it borrows our memory. */
	sigset_t parent_mask;
	__block_all_sigs(&parent_mask);

	pid_t pid = vfork();
	if (pid == 0) {
		__syscall(SYS_close, report[0]);
		int err = -child_setup(fa, attr, &parent_mask, &report[1]);
		if (!err) {
			exec(path, argv, envp);
			err = errno;
		}
		__syscall(SYS_write, report[1], &err, sizeof err);
		_exit(127);
	}

	int err = 0;
	__syscall(SYS_close, report[1]);
	if (pid < 0) {
		err = errno;
	} else if (__syscall(SYS_read, report[0], &err, sizeof err) == sizeof err) {
		/* the child failed before or in exec and has exited: reap it */
		__syscall(SYS_wait4, pid, 0, 0, 0);
	} else {
		err = 0;
	}
	__syscall(SYS_close, report[0]);
	__restore_sigs(&parent_mask);

	if (!err && res) *res = pid;
	return err;
}
