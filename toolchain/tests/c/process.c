/* fork, vfork and posix_spawn (hence system/popen) reach the host's
 * process imports; threads and sockets link and fail at run time. */
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void *thread_main(void *arg)
{
	return arg;
}

int main(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	if (vfork() == 0)
		_exit(0);
	char *argv[] = { "true", 0 };
	posix_spawnp(&pid, "true", 0, 0, argv, environ);
	system("true");
	pthread_t t;
	if (pthread_create(&t, 0, thread_main, 0) == 0)
		pthread_join(t, 0);
	return socket(AF_INET, SOCK_STREAM, 0) < 0 ? 0 : 1;
}
