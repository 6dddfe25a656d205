/* Reached when the program's main is not int main(int, char **), which
 * clang would have named __main_argc_argv. Own archive member, weak: a
 * program defining it never links this. */
int __main_void(void);

__attribute__((__weak__)) int __main_argc_argv(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return __main_void();
}
