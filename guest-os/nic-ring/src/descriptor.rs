//! The words of an RX descriptor and of a TX completion.

/// The id of the END descriptor (the run is over).
pub const END_ID: u64 = u64::MAX;
/// Descriptor flag: a warm-up request (not measured).
pub const FLAG_WARMUP: u64 = 1;

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
            Kind::Synth => 1,
            Kind::Get => 2,
            Kind::Scan => 3,
            Kind::Greedy => 4,
            Kind::End => 0xFF,
            Kind::Unknown(c) => c,
        }
    }

    pub const fn from_code(code: u64) -> Kind {
        match code {
            1 => Kind::Synth,
            2 => Kind::Get,
            3 => Kind::Scan,
            4 => Kind::Greedy,
            0xFF => Kind::End,
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
            id: w[0],
            kind: Kind::from_code(w[1]),
            arg0: w[2],
            arg1: w[3],
            arrival_tick: w[4],
            delivery_tick: w[5],
            flags: w[6],
        }
    }

    pub fn to_words(&self) -> [u64; 8] {
        [
            self.id,
            self.kind.code(),
            self.arg0,
            self.arg1,
            self.arrival_tick,
            self.delivery_tick,
            self.flags,
            0,
        ]
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
