//! An RX descriptor and a TX completion as values (their words are in [`crate::regs`]).

pub use crate::regs::{DESC_FLAG_WARMUP as FLAG_WARMUP, END_ID};
use crate::regs::{desc_kind, rx_word as rx};

/// What a request asks for (descriptor word 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Run a CPU loop of `arg0` cycles.
    Synth,
    /// Look key `arg0` up.
    Get,
    /// Walk `arg1` items from key `arg0`.
    Scan,
    /// One item of the saturating greedy flow.
    Greedy,
    /// The run is over.
    End,
    /// A code this guest does not know (kept so the error can name it).
    Unknown(u64),
}

impl Kind {
    pub const fn code(self) -> u64 {
        match self {
            Kind::Synth => desc_kind::SYNTH,
            Kind::Get => desc_kind::GET,
            Kind::Scan => desc_kind::SCAN,
            Kind::Greedy => desc_kind::GREEDY,
            Kind::End => desc_kind::END,
            Kind::Unknown(c) => c,
        }
    }

    pub const fn from_code(code: u64) -> Kind {
        match code {
            desc_kind::SYNTH => Kind::Synth,
            desc_kind::GET => Kind::Get,
            desc_kind::SCAN => Kind::Scan,
            desc_kind::GREEDY => Kind::Greedy,
            desc_kind::END => Kind::End,
            c => Kind::Unknown(c),
        }
    }
}

/// One RX descriptor, as copied out of its slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RxDescriptor {
    /// ≥ 1; [`END_ID`] for END.
    pub id: u64,
    pub kind: Kind,
    pub arg0: u64,
    pub arg1: u64,
    pub arrival_tick: u64,
    pub delivery_tick: u64,
    pub flags: u64,
}

impl RxDescriptor {
    pub const fn end() -> RxDescriptor {
        RxDescriptor {
            id: END_ID,
            kind: Kind::End,
            arg0: 0,
            arg1: 0,
            arrival_tick: 0,
            delivery_tick: 0,
            flags: 0,
        }
    }

    pub fn from_words(w: [u64; 8]) -> RxDescriptor {
        RxDescriptor {
            id: w[rx::ID],
            kind: Kind::from_code(w[rx::KIND]),
            arg0: w[rx::ARG0],
            arg1: w[rx::ARG1],
            arrival_tick: w[rx::ARRIVAL_TICK],
            delivery_tick: w[rx::DELIVERY_TICK],
            flags: w[rx::FLAGS],
        }
    }

    pub fn to_words(&self) -> [u64; 8] {
        let mut w = [0; 8];
        w[rx::ID] = self.id;
        w[rx::KIND] = self.kind.code();
        w[rx::ARG0] = self.arg0;
        w[rx::ARG1] = self.arg1;
        w[rx::ARRIVAL_TICK] = self.arrival_tick;
        w[rx::DELIVERY_TICK] = self.delivery_tick;
        w[rx::FLAGS] = self.flags;
        w
    }

    pub fn is_warmup(&self) -> bool {
        self.flags & FLAG_WARMUP != 0
    }
}

/// One TX completion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The completed request's id.
    pub id: u64,
    /// Cycles the guest spent serving it (PMU).
    pub work_cycles: u64,
}
