//! JSON form of parsed stats.
//!
//! A [`StatsFile`] is `{"dumps": [dump, …]}`; a [`Dump`] is an object from full stat name to
//! `{"value": …, "pdf": …, "cdf": …, "desc": …, "unit": …}` in file order, fields that the
//! line did not have left out. JSON has no NaN or infinity and `serde_json` would write them
//! as `null`, losing what gem5 printed, so non-finite values are the strings `"nan"`, `"inf"`
//! and `"-inf"`; finite values are numbers. Reading accepts the same (and `null` as NaN).

use super::{Dump, Stat, StatsFile};
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// `f64` with NaN and infinities as strings.
pub(crate) mod lossless {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_nan() {
            s.serialize_str("nan")
        } else if v.is_infinite() {
            s.serialize_str(if *v > 0.0 { "inf" } else { "-inf" })
        } else {
            s.serialize_f64(*v)
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        d.deserialize_any(F64Visitor)
    }

    struct F64Visitor;

    impl Visitor<'_> for F64Visitor {
        type Value = f64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a number, \"nan\", \"inf\" or \"-inf\"")
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
            Ok(v)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_unit<E: de::Error>(self) -> Result<f64, E> {
            Ok(f64::NAN)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
            match v {
                "nan" | "-nan" => Ok(f64::NAN),
                "inf" => Ok(f64::INFINITY),
                "-inf" => Ok(f64::NEG_INFINITY),
                _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
            }
        }
    }
}

/// `Option<f64>`: `None` is `null` (or absent, with `#[serde(default)]`), `Some` as
/// [`lossless`].
pub(crate) mod lossless_opt {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => lossless::serialize(v, s),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        #[derive(Deserialize)]
        struct Wrap(#[serde(with = "lossless")] f64);
        Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
    }
}

/// A stat as a map value in a [`Dump`] (the name is the key), or on its own with its name.
#[derive(Serialize)]
struct StatRef<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(with = "lossless")]
    value: f64,
    #[serde(with = "lossless_opt", skip_serializing_if = "Option::is_none")]
    pdf: Option<f64>,
    #[serde(with = "lossless_opt", skip_serializing_if = "Option::is_none")]
    cdf: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    desc: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<&'a str>,
}

impl<'a> StatRef<'a> {
    fn of(stat: &'a Stat, with_name: bool) -> Self {
        StatRef {
            name: with_name.then_some(stat.name.as_str()),
            value: stat.value,
            pdf: stat.pdf,
            cdf: stat.cdf,
            desc: stat.desc.as_deref(),
            unit: stat.unit.as_deref(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatOwned {
    #[serde(with = "lossless")]
    value: f64,
    #[serde(with = "lossless_opt", default)]
    pdf: Option<f64>,
    #[serde(with = "lossless_opt", default)]
    cdf: Option<f64>,
    #[serde(default)]
    desc: Option<String>,
    #[serde(default)]
    unit: Option<String>,
}

impl Serialize for Stat {
    /// `{"name": …, "value": …, "pdf": …, "cdf": …, "desc": …, "unit": …}`, fields the line
    /// did not have left out (the line number is not serialized).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        StatRef::of(self, true).serialize(s)
    }
}

impl Serialize for Dump {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.stats.len()))?;
        for stat in &self.stats {
            map.serialize_entry(&stat.name, &StatRef::of(stat, false))?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Dump {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Dump, D::Error> {
        struct DumpVisitor;
        impl<'de> Visitor<'de> for DumpVisitor {
            type Value = Dump;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object from stat names to stats")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Dump, A::Error> {
                let mut stats = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some((name, s)) = map.next_entry::<String, StatOwned>()? {
                    stats.push(Stat {
                        name,
                        value: s.value,
                        pdf: s.pdf,
                        cdf: s.cdf,
                        desc: s.desc,
                        unit: s.unit,
                        line: 0,
                    });
                }
                Dump::new(0, 0, stats)
                    .map_err(|e| de::Error::custom(format!("stat `{}` appears twice", e.name)))
            }
        }
        d.deserialize_map(DumpVisitor)
    }
}

impl<'de> Deserialize<'de> for StatsFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<StatsFile, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            dumps: Vec<Dump>,
        }
        let mut raw = Raw::deserialize(d)?;
        for (i, dump) in raw.dumps.iter_mut().enumerate() {
            dump.index = i;
        }
        Ok(StatsFile { dumps: raw.dumps })
    }
}
