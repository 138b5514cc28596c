/* Runs one command and reports what it cost, for bench/run.py.
 *
 *     launch FD PROGRAM [ARGS...]
 *
 * On FD it writes "pid PID\n" once the command is forked, then, once it has
 * been reaped, "SPAWN EXIT STATUS UTIME STIME MAXRSS_KB NVCSW NIVCSW\n", the
 * first two in seconds of CLOCK_MONOTONIC (Python's time.monotonic()).
 *
 * Why not spawn from Python: on exec, Linux carries the parent's peak RSS
 * into the child's ru_maxrss, so every program forked by a 30 MB Python would
 * report at least 30 MB. Forked from this small process, it reports its own.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: launch FD PROGRAM [ARGS...]\n");
        return 2;
    }
    int fd = atoi(argv[1]);
    double spawn = now();
    pid_t pid = fork();
    if (pid < 0) {
        perror("launch: fork");
        return 1;
    }
    if (pid == 0) {
        close(fd);
        /* As if typed at a shell prompt, even when we were started in the
         * background with Ctrl-C ignored. */
        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        execvp(argv[2], argv + 2);
        perror("launch: exec");
        _exit(127);
    }
    /* Ctrl-C typed into the terminal is for the command, not for us. */
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    dprintf(fd, "pid %d\n", pid);
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("launch: wait4");
        return 1;
    }
    double exited = now();
    dprintf(fd, "%.9f %.9f %d %ld.%06ld %ld.%06ld %ld %ld %ld\n", spawn, exited, status, (long)ru.ru_utime.tv_sec,
            (long)ru.ru_utime.tv_usec, (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec, ru.ru_maxrss, ru.ru_nvcsw,
            ru.ru_nivcsw);
    return 0;
}
