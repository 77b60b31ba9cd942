//! Grouped bar charts: groups along x, one bar per series in each group, with optional
//! whiskers (e.g. p50..p99) and value labels.

use super::error::draw_err;
use super::fill::Fill;
use super::format::{format_tick, format_value};
use super::layout::{Area, Swatch, frame};
use super::style::{
    DEFAULT_SIZE, FONT, HEADROOM, MARGIN, VALUE_FONT, WHISKER_COLOR, X_LABEL_AREA, Y_LABEL_AREA,
    default_size, series_color, style_axes,
};
use super::validate::{Check, Nouns, Table};
use super::{Chart, FigureError};
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::path::Path;

/// A grouped bar chart: groups along x, one bar per series in each group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BarChart {
    /// The caption above the chart.
    pub title: String,
    /// The x axis description (may be empty).
    #[serde(default)]
    pub x_label: String,
    /// The y axis description, with the unit, e.g. `cycles per wake-up`.
    pub y_label: String,
    /// The group names, left to right.
    pub groups: Vec<String>,
    /// The series: one bar per group each, drawn in this order within a group.
    pub series: Vec<BarSeries>,
    /// Decimals of the value labels; `None` chooses per value (3 significant digits, k/M/G
    /// suffixes from a million).
    #[serde(default)]
    pub label_decimals: Option<usize>,
    /// Whether to print the value above each bar.
    #[serde(default = "yes")]
    pub value_labels: bool,
    /// Width and height in pixels; at least [`super::MIN_SIZE`].
    #[serde(default = "default_size")]
    pub size: (u32, u32),
}

fn yes() -> bool {
    true
}

/// One series of a [`BarChart`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BarSeries {
    /// The legend entry.
    pub label: String,
    /// One value per group; NaN means no bar (no data for that group).
    pub values: Vec<f64>,
    /// Optional whiskers, one per group (e.g. p50..p99); `None` or a NaN bound means none
    /// for that bar.
    #[serde(default)]
    pub whiskers: Option<Vec<Whisker>>,
}

/// An error whisker from `low` to `high`, in data units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Whisker {
    /// The lower end.
    pub low: f64,
    /// The upper end.
    pub high: f64,
}

/// Bars take this share of a group; series side by side.
const GROUP_FILL: f64 = 0.8;
/// The gap on either side of a group's bars: (1 - [`GROUP_FILL`]) / 2, written out because
/// the computed value differs in the last bit, and with it pixels of the committed figures.
const GROUP_GAP: f64 = 0.1;
/// What error messages call the parts of a bar chart.
const NOUNS: Nouns = Nouns {
    row: ["series", "series"],
    column: ["group", "groups"],
};
/// Room under the plot when there is no x description (only the group names).
const X_NAMES_AREA: u32 = 36;

impl BarChart {
    /// A chart with no series yet.
    pub fn new(title: impl Into<String>, y_label: impl Into<String>, groups: Vec<String>) -> Self {
        BarChart {
            title: title.into(),
            x_label: String::new(),
            y_label: y_label.into(),
            groups,
            series: Vec::new(),
            label_decimals: None,
            value_labels: true,
            size: DEFAULT_SIZE,
        }
    }

    /// A chart from `(group, [(series, value)])` pairs, the shape results are usually in:
    /// series are ordered by first appearance, and a series missing from a group has no bar
    /// there.
    pub fn from_groups(
        title: impl Into<String>,
        y_label: impl Into<String>,
        groups: Vec<(String, Vec<(String, f64)>)>,
    ) -> Self {
        let mut labels: Vec<String> = Vec::new();
        for (_, bars) in &groups {
            for (label, _) in bars {
                if !labels.contains(label) {
                    labels.push(label.clone());
                }
            }
        }
        let mut chart = BarChart::new(
            title,
            y_label,
            groups.iter().map(|(g, _)| g.clone()).collect(),
        );
        for label in labels {
            let values = groups
                .iter()
                .map(|(_, bars)| {
                    bars.iter()
                        .find(|(l, _)| *l == label)
                        .map_or(f64::NAN, |b| b.1)
                })
                .collect();
            chart = chart.series(label, values);
        }
        chart
    }

    /// Adds a series without whiskers.
    pub fn series(mut self, label: impl Into<String>, values: Vec<f64>) -> Self {
        self.series.push(BarSeries {
            label: label.into(),
            values,
            whiskers: None,
        });
        self
    }

    /// Adds a series with a whisker per bar.
    pub fn series_with_whiskers(
        mut self,
        label: impl Into<String>,
        values: Vec<f64>,
        whiskers: Vec<Whisker>,
    ) -> Self {
        self.series.push(BarSeries {
            label: label.into(),
            values,
            whiskers: Some(whiskers),
        });
        self
    }

    /// Draws the chart and returns the SVG text.
    pub fn to_svg(&self) -> Result<String, FigureError> {
        super::to_svg(self)
    }

    /// Draws the chart into an SVG file, atomically.
    pub fn write_svg(&self, path: impl AsRef<Path>) -> Result<(), FigureError> {
        super::write_svg(self, path.as_ref())
    }

    /// The whisker of bar `g` of series `s`, if it has one.
    fn whisker(s: &BarSeries, g: usize) -> Option<Whisker> {
        s.whiskers
            .as_ref()
            .map(|w| w[g])
            .filter(|w| w.low.is_finite() && w.high.is_finite())
    }

    /// The y range: the bars (from 0) and whiskers, with headroom for the value labels.
    fn y_range(&self) -> Range<f64> {
        let mut lo = 0f64;
        let mut hi = 0f64;
        for s in &self.series {
            for (g, &v) in s.values.iter().enumerate() {
                if v.is_finite() {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
                if let Some(w) = Self::whisker(s, g) {
                    lo = lo.min(w.low);
                    hi = hi.max(w.high);
                }
            }
        }
        if hi == lo {
            hi = lo + 1.0;
        }
        let pad = HEADROOM * (hi - lo);
        (if lo < 0.0 { lo - pad } else { lo })..hi + pad
    }
}

impl Chart for BarChart {
    fn title_and_size(&self) -> (&str, (u32, u32)) {
        (&self.title, self.size)
    }

    fn check(&self) -> Result<(), FigureError> {
        let check = Check::new(&self.title);
        let rows = self
            .series
            .iter()
            .map(|s| (&*s.label, &*s.values))
            .collect();
        let table = Table::new(&NOUNS, &self.groups, rows);
        check.table(&table)?;
        for (s, w) in self
            .series
            .iter()
            .filter_map(|s| Some((s, s.whiskers.as_ref()?)))
        {
            check.one_per_column(&table, &s.label, "whiskers", w.len())?;
            if let Some(w) = w
                .iter()
                .find(|w| w.low.is_infinite() || w.high.is_infinite() || w.low > w.high)
            {
                return Err(check.fail(format!(
                    "series \"{}\" has the whisker {}..{}",
                    s.label, w.low, w.high
                )));
            }
        }
        Ok(())
    }

    fn draw(&self, root: &Area<'_>) -> Result<(), FigureError> {
        let legend: Vec<_> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| (s.label.as_str(), Swatch::Fill(Fill::solid(series_color(i)))))
            .collect();
        let plot = frame(root, &self.title, &legend)?;
        let n = self.groups.len();
        let k = self.series.len();

        let mut chart = ChartBuilder::on(&plot)
            .margin(MARGIN)
            .x_label_area_size(if self.x_label.is_empty() {
                X_NAMES_AREA
            } else {
                X_LABEL_AREA
            })
            .y_label_area_size(Y_LABEL_AREA)
            .build_cartesian_2d(GroupAxis(n), self.y_range())
            .map_err(draw_err)?;

        let group_name = |x: &f64| {
            let g = x.floor();
            if g >= 0.0 {
                self.groups.get(g as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let y_fmt = |y: &f64| format_tick(*y);
        let mut mesh = chart.configure_mesh();
        mesh.disable_x_mesh()
            .x_label_formatter(&group_name)
            .y_label_formatter(&y_fmt)
            .y_desc(self.y_label.as_str());
        style_axes(&mut mesh);
        if !self.x_label.is_empty() {
            mesh.x_desc(self.x_label.as_str());
        }
        mesh.draw().map_err(draw_err)?;

        let width = GROUP_FILL / k as f64;
        let bar_x = |g: usize, s: usize| g as f64 + GROUP_GAP + s as f64 * width;
        for (si, s) in self.series.iter().enumerate() {
            let color = series_color(si);
            let bars = s
                .values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite())
                .map(|(g, &v)| {
                    let x0 = bar_x(g, si);
                    Rectangle::new([(x0, 0.0), (x0 + width, v)], color.filled())
                });
            chart.draw_series(bars).map_err(draw_err)?;
        }

        // Whiskers: a vertical line with caps a third of the bar wide.
        let whisker_style = ShapeStyle::from(&WHISKER_COLOR).stroke_width(1);
        for (si, s) in self.series.iter().enumerate() {
            for g in 0..n {
                let Some(w) = Self::whisker(s, g) else {
                    continue;
                };
                let xc = bar_x(g, si) + width / 2.0;
                let cap = width / 6.0;
                let lines = [
                    vec![(xc, w.low), (xc, w.high)],
                    vec![(xc - cap, w.low), (xc + cap, w.low)],
                    vec![(xc - cap, w.high), (xc + cap, w.high)],
                ];
                chart
                    .draw_series(
                        lines
                            .into_iter()
                            .map(|l| PathElement::new(l, whisker_style)),
                    )
                    .map_err(draw_err)?;
            }
        }

        if self.value_labels {
            let font = (FONT, VALUE_FONT).into_font();
            let above = TextStyle::from(font.clone()).pos(Pos::new(HPos::Center, VPos::Bottom));
            let below = TextStyle::from(font).pos(Pos::new(HPos::Center, VPos::Top));
            for (si, s) in self.series.iter().enumerate() {
                for (g, &v) in s.values.iter().enumerate().filter(|(_, v)| v.is_finite()) {
                    let xc = bar_x(g, si) + width / 2.0;
                    let text = format_value(v, self.label_decimals);
                    let label = if v >= 0.0 {
                        let top = Self::whisker(s, g).map_or(v, |w| w.high.max(v));
                        Text::new(text, (xc, top), above.clone())
                    } else {
                        let bottom = Self::whisker(s, g).map_or(v, |w| w.low.min(v));
                        Text::new(text, (xc, bottom), below.clone())
                    };
                    chart
                        .draw_series(std::iter::once(label))
                        .map_err(draw_err)?;
                }
            }
        }
        Ok(())
    }
}

/// The x axis of a bar chart: group `g` spans `g..g + 1`, with its tick (and name) at the
/// centre. plotters' `with_key_points` would do, but it loses the value formatter of `f64`.
struct GroupAxis(usize);

impl Ranged for GroupAxis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let frac = value / self.0 as f64;
        limit.0 + (frac * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        (0..self.0).map(|g| g as f64 + 0.5).collect()
    }

    fn range(&self) -> Range<f64> {
        0.0..self.0 as f64
    }
}

impl ValueFormatter<f64> for GroupAxis {
    fn format(value: &f64) -> String {
        format!("{value}")
    }
}
