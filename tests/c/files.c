/* File system semantics in the directory given as argv[1]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include "errname.h"

static char base[512];
static const char *P(const char *rel) {
    static char bufs[4][1024];
    static int i;
    i = (i + 1) % 4;
    snprintf(bufs[i], sizeof bufs[i], "%s/%s", base, rel);
    return bufs[i];
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *rel) {
    DIR *d = opendir(P(rel));
    if (!d) { printf("opendir %s: %s\n", rel, errname(errno)); return; }
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    printf("ls %s:", rel);
    for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); }
    printf("\n");
}

static void show(const char *rel) {
    struct stat st;
    if (lstat(P(rel), &st) != 0) { printf("stat %s: %s\n", rel, errname(errno)); return; }
    const char *type = S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "dir" : S_ISLNK(st.st_mode) ? "link" : "other";
    printf("stat %s: %s perm=%o size=%lld nlink=%lu blocks-ok=%d\n", rel, type, (unsigned)(st.st_mode & 07777),
           S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size, S_ISDIR(st.st_mode) ? 0UL : (unsigned long)st.st_nlink,
           st.st_blksize > 0);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    snprintf(base, sizeof base, "%s", argv[1]);
    umask(022);
    CHECK(mkdir(P("d"), 0755));
    CHECK(mkdir(P("d"), 0755));
    int fd = open(P("d/a.txt"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
    printf("open fd>=3 %d\n", fd >= 3);
    CHECK(write(fd, "hello world\n", 12));
    CHECK(lseek(fd, 6, SEEK_SET));
    CHECK(write(fd, "WORLD", 5));
    CHECK(lseek(fd, 0, SEEK_END));
    CHECK(close(fd));
    CHECK(close(fd));
    char buf[64] = {0};
    fd = open(P("d/a.txt"), O_RDONLY);
    CHECK(read(fd, buf, sizeof buf - 1));
    printf("content [%s]\n", strtok(buf, "\n"));
    CHECK(pread(fd, buf, 5, 6));
    printf("pread [%.5s]\n", buf);
    CHECK(write(fd, "x", 1));
    close(fd);
    fd = open(P("d/a.txt"), O_WRONLY | O_APPEND);
    CHECK(write(fd, "tail\n", 5));
    close(fd);
    show("d/a.txt");
    CHECK(truncate(P("d/a.txt"), 3));
    show("d/a.txt");
    CHECK(truncate(P("d/a.txt"), 10000));
    show("d/a.txt");
    CHECK(open(P("d/a.txt"), O_CREAT | O_EXCL | O_WRONLY, 0600));
    CHECK(open(P("d/missing/x"), O_RDONLY));
    CHECK(open(P("d/a.txt/x"), O_RDONLY));
    CHECK(open(P("d/a.txt"), O_RDONLY | O_DIRECTORY));
    CHECK(open(P("d"), O_WRONLY));
    CHECK(rename(P("d/a.txt"), P("d/b.txt")));
    CHECK(access(P("d/a.txt"), F_OK));
    CHECK(access(P("d/b.txt"), R_OK | W_OK));
    CHECK(link(P("d/b.txt"), P("d/hard.txt")));
    show("d/b.txt");
    CHECK(symlink("b.txt", P("d/sym")));
    char lnk[64] = {0};
    CHECK(readlink(P("d/sym"), lnk, sizeof lnk));
    printf("readlink [%s]\n", lnk);
    show("d/sym");
    CHECK(chmod(P("d/b.txt"), 0600));
    show("d/b.txt");
    CHECK(mkdir(P("d/sub"), 0700));
    CHECK(rmdir(P("d")));
    CHECK(unlink(P("d/sub")));
    CHECK(rmdir(P("d/b.txt")));
    list("d");
    fd = open(P("d/hard.txt"), O_RDONLY);
    CHECK(unlink(P("d/hard.txt")));
    CHECK(read(fd, buf, 3));
    printf("read after unlink [%.3s]\n", buf);
    close(fd);
    CHECK(unlink(P("d/b.txt")));
    CHECK(unlink(P("d/sym")));
    CHECK(rmdir(P("d/sub")));
    list("d");
    CHECK(rmdir(P("d")));
    CHECK(read(99, buf, 1));
    CHECK(write(-1, buf, 1));
    FILE *f = fopen(P("stdio.txt"), "w+");
    for (int i = 0; i < 1000; i++) fprintf(f, "line %d\n", i);
    fseek(f, 0, SEEK_SET);
    char line[64];
    int lines = 0;
    long total = 0;
    while (fgets(line, sizeof line, f)) { lines++; total += atoi(line + 5); }
    printf("stdio lines=%d total=%ld size=%ld\n", lines, total, ftell(f));
    fclose(f);
    CHECK(unlink(P("stdio.txt")));
    char cwd[512];
    CHECK(chdir(base));
    CHECK(mkdir("rel", 0755));
    CHECK(chdir("rel"));
    printf("cwd ends with rel %d\n", getcwd(cwd, sizeof cwd) && strcmp(cwd + strlen(cwd) - 4, "/rel") == 0);
    CHECK(chdir(".."));
    CHECK(rmdir("rel"));
    CHECK(getcwd(cwd, 2) ? 0 : -1);
    return 0;
}
