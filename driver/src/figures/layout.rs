//! The frame every chart is drawn in: a white background, the title across the top, the plot
//! on the left and the legend in a column on the right, wide enough for the longest label. A
//! legend beside the plot never hides a bar or a point, whatever the data.

use super::FigureError;
use super::error::draw_err;
use super::fill::Fill;
use super::style::{FONT, LABEL_FONT, TITLE_FONT};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// An SVG drawing area in pixel coordinates.
pub type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// How a legend entry shows its series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Swatch {
    /// A filled square, filled as the series' bars or segments are.
    Fill(Fill),
    /// A short line (lines; no marker, so markers count the points).
    Line(RGBColor),
}

/// One legend entry: the series' label and how it looks.
pub type LegendEntry<'l> = (&'l str, Swatch);

/// Fills the background, draws the title and the legend (entries top down, in the order
/// given), and returns the area left for the plot.
pub fn frame<'a>(
    root: &Area<'a>,
    title: &str,
    legend: &[LegendEntry<'_>],
) -> Result<Area<'a>, FigureError> {
    root.fill(&WHITE).map_err(draw_err)?;
    let body = root.titled(title, (FONT, TITLE_FONT)).map_err(draw_err)?;
    let width = body.dim_in_pixel().0;
    let longest = legend
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0) as u32;
    // About 7 px per character at 13 px, plus the swatch and margins. The size check
    // (`MIN_SIZE`) keeps width / 3 above the lower bound.
    let legend_width = (longest * 7 + 44).clamp(80, width / 3);
    let (plot, legend_area) = body.split_horizontally(width - legend_width);
    draw_legend(root, &legend_area, legend)?;
    Ok(plot)
}

/// The legend entries down the legend column, drawn on `root` in pixels. Many entries are
/// squeezed closer rather than run off the bottom.
fn draw_legend(
    root: &Area<'_>,
    area: &Area<'_>,
    entries: &[LegendEntry<'_>],
) -> Result<(), FigureError> {
    let (x, y0) = area.get_base_pixel();
    let room = area.dim_in_pixel().1.saturating_sub(40) as i32;
    let step = (room / entries.len().max(1) as i32).clamp(14, 22);
    let style =
        TextStyle::from((FONT, LABEL_FONT).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, &(label, swatch)) in entries.iter().enumerate() {
        let y = y0 + 30 + step * i as i32;
        match swatch {
            Swatch::Fill(fill) => fill.paint(root, (x + 4, y - 6, x + 18, y + 6))?,
            Swatch::Line(color) => root
                .draw(&PathElement::new(
                    vec![(x + 2, y), (x + 20, y)],
                    color.stroke_width(2),
                ))
                .map_err(draw_err)?,
        }
        root.draw(&Text::new(label, (x + 26, y), style.clone()))
            .map_err(draw_err)?;
    }
    Ok(())
}
