/* clang's intrinsic headers stay reachable behind musl's. */
#include <wasm_simd128.h>
#include <stddef.h>
#include <stdint.h>

int lane_sum(void)
{
	v128_t v = wasm_i32x4_splat(2);
	return wasm_i32x4_extract_lane(v, 0) + (int)sizeof(size_t);
}
