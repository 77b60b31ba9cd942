//! Stacked bar charts: where the cycles of one operation go.
//!
//! Each bar is one configuration (e.g. `o3 irq idle`) and is made of segments stacked bottom
//! up, one per stage (`exception entry`, `context save`, `GIC ack`, ...), so the bar's height
//! is the whole cost and the segments show how it divides.

use super::error::draw_err;
use super::fill::{Fill, text_color};
use super::format::{format_tick, format_value};
use super::labels::fit_labels;
use super::layout::{Area, Swatch, frame};
use super::style::{
    DEFAULT_SIZE, FONT, HEADROOM, LABEL_FONT, MARGIN, VALUE_FONT, Y_LABEL_AREA, default_size,
    style_axes, text_width,
};
use super::validate::{Check, Nouns, Table};
use super::{Chart, FigureError};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::{Deserialize, Deserializer, Serialize};
use std::path::Path;

/// A stacked bar chart: one bar per configuration, one stacked segment per stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackedBarChart {
    /// The caption above the chart.
    pub title: String,
    /// The y axis description, with the unit, e.g. `cycles per wake-up`.
    pub y_label: String,
    /// The bar names, left to right.
    pub bars: Vec<String>,
    /// The segments, stacked bottom up in this order.
    pub segments: Vec<Segment>,
    /// Width and height in pixels; at least [`super::MIN_SIZE`].
    #[serde(default = "default_size")]
    pub size: (u32, u32),
}

/// One stage of a [`StackedBarChart`]: the same colour (and fill) in every bar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// The legend entry.
    pub label: String,
    /// One value per bar; NaN or 0 means that bar has no such segment. JSON has no NaN:
    /// serde_json writes it as `null`, so `null` reads back as NaN.
    #[serde(deserialize_with = "null_as_nan")]
    pub values: Vec<f64>,
}

fn null_as_nan<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    let values = Vec::<Option<f64>>::deserialize(d)?;
    Ok(values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

/// The share of a bar's slot that the bar fills: the gaps keep neighbouring stacks apart.
const BAR_WIDTH: f64 = 0.6;
/// What error messages call the parts of a stacked bar chart.
const NOUNS: Nouns = Nouns {
    row: ["segment", "segments"],
    column: ["bar", "bars"],
};
/// The bar totals, in bold above the bars.
const TOTAL_FONT: u32 = LABEL_FONT;

impl StackedBarChart {
    /// A chart with no segments yet.
    pub fn new(title: impl Into<String>, y_label: impl Into<String>, bars: Vec<String>) -> Self {
        StackedBarChart {
            title: title.into(),
            y_label: y_label.into(),
            bars,
            segments: Vec::new(),
            size: DEFAULT_SIZE,
        }
    }

    /// Adds a segment on top of those already added.
    pub fn segment(mut self, label: impl Into<String>, values: Vec<f64>) -> Self {
        self.segments.push(Segment {
            label: label.into(),
            values,
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

    /// The value of segment `s` in bar `b`, if that bar has the segment.
    fn value(&self, s: usize, b: usize) -> Option<f64> {
        Some(self.segments[s].values[b]).filter(|v| v.is_finite() && *v > 0.0)
    }

    /// The height of bar `b`: the sum of its segments.
    fn total(&self, b: usize) -> f64 {
        (0..self.segments.len())
            .filter_map(|s| self.value(s, b))
            .sum()
    }
}

impl Chart for StackedBarChart {
    fn title_and_size(&self) -> (&str, (u32, u32)) {
        (&self.title, self.size)
    }

    fn check(&self) -> Result<(), FigureError> {
        // A negative stage cost would have to be drawn downwards through the segments below
        // it: there is no honest way to stack it.
        let rows = self
            .segments
            .iter()
            .map(|s| (&*s.label, &*s.values))
            .collect();
        Check::new(&self.title).table(&Table::new(&NOUNS, &self.bars, rows).no_negatives())
    }

    fn draw(&self, root: &Area<'_>) -> Result<(), FigureError> {
        let n = self.bars.len();
        // The legend reads like the stacks do: the last segment on top.
        let legend: Vec<_> = (0..self.segments.len())
            .rev()
            .map(|s| (self.segments[s].label.as_str(), Swatch::Fill(Fill::of(s))))
            .collect();
        let plot = frame(root, &self.title, &legend)?;

        // The bar labels decide how tall the area under the axis is, so they are laid out
        // first, against the width the plot will have.
        let plot_width = f64::from(
            plot.dim_in_pixel()
                .0
                .saturating_sub(2 * MARGIN + Y_LABEL_AREA),
        );
        let labels = fit_labels(&self.bars, plot_width / n as f64);
        let line_height = labels.font + 3;
        let label_area = 10 + line_height * labels.max_lines() as u32;

        let top = (0..n).map(|b| self.total(b)).fold(0.0, f64::max);
        let y_max = if top > 0.0 {
            top * (1.0 + HEADROOM)
        } else {
            1.0
        };
        let mut chart = ChartBuilder::on(&plot)
            .margin(MARGIN)
            .x_label_area_size(label_area)
            .y_label_area_size(Y_LABEL_AREA)
            .build_cartesian_2d(0.0..n as f64, 0.0..y_max)
            .map_err(draw_err)?;
        let y_fmt = |y: &f64| format_tick(*y);
        let mut mesh = chart.configure_mesh();
        mesh.disable_x_mesh()
            // The bar names are drawn below by hand (wrapped), not as axis ticks.
            .x_labels(0)
            .y_label_formatter(&y_fmt)
            .y_desc(self.y_label.as_str());
        style_axes(&mut mesh);
        mesh.draw().map_err(draw_err)?;

        // Everything below is drawn on the root in pixels, mapped through the chart, so that
        // stacked segments share their boundary pixel (no gaps, no overlaps) and hatching
        // and text can be placed exactly.
        let px = |x: f64, y: f64| chart.backend_coord(&(x, y));
        let value_style = |fill: RGBColor| {
            TextStyle::from((FONT, VALUE_FONT).into_font())
                .color(text_color(fill))
                .pos(Pos::new(HPos::Center, VPos::Center))
        };
        let total_style = TextStyle::from((FONT, TOTAL_FONT).into_font().style(FontStyle::Bold))
            .pos(Pos::new(HPos::Center, VPos::Bottom));
        let label_style =
            TextStyle::from((FONT, labels.font).into_font()).pos(Pos::new(HPos::Center, VPos::Top));

        for b in 0..n {
            let x0 = b as f64 + (1.0 - BAR_WIDTH) / 2.0;
            let (left, base) = px(x0, 0.0);
            let (right, _) = px(x0 + BAR_WIDTH, 0.0);
            let centre = (left + right) / 2;
            let mut sum = 0.0;
            let mut bottom = base;
            for s in 0..self.segments.len() {
                let Some(v) = self.value(s, b) else {
                    continue;
                };
                sum += v;
                let (_, top) = px(x0, sum);
                let fill = Fill::of(s);
                fill.paint(root, (left, top, right, bottom))?;
                let text = format_value(v, None);
                let fits = bottom - top >= VALUE_FONT as i32 + 4
                    && text_width(text.chars().count(), VALUE_FONT) + 4.0
                        <= f64::from(right - left);
                if fits {
                    let at = (centre, (top + bottom) / 2);
                    root.draw(&Text::new(text, at, value_style(fill.base)))
                        .map_err(draw_err)?;
                }
                bottom = top;
            }
            root.draw(&Text::new(
                format_value(sum, None),
                (centre, bottom - 3),
                total_style.clone(),
            ))
            .map_err(draw_err)?;
            let (slot_centre, _) = px(b as f64 + 0.5, 0.0);
            for (i, line) in labels.lines[b].iter().enumerate() {
                let y = base + 8 + (line_height * i as u32) as i32;
                root.draw(&Text::new(
                    line.as_str(),
                    (slot_centre, y),
                    label_style.clone(),
                ))
                .map_err(draw_err)?;
            }
        }
        Ok(())
    }
}
