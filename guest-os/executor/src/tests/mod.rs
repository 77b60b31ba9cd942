//! Host tests, embassy style: a test platform records events ("pend 1"), test tasks record
//! theirs ("poll a"), and each test asserts the exact sequence.

mod budget;
mod combinators;
mod external;
mod harness;
mod join;
mod panics;
mod run_while;
mod scheduling;
mod stress;
mod timers;
