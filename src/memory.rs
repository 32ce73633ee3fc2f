//! Process-wide memory settings, applied by `main` before any thread starts.

/// Caps glibc's malloc arenas at one per core. glibc's default (eight per core) gives each
/// runtime thread an arena of its own, and memory freed in one arena is not reused by the
/// others: a nightly over 2,000 portals held about 15 MB more RSS for it at the same heap (the
/// scale benchmark, README "Scale"). Fewer arenas cost little here, where threads mostly wait.
pub fn cap_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let arenas = libc::c_int::try_from(cores.max(2)).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only sets a malloc parameter; it is called before any other thread
        // exists. A refusal (0) leaves glibc's default, which is correct, only larger.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}
