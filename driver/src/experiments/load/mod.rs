//! E4 (tail latency against offered load) and E5 (Tokio's budget case): the parts that do not
//! depend on the guest's services, so that the experiments only need their points once the
//! services' app and policy names exist.
//!
//! - [`grid`]: the workloads of the issue, offered loads as fractions of one core's capacity,
//!   and the LoadGenNic of each point;
//! - [`metrics`]: one run's numbers from its request summary (`result.json`'s `requests`),
//!   with overloaded points marked;
//! - [`slo`]: the throughput each policy sustains at an SLO (p99.9 slowdown ≤ 50 by default),
//!   from the whole curve;
//! - [`budget`]: E5's numbers, the latency-sensitive flow's p99 and the greedy flow's
//!   throughput, and its two targets.
//!
//! The experiment `load` (E4) itself: [`points`] (the sweep and its sizes per profile),
//! [`service_record`] (the service app's `@result`), [`point_metrics`] (one run's numbers, the
//! per-request overhead and the analytic check), [`experiment`] (the `Experiment`, its
//! analysis and targets) and [`figure`]. E5 is `experiments::budget`.

pub mod budget;
pub mod experiment;
pub mod figure;
pub mod grid;
pub mod metrics;
pub mod point_metrics;
pub mod points;
pub mod service_record;
pub mod slo;
