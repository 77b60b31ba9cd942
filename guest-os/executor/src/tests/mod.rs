//! Host tests, embassy style: a test platform records events ("pend 1"), test tasks record
//! theirs ("poll a"), and each test asserts the exact sequence.

mod budget;
mod external;
mod harness;
mod scheduling;
mod stress;
mod timers;
