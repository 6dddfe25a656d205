/* execve: argv[1] is the program to exec (proc_child), argv[2] the mode. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void put(const char *path, const char *data, mode_t mode) {
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	write(fd, data, strlen(data));
	close(fd);
	chmod(path, mode);
}

int main(int argc, char **argv) {
	setvbuf(stdout, 0, _IONBF, 0);
	const char *prog = argv[1], *mode = argv[2];
	/* failures leave us running */
	put("/tmp/text", "just text\n", 0755);
	put("/tmp/bad.wasm", "\0asm\1\0\0\0garbage", 0755);
	char *none[] = {"x", 0};
	printf("missing: %d %s\n", execve("/nonexistent", none, none), strerror(errno));
	printf("text: %d %s\n", execve("/tmp/text", none, none), errno == ENOEXEC ? "ENOEXEC" : strerror(errno));
	printf("bad wasm: %d %s\n", execve("/tmp/bad.wasm", none, none), errno == ENOEXEC ? "ENOEXEC" : strerror(errno));
	if (!strcmp(mode, "fds")) {
		int keep = open("/tmp/text", O_RDONLY);
		int drop = open("/tmp/text", O_RDONLY | O_CLOEXEC);
		printf("opened %d %d\n", keep, drop);
		execve(prog, (char *[]){"proc_child", "fds", 0}, (char *[]){0});
	} else if (!strcmp(mode, "env")) {
		execve(prog, (char *[]){"proc_child", "env", 0}, (char *[]){"A=1", "B=two words", 0});
	} else if (!strcmp(mode, "script")) {
		char line[256];
		snprintf(line, sizeof line, "#!%s echo\nignored\n", prog);
		put("/tmp/script", line, 0755);
		execve("/tmp/script", (char *[]){"script", "a", "b c", 0}, (char *[]){0});
	}
	printf("exec failed: %s\n", strerror(errno));
	return 1;
}
