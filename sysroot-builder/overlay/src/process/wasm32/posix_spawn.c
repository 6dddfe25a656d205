/* posix_spawn on the wasmos_spawn syscall: the kernel creates the child,
 * applies the file actions and attributes in it, resolves the program as
 * execve does, and the engine starts it on its own thread. No fork, no
 * borrowed memory: errors (ENOENT, EACCES, ENOEXEC, EBADF from an action)
 * come straight back from the call. The record layouts are documented in
 * the kernel's syscall/spawn.rs and docs/abi.md.
 *
 * posix_spawnp sets attr->__fn to __execvpe; then the PATH search happens
 * here, trying each candidate like execvp does. */
#define _GNU_SOURCE
#include <spawn.h>
#include <unistd.h>
#include <signal.h>
#include <fcntl.h>
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <limits.h>
#include "syscall.h"
#include "../fdop.h"

struct spawn_action {
	unsigned op;
	int fd, srcfd;
	unsigned oflag, mode;
	const char *path;
};

struct spawn_attr {
	unsigned flags;
	int pgroup;
	unsigned long long sigdef, sigmask;
};

int __execvpe(const char *, char *const *, char *const *);

static int spawn_once(const char *path, char *const argv[], char *const envp[],
	const struct spawn_action *acts, int n, const struct spawn_attr *at)
{
	return __syscall(SYS_wasmos_spawn, path, argv, envp, acts, n, at);
}

/* execvp's search: returns the pid or -errno. */
static int spawn_path(const char *file, char *const argv[], char *const envp[],
	const struct spawn_action *acts, int n, const struct spawn_attr *at)
{
	if (!*file) return -ENOENT;
	if (strchr(file, '/')) return spawn_once(file, argv, envp, acts, n, at);
	const char *path = getenv("PATH");
	if (!path) path = "/usr/local/bin:/bin:/usr/bin";
	size_t k = strnlen(file, NAME_MAX+1);
	if (k > NAME_MAX) return -ENAMETOOLONG;
	size_t l = strnlen(path, PATH_MAX-1)+1;
	char b[l+k+1];
	int seen_eacces = 0;
	for (const char *p = path, *z; ; p = z) {
		z = __strchrnul(p, ':');
		if (z-p >= l) {
			if (!*z++) break;
			continue;
		}
		memcpy(b, p, z-p);
		b[z-p] = '/';
		memcpy(b+(z-p)+(z>p), file, k+1);
		int r = spawn_once(b, argv, envp, acts, n, at);
		if (r >= 0) return r;
		switch (r) {
		case -EACCES:
			seen_eacces = 1;
		case -ENOENT:
		case -ENOTDIR:
			break;
		default:
			return r;
		}
		if (!*z++) break;
	}
	return seen_eacces ? -EACCES : -ENOENT;
}

int posix_spawn(pid_t *restrict res, const char *restrict path,
	const posix_spawn_file_actions_t *fa,
	const posix_spawnattr_t *restrict attr,
	char *const argv[restrict], char *const envp[restrict])
{
	struct spawn_attr at = { 0 };
	if (attr) {
		at.flags = attr->__flags;
		at.pgroup = attr->__pgrp;
		memcpy(&at.sigdef, &attr->__def, sizeof at.sigdef);
		memcpy(&at.sigmask, &attr->__mask, sizeof at.sigmask);
	}

	int n = 0;
	const struct fdop *op = 0;
	if (fa && fa->__actions) {
		/* actions are kept newest first; the kernel applies them in
		 * array order, oldest first */
		for (op = fa->__actions; op->next; op = op->next) n++;
		n++;
	}
	struct spawn_action acts[n ? n : 1];
	for (int i = 0; i < n; i++, op = op->prev) {
		acts[i] = (struct spawn_action){
			.op = op->cmd, .fd = op->fd, .srcfd = op->srcfd,
			.oflag = op->oflag | O_LARGEFILE, .mode = op->mode,
			.path = (op->cmd == FDOP_OPEN || op->cmd == FDOP_CHDIR) ? op->path : 0,
		};
	}

	int r = (attr && attr->__fn == (void *)__execvpe)
		? spawn_path(path, argv, envp, acts, n, &at)
		: spawn_once(path, argv, envp, acts, n, &at);
	if (r < 0) return -r;
	if (res) *res = r;
	return 0;
}
