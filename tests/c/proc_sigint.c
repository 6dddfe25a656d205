/* Waits to be interrupted: with "handler", a SIGINT handler ends the busy
 * loop and the program exits 3; without, SIGINT's default action ends it. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t got;
static void on_int(int sig) { got = sig; }

int main(int argc, char **argv) {
	if (argc > 1 && !strcmp(argv[1], "handler")) signal(SIGINT, on_int);
	printf("ready\n");
	fflush(stdout);
	volatile unsigned long spins = 0;
	while (!got) spins++;
	printf("handled %d\n", got);
	return 3;
}
