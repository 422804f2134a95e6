/* Build step: compile one of berth's Lua files into the chunk berth loads instead of parsing the
 * source (core/lua/chunk.h).   lua-precompile SOURCE.lua TARGET.luac */
#include "lua/chunk.h"

#include <stdio.h>

int main(int argc, char **argv)
{
	berr_t err = { 0 };

	if (argc != 3) {
		fprintf(stderr, "usage: lua-precompile SOURCE.lua TARGET.luac\n");
		return 2;
	}
	if (chunk_compile(argv[1], argv[2], &err) < 0) {
		fprintf(stderr, "lua-precompile: %s: %s\n", argv[1], err.msg);
		return 1;
	}
	return 0;
}
