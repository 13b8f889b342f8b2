/* vmig-fuzz: libFuzzer supplies main() when built by `make fuzz` (-sanitize=fuzzer); this weak one only
   explains that in an ordinary build. The fuzz hooks are in the FuzzDriver target. */
#include <stdio.h>

__attribute__((weak)) int main(void) {
    fputs("vmig-fuzz: build it with `make fuzz` (swift build -Xswiftc -sanitize=fuzzer)\n", stderr);
    return 2;
}
