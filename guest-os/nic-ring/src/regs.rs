//! Every register offset and descriptor layout of the load-generator NIC (LoadGenNic): the
//! device's generated register crate (`loadgen-nic-regs`, from
//! `gem5-devices/loadgen_nic/regmap.toml`, the one register map).

pub use loadgen_nic_regs::*;
