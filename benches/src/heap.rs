//! The allocator's settings for measurements that share one process.
//!
//! glibc's malloc gives freed memory back to the kernel once the free top of the heap
//! passes a threshold, and the next run faults it in again, page by page; whether it
//! does depends on what earlier measurements left on the heap. In the criterion
//! suite, where every member runs in one process, that made a member's time depend on
//! the members before it: tokio's task-per-user fan-out read 1.16 against the same
//! native code after some members and 1.02 after others, with the same instruction
//! count. Keeping freed memory in the process takes that history out of every member
//! alike.

/// Asks glibc's malloc to keep freed memory in the process (no trimming, no
/// per-allocation mappings). Does nothing with another C library.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's thresholds; it is called before
    // any measurement, and glibc's allocator stays valid under any threshold.
    unsafe {
        // glibc's largest mmap threshold is 32 MiB on 64-bit machines.
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
    }
}
