void wasmos_test_not_defined_anywhere(void);

int main(void)
{
	wasmos_test_not_defined_anywhere();
	return 0;
}
