//! SVG stacked bar charts: where the cycles of one operation go.
//!
//! Each bar is one configuration (e.g. `o3 irq idle`) and is made of segments stacked bottom
//! up, one per stage (`exception entry`, `context save`, `GIC ack`, ...), so the bar's height
//! is the whole cost and the segments show how it divides. The chart is drawn like the
//! figures in [`crate::figures`] (plotters' SVG backend, no fonts, the Okabe–Ito
//! [`PALETTE`], a legend column on the right, atomic writes) and is plain serde data for the
//! same reason: an experiment can store it next to the SVG and redraw it later.

use crate::figures::{DEFAULT_SIZE, FigureError, PALETTE, format_tick, format_value, layout};
use plotters::coord::Shift;
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
    /// Width and height in pixels; at least [`MIN_SIZE`].
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

/// The smallest figure the layout fits in (title, legend column, axis labels).
pub const MIN_SIZE: (u32, u32) = (320, 240);

fn default_size() -> (u32, u32) {
    DEFAULT_SIZE
}

fn null_as_nan<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    let values = Vec::<Option<f64>>::deserialize(d)?;
    Ok(values.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

/// An SVG drawing area in pixel coordinates.
type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// Pixel rectangle: left, top, right, bottom (top < bottom, as on screen).
type PixelRect = (i32, i32, i32, i32);

fn draw_err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> FigureError {
    FigureError::Draw(e.to_string())
}

// Layout constants, in pixels unless said otherwise.
const MARGIN: u32 = 12;
const Y_LABEL_AREA: u32 = 78;
/// The share of a bar's slot that the bar fills: the gaps keep neighbouring stacks apart.
const BAR_WIDTH: f64 = 0.6;
/// The y axis goes this far above the tallest bar, so that its total fits above it.
const HEADROOM: f64 = 0.12;
/// Bar label fonts, largest first: long labels are wrapped, then shrunk.
const LABEL_FONTS: [u32; 4] = [13, 12, 11, 10];
const MAX_LABEL_LINES: usize = 3;
const VALUE_FONT: u32 = 12;
const TOTAL_FONT: u32 = 13;
/// Spacing of hatch lines.
const HATCH_STEP: i32 = 7;

/// An estimate of a text's width: there are no fonts to measure with (the viewer picks the
/// glyphs), and 0.6 em per character is on the wide side for sans-serif, so text that is
/// estimated to fit does fit.
fn text_width(chars: usize, font: u32) -> f64 {
    chars as f64 * 0.6 * f64::from(font)
}

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

    fn invalid(&self, reason: String) -> FigureError {
        FigureError::InvalidData {
            chart: self.title.clone(),
            reason,
        }
    }

    fn check(&self) -> Result<(), FigureError> {
        if self.bars.is_empty() {
            return Err(self.invalid("no bars".into()));
        }
        if self.segments.is_empty() {
            return Err(self.invalid("no segments".into()));
        }
        for s in &self.segments {
            if s.values.len() != self.bars.len() {
                return Err(self.invalid(format!(
                    "segment \"{}\" has {} values for {} bars",
                    s.label,
                    s.values.len(),
                    self.bars.len()
                )));
            }
            for (bar, &v) in self.bars.iter().zip(&s.values) {
                if v.is_infinite() {
                    return Err(self.invalid(format!(
                        "segment \"{}\" has the value {v} in bar \"{bar}\"",
                        s.label
                    )));
                }
                // A negative stage cost would have to be drawn downwards through the
                // segments below it: there is no honest way to stack it.
                if v < 0.0 {
                    return Err(self.invalid(format!(
                        "segment \"{}\" has the negative value {v} in bar \"{bar}\"",
                        s.label
                    )));
                }
            }
        }
        let (w, h) = self.size;
        if w < MIN_SIZE.0 || h < MIN_SIZE.1 {
            return Err(self.invalid(format!(
                "size {w}x{h} is smaller than {}x{}",
                MIN_SIZE.0, MIN_SIZE.1
            )));
        }
        Ok(())
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
        crate::figures::write_atomic(path.as_ref(), self.to_svg()?.as_bytes())
    }

    fn draw(&self, root: &Area<'_>) -> Result<(), FigureError> {
        let n = self.bars.len();
        let legend: Vec<(&str, RGBColor)> = self
            .segments
            .iter()
            .enumerate()
            .map(|(i, s)| (s.label.as_str(), PALETTE[i % PALETTE.len()]))
            .collect();
        let (plot, legend_area) = layout(root, &self.title, &legend)?;
        self.draw_legend(root, &legend_area)?;

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
        chart
            .configure_mesh()
            .disable_x_mesh()
            // The bar names are drawn below by hand (wrapped), not as axis ticks.
            .x_labels(0)
            .y_label_formatter(&y_fmt)
            .y_desc(self.y_label.as_str())
            .axis_desc_style(("sans-serif", 15))
            .label_style(("sans-serif", 13))
            .light_line_style(RGBColor(246, 246, 246))
            .draw()
            .map_err(draw_err)?;

        // Everything below is drawn on the root in pixels, mapped through the chart, so that
        // stacked segments share their boundary pixel (no gaps, no overlaps) and hatching
        // and text can be placed exactly.
        let px = |x: f64, y: f64| chart.backend_coord(&(x, y));
        let value_style = |fill: RGBColor| {
            TextStyle::from(("sans-serif", VALUE_FONT).into_font())
                .color(text_color(fill))
                .pos(Pos::new(HPos::Center, VPos::Center))
        };
        let total_style = TextStyle::from(
            ("sans-serif", TOTAL_FONT)
                .into_font()
                .style(FontStyle::Bold),
        )
        .pos(Pos::new(HPos::Center, VPos::Bottom));
        let label_style = TextStyle::from(("sans-serif", labels.font).into_font())
            .pos(Pos::new(HPos::Center, VPos::Top));

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

    /// The legend, last segment on top so that it reads like the stacks do.
    fn draw_legend(&self, root: &Area<'_>, area: &Area<'_>) -> Result<(), FigureError> {
        let k = self.segments.len();
        let (x, y0) = area.get_base_pixel();
        // Squeeze the entries rather than run off the bottom when there are many stages.
        let room = area.dim_in_pixel().1.saturating_sub(40) as i32;
        let step = (room / k as i32).clamp(14, 22);
        let style =
            TextStyle::from(("sans-serif", 13).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        for (i, s) in (0..k).rev().enumerate() {
            let y = y0 + 30 + step * i as i32;
            Fill::of(s).paint(root, (x + 4, y - 6, x + 18, y + 6))?;
            let label = self.segments[s].label.as_str();
            root.draw(&Text::new(label, (x + 26, y), style.clone()))
                .map_err(draw_err)?;
        }
        Ok(())
    }
}

/// How a segment is filled. The palette has 8 colours; from the 9th segment on colours
/// repeat, so the repeats are told apart by a lighter fill with hatching in the full colour
/// (a different hatch for each further round of the palette).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Fill {
    /// The colour of the rectangle (the segment's colour, or a lighter one when hatched).
    base: RGBColor,
    /// Hatching, in the segment's full colour.
    hatch: Option<(Hatch, RGBColor)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Hatch {
    /// `/` lines.
    Rising,
    /// `\` lines.
    Falling,
    /// Both.
    Cross,
}

impl Fill {
    fn of(segment: usize) -> Fill {
        let color = PALETTE[segment % PALETTE.len()];
        let round = segment / PALETTE.len();
        if round == 0 {
            return Fill {
                base: color,
                hatch: None,
            };
        }
        let hatch = [Hatch::Rising, Hatch::Falling, Hatch::Cross][(round - 1) % 3];
        Fill {
            base: lighten(color),
            hatch: Some((hatch, color)),
        }
    }

    /// Fills the pixel rectangle `r` on `root`.
    fn paint(&self, root: &Area<'_>, r: PixelRect) -> Result<(), FigureError> {
        let (l, t, rt, b) = r;
        root.draw(&Rectangle::new([(l, t), (rt, b)], self.base.filled()))
            .map_err(draw_err)?;
        let Some((hatch, color)) = self.hatch else {
            return Ok(());
        };
        let style = color.stroke_width(1);
        let mut lines = Vec::new();
        if matches!(hatch, Hatch::Rising | Hatch::Cross) {
            lines.extend(hatch_lines(r, true));
        }
        if matches!(hatch, Hatch::Falling | Hatch::Cross) {
            lines.extend(hatch_lines(r, false));
        }
        for line in lines {
            root.draw(&PathElement::new(line.to_vec(), style))
                .map_err(draw_err)?;
        }
        // An outline in the full colour marks where a light segment ends.
        root.draw(&Rectangle::new([(l, t), (rt, b)], style))
            .map_err(draw_err)
    }
}

/// 45° lines every [`HATCH_STEP`] pixels, clipped to `r`: rising (`/`, x + y constant on
/// screen) or falling (`\`, y - x constant).
fn hatch_lines(r: PixelRect, rising: bool) -> Vec<[(i32, i32); 2]> {
    let (l, t, rt, b) = r;
    let mut lines = Vec::new();
    if rt - l < 2 || b - t < 2 {
        return lines;
    }
    if rising {
        // y = c - x; on the rectangle x ∈ [c - b, c - t] ∩ [l, rt].
        let mut c = l + t + HATCH_STEP;
        while c < rt + b {
            let (x0, x1) = ((c - b).max(l), (c - t).min(rt));
            if x0 < x1 {
                lines.push([(x0, c - x0), (x1, c - x1)]);
            }
            c += HATCH_STEP;
        }
    } else {
        // y = x + c; on the rectangle x ∈ [t - c, b - c] ∩ [l, rt].
        let mut c = t - rt + HATCH_STEP;
        while c < b - l {
            let (x0, x1) = ((t - c).max(l), (b - c).min(rt));
            if x0 < x1 {
                lines.push([(x0, x0 + c), (x1, x1 + c)]);
            }
            c += HATCH_STEP;
        }
    }
    lines
}

/// `c` mixed 60% towards white: light enough for hatching and black text to show on it.
fn lighten(c: RGBColor) -> RGBColor {
    let mix = |v: u8| (f64::from(v) + 0.6 * (255.0 - f64::from(v))).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// Black or white, whichever reads better on `fill` (by its approximate luminance).
fn text_color(fill: RGBColor) -> &'static RGBColor {
    let RGBColor(r, g, b) = fill;
    let luma = 0.2126 * f64::from(r) + 0.7152 * f64::from(g) + 0.0722 * f64::from(b);
    if luma > 140.0 { &BLACK } else { &WHITE }
}

/// Bar labels laid out to fit their slots: one font for all, each label as lines.
#[derive(Debug, PartialEq)]
struct BarLabels {
    font: u32,
    lines: Vec<Vec<String>>,
}

impl BarLabels {
    fn max_lines(&self) -> usize {
        self.lines.iter().map(Vec::len).max().unwrap_or(1).max(1)
    }
}

/// Lays the bar labels out for slots `slot` pixels wide: the largest font at which every
/// label wraps at spaces into at most [`MAX_LABEL_LINES`] lines that fit. If none does,
/// the smallest font, with words too long for a line cut, and as many lines as it takes:
/// a label is never dropped or shortened, as it names the configuration.
fn fit_labels(bars: &[String], slot: f64) -> BarLabels {
    let width = |font: u32| ((0.95 * slot / text_width(1, font)).floor() as usize).max(1);
    for font in LABEL_FONTS {
        let w = width(font);
        let lines: Vec<Vec<String>> = bars.iter().map(|b| wrap(b, w)).collect();
        let fits = lines
            .iter()
            .all(|l| l.len() <= MAX_LABEL_LINES && l.iter().all(|s| s.chars().count() <= w));
        if fits {
            return BarLabels { font, lines };
        }
    }
    let font = LABEL_FONTS[LABEL_FONTS.len() - 1];
    let w = width(font);
    let lines = bars
        .iter()
        .map(|b| wrap(b, w).iter().flat_map(|l| cut(l, w)).collect())
        .collect();
    BarLabels { font, lines }
}

/// `text` split at spaces into lines of at most `width` characters; a longer word is a line
/// of its own.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `line` cut into pieces of at most `width` characters.
fn cut(line: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    chars.chunks(width).map(|c| c.iter().collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::series_color_hex;

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
        assert_ne!(Fill::of(0), Fill::of(8));
        assert_ne!(Fill::of(8), Fill::of(16));
        assert_eq!(Fill::of(8).hatch.map(|h| h.1), Some(PALETTE[0]));
        // Segments 8..12 are light rectangles with hatch lines in the full colour.
        let light = lighten(PALETTE[1]);
        let light = format!("#{:02X}{:02X}{:02X}", light.0, light.1, light.2);
        assert_eq!(rects_filled(&svg, &light), 3 + 1);
        assert!(svg.contains(&format!("stroke=\"{}\"", series_color_hex(1))));
    }

    #[test]
    fn hatching_stays_inside() {
        let r = (10, 20, 40, 100);
        for rising in [true, false] {
            let lines = hatch_lines(r, rising);
            assert!(lines.len() > 5);
            for [(x0, y0), (x1, y1)] in lines {
                for (x, y) in [(x0, y0), (x1, y1)] {
                    assert!((10..=40).contains(&x) && (20..=100).contains(&y), "{x},{y}");
                }
                // 45°, in the right direction.
                assert_eq!((x1 - x0).abs(), (y1 - y0).abs());
                assert_eq!(y1 < y0, rising);
            }
        }
        assert!(hatch_lines((0, 0, 1, 50), true).is_empty());
    }

    #[test]
    fn long_labels_wrap_or_shrink() {
        assert_eq!(wrap("o3 irq idle", 20), ["o3 irq idle"]);
        assert_eq!(wrap("o3 irq idle", 6), ["o3 irq", "idle"]);
        assert_eq!(wrap("exception_entry x", 5), ["exception_entry", "x"]);
        assert_eq!(wrap("", 5), [""]);
        assert_eq!(cut("abcdefg", 3), ["abc", "def", "g"]);

        // Wide slots: the largest font, one line.
        let l = fit_labels(&bars(), 300.0);
        assert_eq!(l.font, LABEL_FONTS[0]);
        assert_eq!(l.max_lines(), 1);
        // Narrow slots: wrapped, every word kept.
        let long = vec!["o3 irq idle with the timer on another core".to_string()];
        let l = fit_labels(&long, 120.0);
        assert!(
            l.max_lines() > 1 && l.max_lines() <= MAX_LABEL_LINES,
            "{l:?}"
        );
        assert_eq!(l.lines[0].join(" "), long[0]);
        // Hopeless: the smallest font, words cut, nothing lost.
        let word = vec!["configuration_without_any_spaces_at_all".to_string()];
        let l = fit_labels(&word, 40.0);
        assert_eq!(l.font, *LABEL_FONTS.last().unwrap());
        assert_eq!(l.lines[0].concat(), word[0]);

        // In a chart with many bars, each label is still there, line by line.
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
