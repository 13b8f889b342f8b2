/* The floor under the QMP round-trip figure: two processes that do nothing but bounce one byte over a Unix
   socket pair with blocking reads, so every round trip is two wake-ups and no work. Build and run:
   cc -O2 scripts/pingpong_floor.c -o /tmp/pingpong_floor && /tmp/pingpong_floor 200000
   (and `taskset -c 0 /tmp/pingpong_floor 200000` for both processes on one vCPU). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec + now.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 200000;
    int pair[2];
    char byte[1];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) return 1;
    if (fork() == 0) {
        close(pair[0]);
        while (read(pair[1], byte, 1) == 1) {
            if (write(pair[1], byte, 1) != 1) return 1;
        }
        return 0;
    }
    close(pair[1]);
    double start = seconds();
    for (int i = 0; i < rounds; i++) {
        if (write(pair[0], "x", 1) != 1 || read(pair[0], byte, 1) != 1) return 1;
    }
    double elapsed = seconds() - start;
    close(pair[0]);
    wait(NULL);
    printf("blocking one-byte ping-pong between two processes: %.0f round trips/s\n", rounds / elapsed);
    return 0;
}
