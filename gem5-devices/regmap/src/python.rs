//! `configs/<device>_system.py`: what the gem5 config needs of a device's `[system]` (and, for
//! CoroSched, its wake paths), so that `configs/baremetal.py` has no copies of its own.

use crate::model::RegMap;
use crate::text::{fill, wrap};

/// The whole Python module: the generated note, then the profile's template filled from the
/// map. Only for a device whose profile has one.
pub fn python_module(map: &RegMap) -> String {
    let p = map.profile;
    let template = p
        .python
        .unwrap_or_else(|| panic!("the {} profile has no Python module", p.name));
    let mut s = wrap(&p.generated_note(), "# ", 100);
    s += &fill(template, map);
    s
}
