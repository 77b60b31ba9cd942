//! Following a job array from successive `squeue` snapshots: which tasks ended since the last
//! look, how many are pending, running and ended, and how long each ran. Pure: the caller
//! passes each snapshot with the time it was taken.
//!
//! A task that Slurm no longer lists has ended (Slurm forgets ended tasks after `MinJobAge`);
//! its end state is then whatever was last seen, or unknown.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::queue::TaskState;

/// What the tracker knows of one task.
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    /// The last state seen; `Ended` once the task has ended or left the queue.
    pub state: TaskState,
    /// When it was first seen running.
    pub started: Option<Instant>,
    /// When it was first seen ended.
    pub ended: Option<Instant>,
}

impl Task {
    /// Wall time from first seen running to first seen ended, as far as polling can tell.
    pub fn wall(&self) -> Duration {
        match (self.started, self.ended) {
            (Some(s), Some(e)) => e.saturating_duration_since(s),
            _ => Duration::ZERO,
        }
    }
}

/// The Slurm state name of a task that left the queue before it was seen to end.
pub const LEFT_QUEUE: &str = "left the queue";

/// Tasks by count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub pending: usize,
    pub running: usize,
    pub ended: usize,
}

/// The tasks `0..n` of one job array.
#[derive(Clone, Debug)]
pub struct Tracker {
    tasks: Vec<Task>,
}

impl Tracker {
    pub fn new(n: usize) -> Tracker {
        Tracker {
            tasks: vec![
                Task {
                    state: TaskState::Pending,
                    started: None,
                    ended: None,
                };
                n
            ],
        }
    }

    /// Takes a snapshot (task → state, as `squeue` lists them) taken at `now`; returns the
    /// tasks that ended since the last one, in index order.
    pub fn update(&mut self, seen: &BTreeMap<usize, TaskState>, now: Instant) -> Vec<usize> {
        let mut ended = Vec::new();
        for (i, task) in self.tasks.iter_mut().enumerate() {
            if task.ended.is_some() {
                continue;
            }
            let state = match seen.get(&i) {
                Some(s) => s.clone(),
                None => match &task.state {
                    // Never seen to end: it left the queue in between.
                    TaskState::Ended(s) => TaskState::Ended(s.clone()),
                    _ => TaskState::Ended(LEFT_QUEUE.into()),
                },
            };
            match &state {
                TaskState::Pending => {}
                TaskState::Running => {
                    task.started.get_or_insert(now);
                }
                TaskState::Ended(_) => {
                    task.started.get_or_insert(now);
                    task.ended = Some(now);
                    ended.push(i);
                }
            }
            task.state = state;
        }
        ended
    }

    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for t in &self.tasks {
            match t.state {
                TaskState::Pending => c.pending += 1,
                TaskState::Running => c.running += 1,
                TaskState::Ended(_) => c.ended += 1,
            }
        }
        c
    }

    pub fn all_ended(&self) -> bool {
        self.tasks.iter().all(|t| t.ended.is_some())
    }

    pub fn task(&self, i: usize) -> &Task {
        &self.tasks[i]
    }
}

/// The progress line: `12: 3/6 ended, 2 running, 1 pending, 4m05s`.
pub fn line(job: &str, c: Counts, elapsed: Duration) -> String {
    let total = c.pending + c.running + c.ended;
    let s = elapsed.as_secs();
    format!(
        "[slurm job {job}] {}/{total} ended, {} running, {} pending, {}m{:02}s",
        c.ended,
        c.running,
        c.pending,
        s / 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(states: &[(usize, &str)]) -> BTreeMap<usize, TaskState> {
        states
            .iter()
            .map(|(i, s)| (*i, TaskState::from_slurm(s)))
            .collect()
    }

    #[test]
    fn tasks_end_once_with_their_state_and_time() {
        let t0 = Instant::now();
        let at = |s| t0 + Duration::from_secs(s);
        let mut tr = Tracker::new(3);
        let ended = tr.update(
            &snapshot(&[(0, "RUNNING"), (1, "PENDING"), (2, "PENDING")]),
            at(0),
        );
        assert!(ended.is_empty());
        assert_eq!(
            tr.counts(),
            Counts {
                pending: 2,
                running: 1,
                ended: 0
            }
        );
        let ended = tr.update(
            &snapshot(&[(0, "COMPLETED"), (1, "RUNNING"), (2, "PENDING")]),
            at(5),
        );
        assert_eq!(ended, [0]);
        assert_eq!(tr.task(0).wall(), Duration::from_secs(5));
        // Task 1 fails; task 2 ran and left the queue between two looks.
        let ended = tr.update(&snapshot(&[(0, "COMPLETED"), (1, "FAILED")]), at(9));
        assert_eq!(ended, [1, 2]);
        assert_eq!(tr.task(1).state, TaskState::Ended("FAILED".into()));
        assert_eq!(tr.task(2).state, TaskState::Ended(LEFT_QUEUE.into()));
        assert!(tr.all_ended());
        // Nothing ends twice, whatever Slurm lists later.
        assert!(tr.update(&BTreeMap::new(), at(20)).is_empty());
        assert_eq!(tr.task(1).state, TaskState::Ended("FAILED".into()));
        assert_eq!(tr.counts().ended, 3);
    }

    #[test]
    fn progress_line() {
        let c = Counts {
            pending: 1,
            running: 2,
            ended: 3,
        };
        assert_eq!(
            line("12", c, Duration::from_secs(245)),
            "[slurm job 12] 3/6 ended, 2 running, 1 pending, 4m05s"
        );
    }
}
