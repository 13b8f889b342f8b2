/*
 * The machine's floor for the switchover data path of `vmig-bench devices`: the least time any program needs
 * to move 1 GiB of device state the way vmigd does, with no migration protocol at all.
 *
 * Two processes (like the source and destination daemons) joined by N Unix stream socket pairs with 4 MiB
 * buffers. In the first, N threads each generate 1/N GiB one word at a time (as the simulated device does) into a
 * 1 MiB buffer and send it; in the second, N threads receive 1 MiB at a time (MSG_WAITALL) and check every word
 * (as the simulated device's load does). No pacing: this is CPU and memory bound.
 *
 * Usage: pipeline_floor [PAIRS] [RUNS]   (defaults 4 and 5). Prints each run's wall time and the CPU seconds of
 * both processes for the 1 GiB, then the median wall time.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)
#define TOTAL (1ull << 30)
#define MAX_PAIRS 16
#define STEP 0x9E3779B97F4A7C15ull

static int pairs;
static int fds[MAX_PAIRS][2];

static double monotonic(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec + now.tv_nsec / 1e9;
}

static double cpu_seconds(int who) {
    struct rusage usage;
    getrusage(who, &usage);
    return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static void *produce(void *arg) {
    int pair = (int)(intptr_t)arg;
    uint64_t *buffer = malloc(CHUNK);
    uint64_t word = (uint64_t)pair << 56;
    for (size_t done = 0; done < TOTAL / pairs; done += CHUNK) {
        for (size_t index = 0; index < CHUNK / 8; index++) {
            word += STEP;
            buffer[index] = word;
        }
        for (size_t sent = 0; sent < CHUNK;) {
            ssize_t count = send(fds[pair][0], (char *)buffer + sent, CHUNK - sent, MSG_NOSIGNAL);
            if (count <= 0) { perror("send"); exit(1); }
            sent += (size_t)count;
        }
    }
    free(buffer);
    return NULL;
}

static void *consume(void *arg) {
    int pair = (int)(intptr_t)arg;
    uint64_t *buffer = malloc(CHUNK);
    uint64_t word = (uint64_t)pair << 56, difference = 0;
    for (size_t done = 0; done < TOTAL / pairs; done += CHUNK) {
        for (size_t got = 0; got < CHUNK;) {
            ssize_t count = recv(fds[pair][1], (char *)buffer + got, CHUNK - got, MSG_WAITALL);
            if (count <= 0) { perror("recv"); exit(1); }
            got += (size_t)count;
        }
        for (size_t index = 0; index < CHUNK / 8; index++) {
            word += STEP;
            difference |= buffer[index] ^ word;
        }
    }
    free(buffer);
    return (void *)(uintptr_t)(difference != 0);
}

/* Runs `body` on one thread per pair and waits for them; returns whether any thread reported a failure. */
static int run_threads(void *(*body)(void *)) {
    pthread_t threads[MAX_PAIRS];
    int failed = 0;
    for (int pair = 0; pair < pairs; pair++) pthread_create(&threads[pair], NULL, body, (void *)(intptr_t)pair);
    for (int pair = 0; pair < pairs; pair++) {
        void *result;
        pthread_join(threads[pair], &result);
        failed |= result != NULL;
    }
    return failed;
}

/* One transfer of 1 GiB; returns its wall time and adds both processes' CPU seconds to *cpu. */
static double measure(double *cpu) {
    int size = 4 << 20;
    for (int pair = 0; pair < pairs; pair++) {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds[pair]) != 0) { perror("socketpair"); exit(1); }
        setsockopt(fds[pair][0], SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size);
        setsockopt(fds[pair][1], SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
    }
    double start = monotonic(), ownStart = cpu_seconds(RUSAGE_SELF), childStart = cpu_seconds(RUSAGE_CHILDREN);
    pid_t child = fork();
    if (child == 0) _exit(run_threads(consume));
    run_threads(produce);
    int status;
    waitpid(child, &status, 0);
    double wall = monotonic() - start;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "receiver failed\n"); exit(1); }
    *cpu = cpu_seconds(RUSAGE_SELF) - ownStart + cpu_seconds(RUSAGE_CHILDREN) - childStart;
    for (int pair = 0; pair < pairs; pair++) { close(fds[pair][0]); close(fds[pair][1]); }
    return wall;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    pairs = argc > 1 ? atoi(argv[1]) : 4;
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    if (pairs < 1 || pairs > MAX_PAIRS || runs < 1 || runs > 100) { fprintf(stderr, "bad arguments\n"); return 2; }
    double walls[100];
    printf("pipeline floor, 1 GiB over %d Unix socket pairs (generate, send, receive, check):", pairs);
    for (int run = 0; run < runs; run++) {
        double cpu;
        walls[run] = measure(&cpu);
        printf(" %.0f ms (%.2f CPU-s)", walls[run] * 1e3, cpu);
    }
    qsort(walls, runs, sizeof walls[0], compare);
    printf("; median %.0f ms\n", walls[runs / 2] * 1e3);
    return 0;
}
