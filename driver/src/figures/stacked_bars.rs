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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::fill::lighten;
    use crate::figures::style::{PALETTE, hex, series_color_hex};

    fn bars() -> Vec<String> {
        ["o3 irq idle", "o3 irq busy", "minor irq idle"]
            .map(String::from)
            .to_vec()
    }

    fn chart() -> StackedBarChart {
        StackedBarChart::new("Where a wake-up goes", "cycles", bars())
            .segment("exception entry", vec![120.0, 130.0, 90.0])
            .segment("context save", vec![240.0, 250.0, 180.0])
            .segment("GIC ack", vec![60.0, f64::NAN, 45.0])
            .segment("handler", vec![400.0, 420.0, 0.0])
    }

    /// The `<text>` contents, unescaped.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .map(|t| {
                let start = t.find('>').unwrap() + 1;
                let end = t.find("</text>").unwrap();
                t[start..end]
                    .trim()
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&amp;", "&")
            })
            .collect()
    }

    /// `<rect>`s filled with `color` (`#RRGGBB`).
    fn rects_filled(svg: &str, color: &str) -> usize {
        let fill = format!("fill=\"{color}\"");
        svg.lines()
            .filter(|l| l.starts_with("<rect") && l.contains(&fill))
            .count()
    }

    #[test]
    fn draws_labels_totals_and_segments() {
        let svg = chart().to_svg().unwrap();
        let t = texts(&svg);
        for want in [
            "Where a wake-up goes",
            "cycles",
            "o3 irq idle",
            "o3 irq busy",
            "minor irq idle",
            "exception entry",
            "context save",
            "GIC ack",
            "handler",
            // Totals: 120+240+60+400, 130+250+420 (NaN is no segment), 90+180+45 (+0).
            "820",
            "800",
            "315",
        ] {
            assert!(t.iter().any(|x| x == want), "no text {want:?} in {t:?}");
        }
        // One rectangle per present segment, plus the legend swatch.
        for (s, present) in [3, 3, 2, 2].into_iter().enumerate() {
            assert_eq!(
                rects_filled(&svg, &series_color_hex(s)),
                present + 1,
                "segment {s}"
            );
        }
        // Values inside segments tall enough for them (the bars are ~400 px tall here).
        for want in ["240", "400", "420"] {
            assert!(t.iter().any(|x| x == want), "no value {want:?} in {t:?}");
        }
    }

    #[test]
    fn legend_reads_top_down_like_the_stack() {
        let svg = chart().to_svg().unwrap();
        let pos = |label: &str| {
            svg.find(&format!(">{label}<")).unwrap_or_else(|| {
                // plotters may put the text on its own line.
                svg.find(&format!("\n{label}\n")).unwrap()
            })
        };
        // The legend is drawn before the bars, top entry first: the last segment first.
        assert!(pos("handler") < pos("GIC ack"));
        assert!(pos("GIC ack") < pos("context save"));
        assert!(pos("context save") < pos("exception entry"));
    }

    #[test]
    fn more_segments_than_colours_are_hatched() {
        let mut c = StackedBarChart::new("many", "cycles", bars());
        for s in 0..12 {
            c = c.segment(format!("stage {s}"), vec![10.0 + s as f64; 3]);
        }
        let svg = c.to_svg().unwrap();
        let t = texts(&svg);
        for s in 0..12 {
            assert!(t.contains(&format!("stage {s}")), "stage {s}");
        }
        // Segments 8..12 are light rectangles with hatch lines in the full colour.
        assert_eq!(rects_filled(&svg, &hex(lighten(PALETTE[1]))), 3 + 1);
        assert!(svg.contains(&format!("stroke=\"{}\"", series_color_hex(1))));
    }

    #[test]
    fn every_long_label_is_drawn() {
        let names: Vec<String> = (0..12)
            .map(|i| format!("o3 irq idle with option {i}"))
            .collect();
        let mut c = StackedBarChart::new("t", "y", names.clone());
        c = c.segment("s", vec![1.0; 12]);
        let t = texts(&c.to_svg().unwrap());
        let joined = t.join(" ");
        for name in names {
            assert!(joined.contains(&name), "{name} not in {t:?}");
        }
    }

    #[test]
    fn empty_bars_and_zero_chart_draw() {
        let c = StackedBarChart::new("t", "y", vec!["a".into(), "b".into()])
            .segment("s", vec![f64::NAN, 0.0]);
        let svg = c.to_svg().unwrap();
        assert_eq!(rects_filled(&svg, &series_color_hex(0)), 1);
        assert_eq!(texts(&svg).iter().filter(|x| *x == "0").count(), 2 + 1);
    }

    #[test]
    fn invalid_charts_are_errors() {
        let cases = [
            (
                StackedBarChart::new("t", "y", vec![]).segment("s", vec![]),
                "no bars",
            ),
            (StackedBarChart::new("t", "y", bars()), "no segments"),
            (
                StackedBarChart::new("t", "y", bars()).segment("s", vec![1.0, 2.0]),
                "segment \"s\" has 2 values for 3 bars",
            ),
            (
                StackedBarChart::new("t", "y", bars()).segment("s", vec![1.0, -2.0, 3.0]),
                "segment \"s\" has the negative value -2 in bar \"o3 irq busy\"",
            ),
            (
                StackedBarChart::new("t", "y", bars()).segment("s", vec![1.0, 2.0, f64::INFINITY]),
                "segment \"s\" has the value inf in bar \"minor irq idle\"",
            ),
            (
                StackedBarChart {
                    size: (100, 100),
                    ..chart()
                },
                "size 100x100",
            ),
        ];
        for (c, want) in cases {
            let e = c.to_svg().unwrap_err();
            assert!(matches!(e, FigureError::InvalidData { .. }), "{e:?}");
            assert!(e.to_string().contains(want), "{e} does not say {want:?}");
        }
        // Nothing is written on error.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.svg");
        assert!(
            StackedBarChart::new("t", "y", bars())
                .write_svg(&path)
                .is_err()
        );
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
    }

    #[test]
    fn serde_round_trip() {
        let plain = StackedBarChart::new("t", "cycles", bars())
            .segment("a", vec![1.0, 2.0, 3.0])
            .segment("b", vec![4.0, 0.0, 6.5]);
        let json = serde_json::to_string(&plain).unwrap();
        assert_eq!(
            serde_json::from_str::<StackedBarChart>(&json).unwrap(),
            plain
        );

        // NaN goes out as null and comes back as NaN (NaN != NaN, so compare the JSON and
        // the drawing).
        let c = chart();
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.contains("null"), "{json}");
        let back: StackedBarChart = serde_json::from_str(&json).unwrap();
        assert!(back.segments[2].values[1].is_nan());
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
        assert_eq!(back.to_svg().unwrap(), c.to_svg().unwrap());

        // The size may be left out.
        let json = r#"{"title": "t", "y_label": "y", "bars": ["a"], "segments": [{"label": "s", "values": [1.0]}]}"#;
        let c: StackedBarChart = serde_json::from_str(json).unwrap();
        assert_eq!(c.size, DEFAULT_SIZE);
    }

    #[test]
    fn writes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/breakdown.svg");
        chart().write_svg(&path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert_eq!(svg, chart().to_svg().unwrap());
    }
}
