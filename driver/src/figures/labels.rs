//! Category labels under an axis, laid out to fit their slots: wrapped at spaces, then set
//! smaller, and cut only as a last resort. A label names a configuration, so it is never
//! dropped or shortened.

use super::style::text_width;

/// Label fonts, largest first: long labels are wrapped, then shrunk.
pub const LABEL_FONTS: [u32; 4] = [13, 12, 11, 10];
/// The most lines a label wraps into before a smaller font is tried.
pub const MAX_LABEL_LINES: usize = 3;

/// Labels laid out to fit their slots: one font for all, each label as lines.
#[derive(Debug, PartialEq)]
pub struct SlotLabels {
    /// The font size, in pixels.
    pub font: u32,
    /// Each label's lines, top down.
    pub lines: Vec<Vec<String>>,
}

impl SlotLabels {
    /// The most lines any label has (at least 1): how tall the label area must be.
    pub fn max_lines(&self) -> usize {
        self.lines.iter().map(Vec::len).max().unwrap_or(1).max(1)
    }
}

/// Lays `labels` out for slots `slot` pixels wide: the largest font at which every label
/// wraps at spaces into at most [`MAX_LABEL_LINES`] lines that fit. If none does, the
/// smallest font, with words too long for a line cut, and as many lines as it takes.
pub fn fit_labels(labels: &[String], slot: f64) -> SlotLabels {
    let width = |font: u32| ((0.95 * slot / text_width(1, font)).floor() as usize).max(1);
    for font in LABEL_FONTS {
        let w = width(font);
        let lines: Vec<Vec<String>> = labels.iter().map(|b| wrap(b, w)).collect();
        let fits = lines
            .iter()
            .all(|l| l.len() <= MAX_LABEL_LINES && l.iter().all(|s| s.chars().count() <= w));
        if fits {
            return SlotLabels { font, lines };
        }
    }
    let font = LABEL_FONTS[LABEL_FONTS.len() - 1];
    let w = width(font);
    let lines = labels
        .iter()
        .map(|b| wrap(b, w).iter().flat_map(|l| cut(l, w)).collect())
        .collect();
    SlotLabels { font, lines }
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

    #[test]
    fn long_labels_wrap_or_shrink() {
        assert_eq!(wrap("o3 irq idle", 20), ["o3 irq idle"]);
        assert_eq!(wrap("o3 irq idle", 6), ["o3 irq", "idle"]);
        assert_eq!(wrap("exception_entry x", 5), ["exception_entry", "x"]);
        assert_eq!(wrap("", 5), [""]);
        assert_eq!(cut("abcdefg", 3), ["abc", "def", "g"]);

        // Wide slots: the largest font, one line.
        let short = ["o3 irq idle".to_string(), "minor irq busy".to_string()];
        let l = fit_labels(&short, 300.0);
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
    }
}
