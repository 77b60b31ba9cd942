//! SVG figures: the chart kinds the experiments draw, and what they share.
//!
//! The experiments turn `results/<experiment>.json` into charts: [`BarChart`] to compare
//! mechanisms (one bar per mechanism, grouped by app or core count, with p50..p99 whiskers),
//! [`LineChart`] for sweeps (latency against a parameter, optionally on log scales) and
//! [`StackedBarChart`] for where the cycles of one operation go.
//!
//! Why SVG only, drawn with plotters and no font crate: SVG is text, so figures diff in git
//! and render anywhere, and the build needs no system fonts (plotters' SVG backend writes
//! `<text>` elements and leaves the glyphs to the viewer; layout uses a width estimate).
//!
//! Why the chart descriptions are plain data (serde both ways): an experiment builds one from
//! its results and can store it next to the SVG, so a figure can be redrawn or checked
//! without rerunning anything.
//!
//! How the module is cut: one file per chart kind ([`bar`], [`line`], [`stacked_bars`]), and
//! everything the kinds share in one place each: [`style`] (sizes, palette, fonts, the axes'
//! look), [`fill`] (solid and hatched fills), [`layout`] (background, title, legend column),
//! [`labels`] (category labels wrapped to their slots), [`validate`] (the checks every chart's
//! data goes through), [`format`] (value and tick labels) and [`FigureError`]. A chart kind
//! implements [`Chart`] (check its data, then draw on the whole figure); [`to_svg`] and
//! [`write_svg`] do the rest (the size check, the SVG backend, the atomic write), so a new
//! kind, a CDF or a latency-against-load curve, is one new file that checks and draws.
//!
//! Files are written atomically ([`write_atomic`]: a temporary file in the same directory,
//! then a rename), so an interrupted run never leaves a half-written figure that looks whole.

pub mod bar;
mod error;
pub mod fill;
pub mod format;
pub mod labels;
pub mod layout;
pub mod line;
pub mod stacked_bars;
pub mod style;
pub mod validate;

pub use bar::{BarChart, BarSeries, Whisker};
pub use error::FigureError;
pub use format::format_value;
pub use line::{LineChart, LineSeries};
pub use stacked_bars::{Segment, StackedBarChart};
pub use style::{DEFAULT_SIZE, MIN_SIZE, PALETTE, WHISKER_COLOR, series_color_hex};

use layout::Area;
use plotters::prelude::*;
use std::path::Path;

/// A kind of chart: its data checked, then drawn onto the whole figure. Each kind's
/// `to_svg` and `write_svg` are [`to_svg`] and [`write_svg`].
pub trait Chart {
    /// The caption above the chart (also what errors name the chart by), and the width and
    /// height in pixels.
    fn title_and_size(&self) -> (&str, (u32, u32));

    /// Checks the data beyond what every chart is checked for (the size): an error here
    /// means nothing is drawn.
    fn check(&self) -> Result<(), FigureError>;

    /// Draws the checked chart onto `root`, the whole figure.
    fn draw(&self, root: &Area<'_>) -> Result<(), FigureError>;
}

/// Checks `chart`, draws it and returns the SVG text.
pub fn to_svg(chart: &impl Chart) -> Result<String, FigureError> {
    let (title, size) = chart.title_and_size();
    validate::Check::new(title).size(size)?;
    chart.check()?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        chart.draw(&root)?;
        root.present().map_err(error::draw_err)?;
    }
    Ok(svg)
}

/// Draws `chart` into an SVG file, atomically; nothing is written on error.
pub fn write_svg(chart: &impl Chart, path: &Path) -> Result<(), FigureError> {
    write_atomic(path, to_svg(chart)?.as_bytes())
}

/// Writes `contents` to `path` atomically: into a temporary file in the same directory
/// (created if missing), flushed to disk, then renamed over `path`. Readers see the old file
/// or the new one, never a part.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), FigureError> {
    crate::atomic_file::write(path, contents)
        .map_err(|(path, source)| FigureError::Io { path, source })
}
