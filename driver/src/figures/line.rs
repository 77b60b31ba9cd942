//! Line charts: several series of (x, y) points, each drawn as a line with a marker per point,
//! on linear or logarithmic axes. For sweeps: a value against the swept parameter.

use super::error::draw_err;
use super::format::format_tick;
use super::layout::{Area, Swatch, frame};
use super::style::{
    DEFAULT_SIZE, MARGIN, X_LABEL_AREA, Y_LABEL_AREA, default_size, series_color, style_axes,
};
use super::validate::Check;
use super::{Chart, FigureError};
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::series::LineSeries as PlotLine;
use serde::{Deserialize, Serialize};
use std::path::Path;

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
    /// Width and height in pixels; at least [`super::MIN_SIZE`].
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

/// An axis range, low to high.
type Span = (f64, f64);

/// The radius of a point's marker, in pixels.
const MARKER_RADIUS: u32 = 3;
/// The width of the lines, in pixels.
const LINE_WIDTH: u32 = 2;

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

    /// Draws the chart and returns the SVG text.
    pub fn to_svg(&self) -> Result<String, FigureError> {
        super::to_svg(self)
    }

    /// Draws the chart into an SVG file, atomically.
    pub fn write_svg(&self, path: impl AsRef<Path>) -> Result<(), FigureError> {
        super::write_svg(self, path.as_ref())
    }

    /// The x and y ranges of the data, checked against the axis kinds.
    fn ranges(&self) -> Result<(Span, Span), FigureError> {
        let check = Check::new(&self.title);
        let points = self.series.iter().map(|s| s.points.len()).sum();
        check.not_empty("points", points)?;
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
                        check.fail(format!("series \"{}\" has the point ({x}, {y})", s.label))
                    );
                }
                for (axis, v, log) in [("x", x, self.log_x), ("y", y, self.log_y)] {
                    if log && v <= 0.0 {
                        return Err(check.fail(format!(
                            "series \"{}\" has {axis} = {v} on a logarithmic {axis} axis",
                            s.label
                        )));
                    }
                }
                (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
            }
        }
        Ok((
            axis_range(x0, x1, self.log_x, false),
            axis_range(y0, y1, self.log_y, true),
        ))
    }

    /// Draws the axes and the series on `plot`, in the axes' coordinates.
    fn draw_on<X, Y>(&self, plot: &Area<'_>, x: X, y: Y) -> Result<(), FigureError>
    where
        X: AsRangedCoord<Value = f64>,
        Y: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let mut chart = ChartBuilder::on(plot)
            .margin(MARGIN)
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(Y_LABEL_AREA)
            .build_cartesian_2d(x, y)
            .map_err(draw_err)?;
        let fmt = |v: &f64| format_tick(*v);
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&fmt)
            .y_label_formatter(&fmt);
        style_axes(&mut mesh);
        mesh.draw().map_err(draw_err)?;

        for (si, s) in self.series.iter().enumerate() {
            let color = series_color(si);
            chart
                .draw_series(PlotLine::new(
                    s.points.iter().copied(),
                    color.stroke_width(LINE_WIDTH),
                ))
                .map_err(draw_err)?;
            chart
                .draw_series(
                    s.points
                        .iter()
                        .map(|&p| Circle::new(p, MARKER_RADIUS, color.filled())),
                )
                .map_err(draw_err)?;
        }
        Ok(())
    }
}

impl Chart for LineChart {
    fn title_and_size(&self) -> (&str, (u32, u32)) {
        (&self.title, self.size)
    }

    fn check(&self) -> Result<(), FigureError> {
        self.ranges().map(|_| ())
    }

    fn draw(&self, root: &Area<'_>) -> Result<(), FigureError> {
        let ((x0, x1), (y0, y1)) = self.ranges()?;
        let legend: Vec<_> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| (s.label.as_str(), Swatch::Line(series_color(i))))
            .collect();
        let plot = frame(root, &self.title, &legend)?;
        match (self.log_x, self.log_y) {
            (false, false) => self.draw_on(&plot, x0..x1, y0..y1),
            (false, true) => self.draw_on(&plot, x0..x1, (y0..y1).log_scale()),
            (true, false) => self.draw_on(&plot, (x0..x1).log_scale(), y0..y1),
            (true, true) => self.draw_on(&plot, (x0..x1).log_scale(), (y0..y1).log_scale()),
        }
    }
}

/// An axis range that shows `lo..=hi` with a margin: 5% on a linear axis, out to the
/// enclosing powers of ten on a log axis. A linear y axis starts at 0 when all data are
/// positive, so line levels compare honestly.
fn axis_range(lo: f64, hi: f64, log: bool, y: bool) -> Span {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(axis_range(3.0, 470.0, true, true), (1.0, 1000.0));
        assert_eq!(axis_range(100.0, 100.0, true, true), (100.0, 1000.0));
        assert_eq!(axis_range(10.0, 20.0, false, true), (0.0, 21.0));
        let (a, b) = axis_range(1.0, 5.0, false, false);
        assert!((a - 0.8).abs() < 1e-12 && (b - 5.2).abs() < 1e-12);
    }
}
