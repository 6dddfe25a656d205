/* vfork is a host import (wasmos.vfork) returning the pid or -errno. */
#define _GNU_SOURCE
#include <unistd.h>
#include <bits/wasmos.h>
#include "syscall.h"

__attribute__((__import_module__(__WASMOS_IMPORT_MODULE), __import_name__(__WASMOS_VFORK_IMPORT)))
int __wasmos_vfork(void);

pid_t vfork(void)
{
	return __syscall_ret(__wasmos_vfork());
}
