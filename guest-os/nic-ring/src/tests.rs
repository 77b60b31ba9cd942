extern crate std;

use std::vec::Vec;

use super::*;

fn rx_ring(n: usize) -> Vec<RxSlot> {
    (0..n).map(|_| RxSlot::default()).collect()
}

fn tx_ring(n: usize) -> Vec<TxSlot> {
    (0..n).map(|_| TxSlot::default()).collect()
}

fn synth(id: u64) -> RxDescriptor {
    RxDescriptor {
        id,
        kind: Kind::Synth,
        arg0: 1000 + id,
        arg1: 0,
        arrival_tick: 10 * id,
        delivery_tick: 10 * id + 3,
        flags: u64::from(id <= 2),
    }
}

#[test]
fn rx_consume_copies_the_descriptor_and_zeroes_the_slot() {
    let slots = rx_ring(8);
    let mut dev = RxProducer::new(&slots).unwrap();
    let mut guest = RxConsumer::new(&slots).unwrap();
    assert!(guest.poll().is_none(), "an empty ring yields nothing");
    assert!(dev.push(&synth(1), 0));
    assert!(guest.is_ready());
    let (d, _) = guest.poll().unwrap();
    assert_eq!(d, synth(1));
    assert!(d.is_warmup());
    assert_eq!(slots[0].0[0].load(Ordering::Relaxed), 0, "word 0 zeroed");
    assert!(!guest.is_ready());
    assert_eq!(guest.consumed(), 1);
}

#[test]
fn rx_cons_is_reported_in_batches_of_a_quarter_ring() {
    let slots = rx_ring(16);
    let mut dev = RxProducer::new(&slots).unwrap();
    let mut guest = RxConsumer::new(&slots).unwrap();
    let mut reports = Vec::new();
    for id in 1..=10 {
        assert!(dev.push(&synth(id), guest.reported));
        let (_, report) = guest.poll().unwrap();
        if let Some(r) = report {
            reports.push(r);
        }
    }
    assert_eq!(reports, [4, 8]);
    assert_eq!(guest.flush(), Some(10));
    assert_eq!(guest.flush(), None, "nothing left to report");
}

#[test]
fn rx_full_ring_refuses_until_the_guest_reports() {
    let slots = rx_ring(4);
    let mut dev = RxProducer::new(&slots).unwrap();
    let mut guest = RxConsumer::new(&slots).unwrap();
    for id in 1..=4 {
        assert!(dev.push(&synth(id), 0));
    }
    assert!(!dev.push(&synth(5), 0), "full: prod - cons = size");
    assert_eq!(dev.free(0), 0);
    // Consumed but not yet reported: still full for the device.
    let (d, report) = guest.poll().unwrap();
    assert_eq!(d.id, 1);
    assert_eq!(report, Some(1), "a 4-slot ring reports every descriptor");
    assert!(dev.push(&synth(5), 1));
    assert!(!dev.push(&synth(6), 1));
}

#[test]
fn rx_wraps_around_many_times_in_order() {
    let slots = rx_ring(8);
    let mut dev = RxProducer::new(&slots).unwrap();
    let mut guest = RxConsumer::new(&slots).unwrap();
    let mut reported = 0;
    let mut next_expected = 1;
    let mut id = 1;
    // Produce in bursts of 5 and consume in bursts of 3, so the indices cross the wrap point
    // at every offset.
    while next_expected <= 100 {
        for _ in 0..5 {
            if id <= 100 && dev.push(&synth(id), reported) {
                id += 1;
            }
        }
        for _ in 0..3 {
            if let Some((d, report)) = guest.poll() {
                assert_eq!(d.id, next_expected);
                next_expected += 1;
                if let Some(r) = report {
                    reported = r;
                }
            }
        }
        if let Some(r) = guest.flush() {
            reported = r;
        }
    }
    assert_eq!(dev.produced(), 100);
    assert_eq!(guest.consumed(), 100);
}

#[test]
fn end_descriptor_round_trips() {
    let slots = rx_ring(2);
    let mut dev = RxProducer::new(&slots).unwrap();
    let mut guest = RxConsumer::new(&slots).unwrap();
    assert!(dev.push(&RxDescriptor::end(), 0));
    let (d, _) = guest.poll().unwrap();
    assert_eq!(d.kind, Kind::End);
    assert_eq!(d.id, END_ID);
}

#[test]
fn unknown_kind_keeps_its_code() {
    let d = RxDescriptor::from_words([7, 42, 0, 0, 0, 0, 0, 0]);
    assert_eq!(d.kind, Kind::Unknown(42));
    assert_eq!(d.to_words()[1], 42);
}

#[test]
fn tx_produce_then_doorbell_then_drain() {
    let slots = tx_ring(4);
    let mut guest = TxProducer::new(&slots).unwrap();
    let mut dev = TxConsumer::new(&slots).unwrap();
    assert_eq!(guest.doorbell(), None, "no completions, no doorbell");
    for id in 1..=3 {
        assert!(guest.push(
            Completion {
                id,
                work_cycles: id * 100
            },
            || unreachable!()
        ));
    }
    let prod = guest.doorbell().unwrap();
    assert_eq!(prod, 3);
    assert_eq!(guest.doorbell(), None, "rung once per batch");
    let mut got = Vec::new();
    assert_eq!(dev.drain(prod, |c| got.push(c)), Ok(3));
    assert_eq!(
        got,
        [1, 2, 3].map(|id| Completion {
            id,
            work_cycles: id * 100
        })
    );
}

#[test]
fn tx_full_ring_reads_tx_cons_only_when_full() {
    let slots = tx_ring(2);
    let mut guest = TxProducer::new(&slots).unwrap();
    let mut dev = TxConsumer::new(&slots).unwrap();
    let c = |id| Completion { id, work_cycles: 0 };
    assert!(guest.push(c(1), || panic!("not full yet: no TX_CONS read")));
    assert!(guest.push(c(2), || panic!("not full yet: no TX_CONS read")));
    // Full, and the device has read nothing.
    assert!(!guest.push(c(3), || dev.consumed()));
    let prod = guest.doorbell().unwrap();
    dev.drain(prod, |_| {}).unwrap();
    let mut reads = 0;
    assert!(guest.push(c(3), || {
        reads += 1;
        dev.consumed()
    }));
    assert_eq!(reads, 1);
}

#[test]
fn tx_wraps_around() {
    let slots = tx_ring(4);
    let mut guest = TxProducer::new(&slots).unwrap();
    let mut dev = TxConsumer::new(&slots).unwrap();
    let mut seen = Vec::new();
    for id in 1..=50u64 {
        while !guest.push(Completion { id, work_cycles: 0 }, || dev.consumed()) {
            let prod = guest.doorbell().unwrap();
            dev.drain(prod, |c| seen.push(c.id)).unwrap();
        }
    }
    if let Some(prod) = guest.doorbell() {
        dev.drain(prod, |c| seen.push(c.id)).unwrap();
    }
    assert_eq!(seen, (1..=50).collect::<Vec<_>>());
}

#[test]
fn tx_bad_doorbell_is_refused() {
    let slots = tx_ring(4);
    let mut dev = TxConsumer::new(&slots).unwrap();
    assert_eq!(dev.drain(5, |_| {}), Err((0, 5)), "more than a ring");
    dev.drain(2, |_| {}).unwrap();
    assert_eq!(dev.drain(1, |_| {}), Err((2, 1)), "backwards");
}

#[test]
fn ring_sizes_must_be_powers_of_two() {
    let slots = rx_ring(6);
    assert_eq!(
        RxConsumer::new(&slots).err(),
        Some(RingError::SizeNotPowerOfTwo(6))
    );
    let empty: [TxSlot; 0] = [];
    assert!(TxProducer::new(&empty).is_err());
}

#[test]
fn slots_have_the_spec_layout() {
    assert_eq!(core::mem::size_of::<RxSlot>(), 64);
    assert_eq!(core::mem::align_of::<RxSlot>(), 64);
    assert_eq!(core::mem::size_of::<TxSlot>(), 16);
}
