//! What the process asks of the C allocator. glibc keeps freed memory in its
//! heaps for reuse; two habits of this service make that costly: argon2id's
//! 19 MiB blocks and the intersections engine's burst over a large network.

/// Every password check borrows 19 MiB (argon2id's memory cost). glibc serves
/// a block that large with its own mapping, returned on free, but after the
/// first such free it raises that threshold to the block's size, and from then
/// on keeps the memory in its heaps: each login left about 19 MB of resident
/// memory behind (eight logins took the server from 52 to 188 MB). Pinning
/// the threshold at 1 MiB keeps large blocks mapped and returned. Called
/// first thing in `main`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn return_large_blocks_to_the_system() {
    const M_MMAP_THRESHOLD: i32 = -3;
    unsafe extern "C" {
        fn mallopt(param: i32, value: i32) -> i32;
    }
    // SAFETY: mallopt only sets an allocator parameter; it is called before
    // any other thread exists, and a failure (0) just leaves glibc's default.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// Hands the free pages of every heap back to the system. Recomputing the
/// intersections of a large network allocates and frees hundreds of MB of
/// small blocks on several threads (rows, texts, candidate lists); glibc
/// kept them, and the server's RSS stayed near that peak afterwards (270 MB
/// at 50,000 goals and offers with the network cache off).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_free_memory() {
    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> i32;
    }
    // SAFETY: malloc_trim only returns unused pages; glibc locks each arena
    // while it walks it, so it is safe alongside other threads.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn return_large_blocks_to_the_system() {}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_free_memory() {}
