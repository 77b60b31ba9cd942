//! What a request does: the synthetic CPU loop and the key-value store's GET and SCAN, each in
//! a cooperative form (yield points between chunks) and a plain form for the preemptive
//! threads (no yield points: the timer preempts).

use alloc::collections::BTreeMap;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

use nic_ring::{Kind, RxDescriptor};

use super::policy::Policy;

/// SCAN items between two yield points.
pub const SCAN_ITEMS_PER_YIELD: u64 = 8;

/// Folded into results so no lookup is optimised away.
pub static CHECKSUM: AtomicU64 = AtomicU64::new(0);

/// The key-value store: keys `0..keys`, each with a value derived from the seed.
pub fn preload(keys: u64, seed: u64) -> BTreeMap<u64, u64> {
    (0..keys).map(|k| (k, value_of(seed, k))).collect()
}

/// The value the store holds for `key` (SplitMix64 of seed and key).
pub fn value_of(seed: u64, key: u64) -> u64 {
    let mut z = seed ^ key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Spins until `cycles` have passed; returns the cycles it took.
#[inline(always)]
fn spin(cycles: u64) -> u64 {
    let t0 = kernel::cycles();
    loop {
        let d = kernel::cycles() - t0;
        if d >= cycles {
            return d;
        }
    }
}

/// Serves `d` cooperatively; returns the cycles spent working (not those yielded away).
pub async fn serve(
    d: &RxDescriptor,
    store: &BTreeMap<u64, u64>,
    policy: &Policy,
    chunk: u64,
) -> u64 {
    match d.kind {
        Kind::Synth => {
            let mut done = 0;
            while done < d.arg0 {
                done += spin(chunk.min(d.arg0 - done));
                policy.yield_point().await;
            }
            done
        }
        Kind::Get => {
            let t0 = kernel::cycles();
            get(store, d.arg0);
            kernel::cycles() - t0
        }
        Kind::Scan => {
            let mut done = 0;
            let mut from = d.arg0;
            let mut left = d.arg1;
            while left > 0 {
                let t0 = kernel::cycles();
                let n = left.min(SCAN_ITEMS_PER_YIELD);
                from = scan(store, from, n);
                left -= n;
                done += kernel::cycles() - t0;
                policy.yield_point().await;
            }
            done
        }
        k => panic!(
            "request {} of kind {k:?}: not a request the server serves",
            d.id
        ),
    }
}

/// Serves `d` on a preemptive thread; returns its CPU cycles (time preempted excluded).
pub fn serve_plain(d: &RxDescriptor, store: &BTreeMap<u64, u64>) -> u64 {
    let t0 = kernel::cycles();
    let off0 = kernel::request_threads::off_cpu_cycles();
    let on_cpu =
        || (kernel::cycles() - t0).saturating_sub(kernel::request_threads::off_cpu_cycles() - off0);
    match d.kind {
        Kind::Synth => loop {
            let done = on_cpu();
            if done >= d.arg0 {
                return done;
            }
        },
        Kind::Get => {
            get(store, d.arg0);
            on_cpu()
        }
        Kind::Scan => {
            scan(store, d.arg0, d.arg1);
            on_cpu()
        }
        k => panic!(
            "request {} of kind {k:?}: not a request the server serves",
            d.id
        ),
    }
}

fn get(store: &BTreeMap<u64, u64>, key: u64) {
    let v = store
        .get(&key)
        .unwrap_or_else(|| panic!("GET of key {key}, beyond the store's {} keys", store.len()));
    CHECKSUM.fetch_add(*v, Relaxed);
}

/// Walks `n` items from `from` (wrapping to the first key at the end); returns where the next
/// walk starts.
fn scan(store: &BTreeMap<u64, u64>, from: u64, n: u64) -> u64 {
    let mut sum = 0u64;
    let mut next = from;
    let mut left = n;
    while left > 0 {
        let mut walked = 0;
        for (k, v) in store.range(next..).take(left as usize) {
            sum = sum.wrapping_add(*v);
            next = k + 1;
            walked += 1;
        }
        if walked == 0 {
            if store.is_empty() {
                break;
            }
            next = 0;
        }
        left -= walked;
    }
    CHECKSUM.fetch_add(sum, Relaxed);
    next
}

/// The greedy task's work per item: one chunk.
pub fn greedy_item(chunk: u64) {
    spin(chunk);
}
