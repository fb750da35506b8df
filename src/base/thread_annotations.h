// Clang thread-safety annotations (the LevelDB `port/thread_annotations.h` idea).
//
// Under clang with -Wthread-safety the compiler checks that a member marked GUARDED_BY(mu_) is
// only touched while mu_ is held, and that a function marked REQUIRES(mu_) is only called with
// it held. Under GCC the macros expand to nothing. Use them with fluxo::Mutex (base/mutex.h):
// libstdc++'s std::mutex carries no capability attribute, so the analysis cannot see it.
#pragma once

#if defined(__clang__)
#define FLUXO_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define FLUXO_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) FLUXO_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY FLUXO_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) FLUXO_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) FLUXO_THREAD_ANNOTATION(pt_guarded_by(x))
#define ACQUIRED_BEFORE(...) FLUXO_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) FLUXO_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define REQUIRES(...) FLUXO_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) FLUXO_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) FLUXO_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) FLUXO_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define EXCLUDES(...) FLUXO_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) FLUXO_THREAD_ANNOTATION(assert_capability(x))
#define RETURN_CAPABILITY(x) FLUXO_THREAD_ANNOTATION(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS FLUXO_THREAD_ANNOTATION(no_thread_safety_analysis)
