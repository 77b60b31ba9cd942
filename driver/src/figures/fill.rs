//! How an area of a series is filled in pixels: a solid palette colour, or, once the palette
//! has gone round, a lighter colour with hatching, so that more series than colours stay
//! apart. Also the text colour that reads on a fill.

use super::error::draw_err;
use super::layout::Area;
use super::style::{PALETTE, series_color};
use plotters::prelude::*;

/// Pixel rectangle: left, top, right, bottom (top < bottom, as on screen).
pub type PixelRect = (i32, i32, i32, i32);

/// Spacing of hatch lines, in pixels.
const HATCH_STEP: i32 = 7;

/// How an area is filled. The palette has 8 colours; from the 9th series on colours repeat,
/// so the repeats are told apart by a lighter fill with hatching in the full colour (a
/// different hatch for each further round of the palette).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fill {
    /// The colour of the rectangle (the series' colour, or a lighter one when hatched).
    pub base: RGBColor,
    /// Hatching, in the series' full colour.
    pub hatch: Option<(Hatch, RGBColor)>,
}

/// The direction of hatch lines.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Hatch {
    /// `/` lines.
    Rising,
    /// `\` lines.
    Falling,
    /// Both.
    Cross,
}

impl Fill {
    /// A plain fill in `color`.
    pub fn solid(color: RGBColor) -> Fill {
        Fill {
            base: color,
            hatch: None,
        }
    }

    /// The fill of series `i`: solid for the first round of the palette, hatched after.
    pub fn of(i: usize) -> Fill {
        let color = series_color(i);
        let round = i / PALETTE.len();
        if round == 0 {
            return Fill::solid(color);
        }
        let hatch = [Hatch::Rising, Hatch::Falling, Hatch::Cross][(round - 1) % 3];
        Fill {
            base: lighten(color),
            hatch: Some((hatch, color)),
        }
    }

    /// Fills the pixel rectangle `r` on `root`.
    pub fn paint(&self, root: &Area<'_>, r: PixelRect) -> Result<(), super::FigureError> {
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
        // An outline in the full colour marks where a light area ends.
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
pub fn lighten(c: RGBColor) -> RGBColor {
    let mix = |v: u8| (f64::from(v) + 0.6 * (255.0 - f64::from(v))).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// Black or white, whichever reads better on `fill` (by its approximate luminance).
pub fn text_color(fill: RGBColor) -> &'static RGBColor {
    let RGBColor(r, g, b) = fill;
    let luma = 0.2126 * f64::from(r) + 0.7152 * f64::from(g) + 0.0722 * f64::from(b);
    if luma > 140.0 { &BLACK } else { &WHITE }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_of_the_palette_are_hatched() {
        assert_eq!(Fill::of(0), Fill::solid(PALETTE[0]));
        assert_ne!(Fill::of(0), Fill::of(8));
        assert_ne!(Fill::of(8), Fill::of(16));
        assert_eq!(Fill::of(8).hatch.map(|h| h.1), Some(PALETTE[0]));
        assert_eq!(Fill::of(8).base, lighten(PALETTE[0]));
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
    fn text_reads_on_its_fill() {
        assert_eq!(text_color(lighten(PALETTE[0])), &BLACK);
        assert_eq!(text_color(PALETTE[0]), &WHITE);
    }
}
