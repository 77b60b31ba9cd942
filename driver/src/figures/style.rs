//! The look every chart shares: sizes, palette, fonts, margins and the axes' styling. A new
//! chart kind takes these rather than numbers of its own, so figures side by side match.

use plotters::chart::MeshStyle;
use plotters::coord::ranged1d::Ranged;
use plotters::prelude::*;

/// Default figure size in pixels.
pub const DEFAULT_SIZE: (u32, u32) = (900, 540);

/// The smallest figure the layout fits in (title, legend column, axis labels).
pub const MIN_SIZE: (u32, u32) = (320, 240);

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

/// The grid lines: light enough that bars and lines stay in front.
pub const GRID_COLOR: RGBColor = RGBColor(246, 246, 246);

/// The one font family: the viewer picks the glyphs (see the module docs of `figures`).
pub const FONT: &str = "sans-serif";
/// Font sizes in pixels.
pub const TITLE_FONT: u32 = 22;
/// Axis descriptions (the axis titles).
pub const AXIS_DESC_FONT: u32 = 15;
/// Tick labels and legend entries.
pub const LABEL_FONT: u32 = 13;
/// Value labels on bars and segments.
pub const VALUE_FONT: u32 = 12;

/// Space around the plot, in pixels.
pub const MARGIN: u32 = 12;
/// Room left of the plot for the y tick labels and the y description.
pub const Y_LABEL_AREA: u32 = 78;
/// Room under the plot for x tick labels and the x description.
pub const X_LABEL_AREA: u32 = 56;

/// The y axis of a bar chart goes this share of the data's span beyond it, so that the
/// labels above the bars (values, totals) fit inside the plot.
pub const HEADROOM: f64 = 0.12;

/// The colour of series `i`; the palette repeats from the ninth series on.
pub fn series_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The colour of series `i`, as `#RRGGBB` (what the SVG contains).
pub fn series_color_hex(i: usize) -> String {
    hex(series_color(i))
}

/// `c` as `#RRGGBB`.
pub fn hex(c: RGBColor) -> String {
    let RGBColor(r, g, b) = c;
    format!("#{r:02X}{g:02X}{b:02X}")
}

/// The axes' look: description and tick fonts, and the light grid. Each chart adds its own
/// descriptions and tick formatters.
pub fn style_axes<X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &mut MeshStyle<'_, '_, X, Y, DB>,
) {
    mesh.axis_desc_style((FONT, AXIS_DESC_FONT))
        .label_style((FONT, LABEL_FONT))
        .light_line_style(GRID_COLOR);
}

/// An estimate of a text's width: there are no fonts to measure with (the viewer picks the
/// glyphs), and 0.6 em per character is on the wide side for sans-serif, so text that is
/// estimated to fit does fit.
pub fn text_width(chars: usize, font: u32) -> f64 {
    chars as f64 * 0.6 * f64::from(font)
}

/// The serde default of every chart's `size`.
pub(crate) fn default_size() -> (u32, u32) {
    DEFAULT_SIZE
}
