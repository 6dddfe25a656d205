/* No .init/.fini sections on wasm: constructors run via _init in crt1.
 * This object exists for build systems that name crti.o explicitly. */
