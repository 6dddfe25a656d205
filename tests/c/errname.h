/* Prints errno by name so glibc and musl runs compare equal. */
#include <errno.h>
#include <string.h>
static const char *errname(int e) {
    switch (e) {
    case 0: return "OK";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EBADF: return "EBADF";
    case EACCES: return "EACCES";
    case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EROFS: return "EROFS";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ELOOP: return "ELOOP";
    case ENOTTY: return "ENOTTY";
    case ERANGE: return "ERANGE";
    default: return "E?";
    }
}
#define CHECK(expr) do { errno = 0; long r_ = (long)(expr); printf("%-40s -> %ld %s\n", #expr, r_ < 0 ? -1L : r_, r_ < 0 ? errname(errno) : "OK"); } while (0)
