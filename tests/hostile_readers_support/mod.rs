//! The hostile-input probe's measuring (`tests/hostile_readers.rs`): each input built at
//! doubling sizes and read, with its time, peak memory and growth printed; the inputs of each
//! reader are in `tables` and `pages`.
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress
#![allow(dead_code)]

pub mod pages;
pub mod tables;

use std::time::{Duration, Instant};

/// Sizes each input is built at: each twice the one before.
const DOUBLINGS: u32 = 3;

/// The peak resident memory of this process since the last reset, in MB (Linux; `None`
/// elsewhere). Writing 5 to `clear_refs` resets the peak to the current size.
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

pub fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Reads `make(n)` at `base`, 2x, 4x … and prints each time, peak memory and the growth.
pub fn probe(name: &str, base: usize, make: impl Fn(usize) -> String, read: impl Fn(&str)) {
    if std::env::var("PROBE").is_ok_and(|only| !name.contains(&only)) {
        return;
    }
    let mut last: Option<Duration> = None;
    for k in 0..DOUBLINGS {
        let n = base << k;
        let input = make(n);
        reset_peak();
        let start = Instant::now();
        read(&input);
        let took = start.elapsed();
        let growth = last
            .map(|l| format!("{:5.1}x", took.as_secs_f64() / l.as_secs_f64().max(1e-9)))
            .unwrap_or_else(|| "     ".into());
        println!(
            "{name:44} n={n:>8} {:7.2} MB in: {:9.1} ms {growth}  peak {:7.1} MB",
            input.len() as f64 / 1e6,
            took.as_secs_f64() * 1e3,
            peak_mb().unwrap_or(f64::NAN)
        );
        last = Some(took);
    }
}
