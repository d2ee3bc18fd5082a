//! Spreads independent units of work over the machine's cores. Results come
//! back in unit order, exactly as one thread would have produced them, so
//! the engine stays deterministic whatever the scheduling.

use std::num::NonZeroUsize;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

/// More threads than this would mostly wait on memory.
const MAX_THREADS: usize = 8;

/// Units are handed out in this many chunks per thread, so that a thread
/// that drew cheap units takes more instead of waiting for the others.
const CHUNKS_PER_THREAD: usize = 16;

/// `work` applied to `0..units`, split in ranges, on several threads when
/// `worth_threads` (starting a thread costs tens of microseconds, so small
/// jobs run on the caller's thread). Each thread makes its own scratch state
/// with `init` and reuses it across the ranges it takes.
pub(super) fn map_ranges<S, T: Send>(
    units: usize,
    worth_threads: bool,
    init: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, Range<usize>) -> Vec<T> + Sync,
) -> Vec<T> {
    let threads = if worth_threads {
        std::thread::available_parallelism()
            .map_or(1, NonZeroUsize::get)
            .min(MAX_THREADS)
    } else {
        1
    };
    if threads == 1 || units < 2 {
        return work(&mut init(), 0..units);
    }

    let chunk = units.div_ceil(threads * CHUNKS_PER_THREAD);
    let chunks = units.div_ceil(chunk);
    let next = AtomicUsize::new(0);
    let mut results: Vec<Vec<T>> = (0..chunks).map(|_| Vec::new()).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut state = init();
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        if index >= chunks {
                            return done;
                        }
                        let start = index * chunk;
                        done.push((index, work(&mut state, start..units.min(start + chunk))));
                    }
                })
            })
            .collect();
        for worker in workers {
            let done = worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for (index, result) in done {
                results[index] = result;
            }
        }
    });
    results.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_unit_order_on_any_number_of_threads() {
        let square_all = |worth_threads| {
            map_ranges(
                1_000,
                worth_threads,
                || 0usize,
                |calls, range| {
                    *calls += 1;
                    range.map(|unit| unit * unit).collect()
                },
            )
        };
        let expected: Vec<usize> = (0..1_000).map(|unit| unit * unit).collect();
        assert_eq!(square_all(true), expected);
        assert_eq!(square_all(false), expected);
        assert!(map_ranges(0, true, || (), |_, range| range.collect::<Vec<_>>()).is_empty());
    }
}
