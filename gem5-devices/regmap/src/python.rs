//! `configs/coro_sched_system.py`: what the gem5 config needs of the register map's `[system]`
//! and wake paths, so that `configs/baremetal.py` has no copies of its own.

use std::fmt::Write as _;

use crate::model::RegMap;
use crate::text::{GENERATED_NOTE, hex, wrap};

/// The whole Python module.
pub fn python_module(map: &RegMap) -> String {
    let sys = &map.system;
    let mut s = String::new();
    s += &wrap(GENERATED_NOTE, "# ", 100);
    s += "\"\"\"The CoroSched device's place in the system, for configs/baremetal.py.\"\"\"\n\n";
    s += "# MMIO base of each placement (--coro-placement).\nCORO_BASE = {\n";
    for p in &sys.placements {
        let _ = writeln!(s, "    \"{}\": {},", p.name, hex(p.base));
    }
    s += "}\n";
    let _ = writeln!(
        s,
        "# GIC INTID of the device's SPI.\nCORO_SPI = {}",
        sys.spi
    );
    let _ = writeln!(
        s,
        "# The SimObject's defaults.\nDEFAULT_PIO_LATENCY = \"{}ns\"\nDEFAULT_QUEUE_DEPTH = {}",
        sys.default_pio_latency_ns, sys.default_queue_depth
    );
    let _ = writeln!(
        s,
        "# The file in the output directory that receives the wake samples.\nSAMPLES_FILE = \"{}\"",
        sys.samples_file
    );
    let names: Vec<String> = map
        .paths
        .iter()
        .map(|p| format!("\"{}\"", p.name))
        .collect();
    let _ = writeln!(
        s,
        "# The wake paths, by code (the samples file's `path` column).\nWAKE_PATHS = ({})",
        names.join(", ")
    );
    s
}
