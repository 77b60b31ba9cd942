//! The call table: what each call number does in the kernel. Both paths end here.

use super::user;

/// The calls, by number (x8 on the `svc` path, the request's first word on the `fwd` path).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Call {
    /// Does nothing and returns 0 (the bare cost of a path). Same number as `syscall::SYS_NULL`.
    Null = 0,
    /// Returns the generic timer's count.
    Clock = 1,
    /// `write(buf, len)`: copies `len` bytes at `buf` (user memory) into the kernel's console
    /// log; returns the bytes copied (at most [`console_log::MAX_WRITE`]).
    ///
    /// [`console_log::MAX_WRITE`]: super::console_log::MAX_WRITE
    Write = 2,
    /// `nic_send(records, count)`: copies `count` completion records (`nic_tx::TxRecord`) from
    /// user memory onto the kernel-owned NIC TX queue, which the kernel's NIC driver transmits;
    /// returns `count`.
    NicSend = 3,
}

impl Call {
    pub const ALL: [Call; 4] = [Call::Null, Call::Clock, Call::Write, Call::NicSend];

    pub const fn from_number(nr: u64) -> Option<Call> {
        if nr < Call::ALL.len() as u64 {
            Some(Call::ALL[nr as usize])
        } else {
            None
        }
    }

    /// The name used in run parameters and results.
    pub fn name(self) -> &'static str {
        match self {
            Call::Null => "null",
            Call::Clock => "clock",
            Call::Write => "write",
            Call::NicSend => "nic_send",
        }
    }
}

/// Errors, returned as `-(errno)` in the result word (Linux's numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Errno {
    /// A user pointer range outside the user region.
    Fault = 14,
    /// An argument out of range.
    Inval = 22,
    /// No call has this number.
    NoSys = 38,
}

impl Errno {
    /// The result word that carries this error.
    pub const fn result(self) -> u64 {
        (self as u64).wrapping_neg()
    }

    /// The error a result word carries, if it carries one.
    pub fn from_result(r: u64) -> Option<Errno> {
        [Errno::Fault, Errno::Inval, Errno::NoSys]
            .into_iter()
            .find(|e| e.result() == r)
    }
}

/// Runs call `nr` with `args` and returns its result word. Never panics on user input: an
/// unknown number is [`Errno::NoSys`], a bad pointer [`Errno::Fault`].
#[inline(always)]
pub fn execute(nr: u64, args: &[u64; 6]) -> u64 {
    let out = match Call::from_number(nr) {
        Some(Call::Null) => Ok(0),
        Some(Call::Clock) => Ok(crate::timer::now()),
        Some(Call::Write) => write(args[0], args[1]),
        Some(Call::NicSend) => super::nic_tx::call(args[0], args[1]),
        None => Err(Errno::NoSys),
    };
    out.unwrap_or_else(Errno::result)
}

fn write(buf: u64, len: u64) -> Result<u64, Errno> {
    let bytes = user::slice(buf, len)?;
    Ok(super::console_log::append(bytes))
}
