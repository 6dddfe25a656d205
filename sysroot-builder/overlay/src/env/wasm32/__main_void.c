/* Reached when main is neither int main(int, char **) nor int main(void)
 * (clang names that one __main_void): the 3-argument form, which keeps the
 * plain name main. argc/argv were saved by crt1's _start. Own archive
 * member, weak, so only programs needing it reference main(3 args). */
extern __attribute__((__visibility__("hidden"))) int __wasmos_argc;
extern __attribute__((__visibility__("hidden"))) char **__wasmos_argv;
extern char **__environ;

int main(int, char **, char **);

__attribute__((__weak__)) int __main_void(void)
{
	return main(__wasmos_argc, __wasmos_argv, __environ);
}
