//! SVG figures: a grouped bar chart and a line chart.
//!
//! The experiments turn `results/<experiment>.json` into these two kinds of figure: bars to
//! compare mechanisms (one bar per mechanism, grouped by app or core count, with p50..p99
//! whiskers), lines for sweeps (latency against load, optionally on a log scale).
//!
//! Why SVG only, drawn with plotters and no font crate: SVG is text, so figures diff in git
//! and render anywhere, and the build needs no system fonts (plotters' SVG backend writes
//! `<text>` elements and leaves the glyphs to the viewer; layout uses a width estimate).
//!
//! Why the chart descriptions are plain data ([`BarChart`], [`LineChart`], serde both ways):
//! an experiment builds one from its results and can store it next to the SVG, so a figure
//! can be redrawn or checked without rerunning anything.
//!
//! Files are written atomically ([`write_atomic`]: a temporary file in the same directory,
//! then a rename), so an interrupted run never leaves a half-written figure that looks whole.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, KeyPointHint, NoDefaultFormatting, ValueFormatter};
use plotters::prelude::*;
use plotters::series::LineSeries as PlotLine;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Default figure size in pixels.
pub const DEFAULT_SIZE: (u32, u32) = (900, 540);

/// Series colours: the Okabe–Ito palette, distinguishable with the common colour-vision
/// deficiencies and in grey-scale print.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
];

/// The colour of whiskers: near-black, distinct from the axes.
pub const WHISKER_COLOR: RGBColor = RGBColor(40, 40, 40);

/// The colour of series `i`, as `#rrggbb` (what the SVG contains).
pub fn series_color_hex(i: usize) -> String {
    let RGBColor(r, g, b) = PALETTE[i % PALETTE.len()];
    format!("#{r:02X}{g:02X}{b:02X}")
}

fn default_size() -> (u32, u32) {
    DEFAULT_SIZE
}

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
    /// Width and height in pixels.
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

/// A line chart: several series of (x, y) points, each drawn as a line with a marker per
/// point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineChart {
    /// The caption above the chart.
    pub title: String,
    /// The x axis description.
    pub x_label: String,
    /// The y axis description.
    pub y_label: String,
    /// The series.
    pub series: Vec<LineSeries>,
    /// Logarithmic x axis (all x must be > 0).
    #[serde(default)]
    pub log_x: bool,
    /// Logarithmic y axis (all y must be > 0).
    #[serde(default)]
    pub log_y: bool,
    /// Width and height in pixels.
    #[serde(default = "default_size")]
    pub size: (u32, u32),
}

/// One series of a [`LineChart`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineSeries {
    /// The legend entry.
    pub label: String,
    /// The points, joined in this order (sort them by x for a sweep).
    pub points: Vec<(f64, f64)>,
}

/// Why a figure could not be drawn or written.
#[derive(Debug)]
#[non_exhaustive]
pub enum FigureError {
    /// The chart description is inconsistent or has values that cannot be drawn.
    InvalidData {
        /// The chart title.
        chart: String,
        /// What is wrong.
        reason: String,
    },
    /// plotters failed to draw.
    Draw(String),
    /// The file could not be written.
    Io {
        /// The file (or its temporary sibling).
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

impl fmt::Display for FigureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FigureError::InvalidData { chart, reason } => {
                write!(f, "cannot draw figure \"{chart}\": {reason}")
            }
            FigureError::Draw(e) => write!(f, "drawing the figure failed: {e}"),
            FigureError::Io { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for FigureError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FigureError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn draw_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> FigureError {
    FigureError::Draw(e.to_string())
}

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

    fn invalid(&self, reason: String) -> FigureError {
        FigureError::InvalidData {
            chart: self.title.clone(),
            reason,
        }
    }

    fn check(&self) -> Result<(), FigureError> {
        if self.groups.is_empty() {
            return Err(self.invalid("no groups".into()));
        }
        if self.series.is_empty() {
            return Err(self.invalid("no series".into()));
        }
        for s in &self.series {
            if s.values.len() != self.groups.len() {
                return Err(self.invalid(format!(
                    "series \"{}\" has {} values for {} groups",
                    s.label,
                    s.values.len(),
                    self.groups.len()
                )));
            }
            if let Some(v) = s.values.iter().find(|v| v.is_infinite()) {
                return Err(self.invalid(format!("series \"{}\" has the value {v}", s.label)));
            }
            if let Some(w) = &s.whiskers {
                if w.len() != self.groups.len() {
                    return Err(self.invalid(format!(
                        "series \"{}\" has {} whiskers for {} groups",
                        s.label,
                        w.len(),
                        self.groups.len()
                    )));
                }
                if let Some(w) = w
                    .iter()
                    .find(|w| w.low.is_infinite() || w.high.is_infinite() || w.low > w.high)
                {
                    return Err(self.invalid(format!(
                        "series \"{}\" has the whisker {}..{}",
                        s.label, w.low, w.high
                    )));
                }
            }
        }
        Ok(())
    }

    /// The whisker of bar `g` of series `s`, if it has one.
    fn whisker(s: &BarSeries, g: usize) -> Option<Whisker> {
        s.whiskers
            .as_ref()
            .map(|w| w[g])
            .filter(|w| w.low.is_finite() && w.high.is_finite())
    }

    /// Draws the chart and returns the SVG text.
    pub fn to_svg(&self) -> Result<String, FigureError> {
        self.check()?;
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, self.size).into_drawing_area();
            self.draw(&root)?;
            root.present().map_err(draw_err)?;
        }
        Ok(svg)
    }

    /// Draws the chart into an SVG file, atomically.
    pub fn write_svg(&self, path: impl AsRef<Path>) -> Result<(), FigureError> {
        write_atomic(path.as_ref(), self.to_svg()?.as_bytes())
    }

    fn draw(&self, root: &Area<'_>) -> Result<(), FigureError> {
        let legend: Vec<(&str, RGBColor)> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| (s.label.as_str(), PALETTE[i % PALETTE.len()]))
            .collect();
        let (plot, legend_area) = layout(root, &self.title, &legend)?;
        draw_legend(&legend_area, &legend, Swatch::Box)?;
        let n = self.groups.len();
        let k = self.series.len();

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
        // Headroom for the value labels.
        let pad = 0.12 * (hi - lo);
        let y_range = if lo < 0.0 { lo - pad } else { lo }..hi + pad;

        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(if self.x_label.is_empty() { 36 } else { 56 })
            .y_label_area_size(78)
            .build_cartesian_2d(GroupAxis(n), y_range)
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
            .y_desc(self.y_label.as_str())
            .axis_desc_style(("sans-serif", 15))
            .label_style(("sans-serif", 13))
            .light_line_style(RGBColor(246, 246, 246));
        if !self.x_label.is_empty() {
            mesh.x_desc(self.x_label.as_str());
        }
        mesh.draw().map_err(draw_err)?;

        // Bars take 80% of a group; series side by side.
        let width = 0.8 / k as f64;
        let bar_x = |g: usize, s: usize| g as f64 + 0.1 + s as f64 * width;
        for (si, s) in self.series.iter().enumerate() {
            let color = PALETTE[si % PALETTE.len()];
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
            let font = ("sans-serif", 12).into_font();
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

impl LineChart {
    /// A chart with no series yet, linear axes.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Self {
        LineChart {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            series: Vec::new(),
            log_x: false,
            log_y: false,
            size: DEFAULT_SIZE,
        }
    }

    /// Adds a series.
    pub fn series(mut self, label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        self.series.push(LineSeries {
            label: label.into(),
            points,
        });
        self
    }

    /// Sets a logarithmic y axis.
    pub fn log_y(mut self, log: bool) -> Self {
        self.log_y = log;
        self
    }

    /// Sets a logarithmic x axis.
    pub fn log_x(mut self, log: bool) -> Self {
        self.log_x = log;
        self
    }

    fn invalid(&self, reason: String) -> FigureError {
        FigureError::InvalidData {
            chart: self.title.clone(),
            reason,
        }
    }

    /// The x and y ranges of the data, checked against the axis kinds.
    fn ranges(&self) -> Result<(Span, Span), FigureError> {
        if self.series.iter().all(|s| s.points.is_empty()) {
            return Err(self.invalid("no points".into()));
        }
        let (mut x0, mut x1, mut y0, mut y1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for s in &self.series {
            for &(x, y) in &s.points {
                if !x.is_finite() || !y.is_finite() {
                    return Err(
                        self.invalid(format!("series \"{}\" has the point ({x}, {y})", s.label))
                    );
                }
                if self.log_x && x <= 0.0 {
                    return Err(self.invalid(format!(
                        "series \"{}\" has x = {x} on a logarithmic x axis",
                        s.label
                    )));
                }
                if self.log_y && y <= 0.0 {
                    return Err(self.invalid(format!(
                        "series \"{}\" has y = {y} on a logarithmic y axis",
                        s.label
                    )));
                }
                (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
            }
        }
        Ok((
            axis_range(x0, x1, self.log_x, false),
            axis_range(y0, y1, self.log_y, true),
        ))
    }

    /// Draws the chart and returns the SVG text.
    pub fn to_svg(&self) -> Result<String, FigureError> {
        let ((x0, x1), (y0, y1)) = self.ranges()?;
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, self.size).into_drawing_area();
            let legend: Vec<(&str, RGBColor)> = self
                .series
                .iter()
                .enumerate()
                .map(|(i, s)| (s.label.as_str(), PALETTE[i % PALETTE.len()]))
                .collect();
            let (plot, legend_area) = layout(&root, &self.title, &legend)?;
            draw_legend(&legend_area, &legend, Swatch::Line)?;
            match (self.log_x, self.log_y) {
                (false, false) => self.draw(&plot, x0..x1, y0..y1)?,
                (false, true) => self.draw(&plot, x0..x1, (y0..y1).log_scale())?,
                (true, false) => self.draw(&plot, (x0..x1).log_scale(), y0..y1)?,
                (true, true) => self.draw(&plot, (x0..x1).log_scale(), (y0..y1).log_scale())?,
            }
            root.present().map_err(draw_err)?;
        }
        Ok(svg)
    }

    /// Draws the chart into an SVG file, atomically.
    pub fn write_svg(&self, path: impl AsRef<Path>) -> Result<(), FigureError> {
        write_atomic(path.as_ref(), self.to_svg()?.as_bytes())
    }

    fn draw<X, Y>(&self, root: &Area<'_>, x: X, y: Y) -> Result<(), FigureError>
    where
        X: AsRangedCoord<Value = f64>,
        Y: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(56)
            .y_label_area_size(78)
            .build_cartesian_2d(x, y)
            .map_err(draw_err)?;
        let fmt = |v: &f64| format_tick(*v);
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&fmt)
            .y_label_formatter(&fmt)
            .axis_desc_style(("sans-serif", 15))
            .label_style(("sans-serif", 13))
            .light_line_style(RGBColor(246, 246, 246))
            .draw()
            .map_err(draw_err)?;

        for (si, s) in self.series.iter().enumerate() {
            let color = PALETTE[si % PALETTE.len()];
            chart
                .draw_series(PlotLine::new(
                    s.points.iter().copied(),
                    color.stroke_width(2),
                ))
                .map_err(draw_err)?;
            chart
                .draw_series(s.points.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(draw_err)?;
        }
        Ok(())
    }
}

/// An SVG drawing area.
type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// An axis range, low to high.
type Span = (f64, f64);

/// Fills the background, draws the title across the top and splits the rest into the plot
/// (left) and a legend column (right) wide enough for the longest label. A legend beside the
/// plot never hides a bar or a point, whatever the data.
pub(crate) fn layout<'a>(
    root: &Area<'a>,
    title: &str,
    legend: &[(&str, RGBColor)],
) -> Result<(Area<'a>, Area<'a>), FigureError> {
    root.fill(&WHITE).map_err(draw_err)?;
    let body = root.titled(title, ("sans-serif", 22)).map_err(draw_err)?;
    let width = body.dim_in_pixel().0;
    let longest = legend
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0) as u32;
    // About 7 px per character at 13 px, plus the swatch and margins.
    let legend_width = (longest * 7 + 44).clamp(80, width / 3);
    Ok(body.split_horizontally(width - legend_width))
}

/// How a legend entry shows its series.
#[derive(Clone, Copy)]
enum Swatch {
    /// A filled square (bars).
    Box,
    /// A short line (lines; no marker, so markers count the points).
    Line,
}

fn draw_legend(
    area: &Area<'_>,
    entries: &[(&str, RGBColor)],
    swatch: Swatch,
) -> Result<(), FigureError> {
    let style =
        TextStyle::from(("sans-serif", 13).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, &(label, color)) in entries.iter().enumerate() {
        let y = 30 + 22 * i as i32;
        match swatch {
            Swatch::Box => area.draw(&Rectangle::new([(4, y - 6), (18, y + 6)], color.filled())),
            Swatch::Line => area.draw(&PathElement::new(
                vec![(2, y), (20, y)],
                color.stroke_width(2),
            )),
        }
        .map_err(draw_err)?;
        area.draw(&Text::new(label, (26, y), style.clone()))
            .map_err(draw_err)?;
    }
    Ok(())
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

/// An axis range that shows `lo..=hi` with a margin: 5% on a linear axis, out to the
/// enclosing powers of ten on a log axis. A linear y axis starts at 0 when all data are
/// positive, so bar heights and line levels compare honestly.
fn axis_range(lo: f64, hi: f64, log: bool, y: bool) -> (f64, f64) {
    if log {
        let a = 10f64.powf(lo.log10().floor());
        let mut b = 10f64.powf(hi.log10().ceil());
        if b <= a {
            b = a * 10.0;
        }
        return (a, b);
    }
    let mut lo = lo;
    if y && lo > 0.0 {
        lo = 0.0;
    }
    if hi == lo {
        let d = if hi == 0.0 { 1.0 } else { hi.abs() * 0.5 };
        return (lo - d, hi + d);
    }
    let pad = 0.05 * (hi - lo);
    (if y && lo == 0.0 { 0.0 } else { lo - pad }, hi + pad)
}

/// A value label: `decimals` if given, else 3 significant digits (whole numbers below a
/// million exactly), with k/M/G/T suffixes from a million.
pub fn format_value(v: f64, decimals: Option<usize>) -> String {
    if let Some(d) = decimals {
        return format!("{v:.d$}");
    }
    let a = v.abs();
    if a >= 1e6 {
        let (div, suffix) = [(1e12, "T"), (1e9, "G"), (1e6, "M")]
            .into_iter()
            .find(|(d, _)| a >= *d)
            .expect("a >= 1e6");
        return format!("{}{suffix}", sig3(v / div));
    }
    if v.fract() == 0.0 || a >= 100.0 {
        return format!("{v:.0}");
    }
    sig3(v)
}

/// Three significant digits without exponent.
fn sig3(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        return "0".into();
    }
    let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
    format!("{v:.decimals$}")
}

/// An axis tick: the shortest form at up to 6 significant digits (0.25, 1.5, 1000), with
/// k/M/G/T suffixes from ten thousand (20k, 2.5M), so that ticks stay short and alike.
pub(crate) fn format_tick(v: f64) -> String {
    fn trimmed(v: f64) -> String {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
    let a = v.abs();
    if a == 0.0 {
        return "0".into();
    }
    if a < 1e-3 {
        return format!("{v:.0e}");
    }
    for (from, div, suffix) in [
        (1e12, 1e12, "T"),
        (1e9, 1e9, "G"),
        (1e6, 1e6, "M"),
        (1e4, 1e3, "k"),
    ] {
        if a >= from {
            // Round to 3 decimals of the unit first, so 2.4999999M reads 2.5M.
            return format!("{}{suffix}", trimmed((v / div * 1e3).round() / 1e3));
        }
    }
    trimmed(v)
}

/// Writes `contents` to `path` atomically: into a temporary file in the same directory
/// (created if missing), flushed to disk, then renamed over `path`. Readers see the old file
/// or the new one, never a part.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), FigureError> {
    crate::atomic_file::write(path, contents)
        .map_err(|(path, source)| FigureError::Io { path, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_labels() {
        assert_eq!(format_value(42.0, None), "42");
        assert_eq!(format_value(123456.0, None), "123456");
        assert_eq!(format_value(1234567.0, None), "1.23M");
        assert_eq!(format_value(25_000_000_000.0, None), "25.0G");
        assert_eq!(format_value(4.56789, None), "4.57");
        assert_eq!(format_value(0.012345, None), "0.0123");
        assert_eq!(format_value(-12.345, None), "-12.3");
        assert_eq!(format_value(1.5, Some(3)), "1.500");
    }

    #[test]
    fn ticks() {
        assert_eq!(format_tick(0.25), "0.25");
        assert_eq!(format_tick(1000.0), "1000");
        assert_eq!(format_tick(0.0), "0");
        assert_eq!(format_tick(2e6), "2M");
        assert_eq!(format_tick(2.5e6), "2.5M");
        assert_eq!(format_tick(500_000.0), "500k");
        assert_eq!(format_tick(5000.0), "5000");
        assert_eq!(format_tick(-20_000.0), "-20k");
        assert_eq!(format_tick(0.0001), "1e-4");
    }

    #[test]
    fn ranges() {
        assert_eq!(axis_range(3.0, 470.0, true, true), (1.0, 1000.0));
        assert_eq!(axis_range(100.0, 100.0, true, true), (100.0, 1000.0));
        assert_eq!(axis_range(10.0, 20.0, false, true), (0.0, 21.0));
        let (a, b) = axis_range(1.0, 5.0, false, false);
        assert!((a - 0.8).abs() < 1e-12 && (b - 5.2).abs() < 1e-12);
    }
}
