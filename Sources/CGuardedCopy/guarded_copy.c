// Guarded copies out of and into file mappings: a SIGBUS raised inside `lsmkv_guarded_copy` jumps back to it,
// which then returns -1; any other SIGBUS goes to whatever disposition the process had before (by default: it
// dies, as it would have without this file).
//
// Why it is safe:
// - The guard is a thread-local pointer to the copying frame's jump buffer, set only around the memcpy, so a fault
//   on another thread or outside a copy is never swallowed. Initial-exec TLS is a plain load from the thread
//   pointer, safe inside a signal handler.
// - The jump leaves only this file's C frame (no Swift frame, lock or allocation is skipped). The handler runs
//   with SA_NODEFER, so SIGBUS is not left blocked after the jump and sigsetjmp need not save the signal mask
//   (saving it would cost a system call per copy).
#include "CGuardedCopy.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>

static __thread sigjmp_buf *volatile guard_jump __attribute__((tls_model("initial-exec")));
static struct sigaction previous_action;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int install_result = -1;
static int install_errno = 0;

static void on_sigbus(int signal_number, siginfo_t *info, void *context) {
    sigjmp_buf *jump = guard_jump;
    if (jump != NULL) {
        guard_jump = NULL;
        siglongjmp(*jump, 1);
    }
    // Not a guarded copy: put the previous disposition back and return, so the faulting instruction runs again
    // and raises SIGBUS under it (the default kills the process, a foreign handler sees its own signal).
    (void)signal_number;
    (void)info;
    (void)context;
    sigaction(SIGBUS, &previous_action, NULL);
}

static void install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_sigbus;
    action.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGBUS, &action, &previous_action) == 0) {
        install_result = 0;
    } else {
        install_errno = errno;
    }
}

int lsmkv_guarded_copy_install(void) {
    pthread_once(&install_once, install);
    if (install_result != 0) errno = install_errno;
    return install_result;
}

int lsmkv_guarded_copy(void *destination, const void *source, size_t count) {
    sigjmp_buf jump;
    if (sigsetjmp(jump, 0) != 0) {
        // The handler cleared the guard before jumping.
        return -1;
    }
    guard_jump = &jump;
    // Compiler barriers: the guard is set before the first access to the mapping and cleared after the last.
    __asm__ volatile("" ::: "memory");
    memcpy(destination, source, count);
    __asm__ volatile("" ::: "memory");
    guard_jump = NULL;
    return 0;
}
