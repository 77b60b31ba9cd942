//! The one error type of every chart kind.

use plotters::drawing::DrawingAreaErrorKind;
use std::fmt;
use std::path::PathBuf;

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

/// A plotters drawing error as a [`FigureError::Draw`] (for `map_err`).
pub(crate) fn draw_err<E: std::error::Error + Send + Sync>(
    e: DrawingAreaErrorKind<E>,
) -> FigureError {
    FigureError::Draw(e.to_string())
}
