//! The command-line options that choose where a sweep's points run (`--backend`) and how they
//! are submitted to Slurm (`--slurm-*`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::SlurmConfig;
use super::script::{SbatchRequest, parse_config};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendName {
    /// On this machine, `--jobs` at a time.
    Local,
    /// As one Slurm job array, one task per point; `--jobs` caps how many run at once
    /// (docs/slurm.md).
    Slurm,
}

#[derive(Clone, Debug, clap::Args)]
pub struct BackendArgs {
    /// Where the points run: here, or as one Slurm job array (needs a filesystem shared with
    /// the nodes; docs/slurm.md)
    #[arg(long, value_enum, default_value = "local")]
    pub backend: BackendName,
    /// Slurm: the partition
    #[arg(long, value_name = "NAME")]
    pub slurm_partition: Option<String>,
    /// Slurm: time limit per task, in sbatch's format (e.g. 2:30:00) [default: --timeout plus
    /// 10 minutes]
    #[arg(long, value_name = "TIME")]
    pub slurm_time: Option<String>,
    /// Slurm: one more sbatch argument, repeatable (e.g. --slurm-arg=--mem=4G)
    #[arg(long, value_name = "ARG", allow_hyphen_values = true)]
    pub slurm_arg: Vec<String>,
    /// Slurm: a file of sbatch arguments, one per line (`#` comments); the options above come
    /// after it and win
    #[arg(long, value_name = "FILE")]
    pub slurm_config: Option<PathBuf>,
    /// Slurm: seconds between two looks at the queue
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub slurm_poll: f64,
}

impl BackendArgs {
    /// The Slurm settings for `--backend slurm`; `None` for local. `jobs`: the sweep's
    /// explicit `--jobs`, which on Slurm caps the tasks running at once. A `--slurm-*` option
    /// with the local backend is an error rather than silently ignored.
    pub fn slurm(&self, jobs: Option<usize>) -> Result<Option<SlurmConfig>> {
        if self.backend == BackendName::Local {
            if self.slurm_partition.is_some()
                || self.slurm_time.is_some()
                || !self.slurm_arg.is_empty()
                || self.slurm_config.is_some()
            {
                bail!(
                    "--slurm-partition, --slurm-time, --slurm-arg and --slurm-config apply to \
                     --backend slurm"
                );
            }
            return Ok(None);
        }
        let config = match &self.slurm_config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                parse_config(&text).with_context(|| format!("in {}", path.display()))?
            }
            None => Vec::new(),
        };
        let poll = Duration::try_from_secs_f64(self.slurm_poll)
            .ok()
            .filter(|d| !d.is_zero())
            .with_context(|| {
                format!(
                    "--slurm-poll {} is not a positive number of seconds",
                    self.slurm_poll
                )
            })?;
        Ok(Some(SlurmConfig {
            sbatch: SbatchRequest {
                config,
                partition: self.slurm_partition.clone(),
                time: self.slurm_time.clone(),
                extra: self.slurm_arg.clone(),
                max_running: jobs,
            },
            poll,
            driver: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        backend: BackendArgs,
    }

    fn parse(args: &[&str]) -> Result<Option<SlurmConfig>> {
        let cli = Cli::try_parse_from(std::iter::once("x").chain(args.iter().copied()))?;
        cli.backend.slurm(None)
    }

    #[test]
    fn local_by_default_and_slurm_options_need_slurm() {
        assert!(parse(&[]).unwrap().is_none());
        let e = parse(&["--slurm-partition", "debug"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("apply to --backend slurm"), "{e}");
        let e = parse(&["--backend", "pbs"]).unwrap_err().to_string();
        assert!(e.contains("[possible values: local, slurm]"), "{e}");
    }

    #[test]
    fn slurm_options_and_config_file() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("slurm.args");
        std::fs::write(&file, "# site\n--account=p42\n").unwrap();
        let c = parse(&[
            "--backend",
            "slurm",
            "--slurm-partition",
            "debug",
            "--slurm-time",
            "1:00:00",
            "--slurm-arg",
            "--mem=4G",
            "--slurm-arg=--qos=short",
            "--slurm-config",
            file.to_str().unwrap(),
            "--slurm-poll",
            "2",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            c.sbatch,
            SbatchRequest {
                config: vec!["--account=p42".into()],
                partition: Some("debug".into()),
                time: Some("1:00:00".into()),
                extra: vec!["--mem=4G".into(), "--qos=short".into()],
                max_running: None,
            }
        );
        assert_eq!(c.poll, Duration::from_secs(2));
        let cli = Cli::try_parse_from(["x", "--backend", "slurm"]).unwrap();
        let capped = cli.backend.slurm(Some(3)).unwrap().unwrap();
        assert_eq!(capped.sbatch.max_running, Some(3));
        let e = parse(&["--backend", "slurm", "--slurm-poll", "0"]).unwrap_err();
        assert!(e.to_string().contains("--slurm-poll 0"), "{e}");
        let missing = tmp.path().join("none");
        let e = parse(&[
            "--backend=slurm",
            "--slurm-config",
            missing.to_str().unwrap(),
        ]);
        assert!(format!("{:#}", e.unwrap_err()).contains("reading"));
    }
}
