//! The checks every chart's data goes through before anything is drawn, with the messages
//! that say what is wrong and where. A chart kind calls these rather than checking by hand,
//! so that the same mistake reads the same in every kind.

use super::FigureError;
use super::style::MIN_SIZE;

/// Checks of one chart, named by its title in every error.
pub struct Check<'t> {
    chart: &'t str,
}

/// What messages call the parts of a chart's [`Table`]: a row and rows
/// (`["segment", "segments"]`), a column and columns (`["bar", "bars"]`).
pub struct Nouns {
    /// A row (a series) and rows.
    pub row: [&'static str; 2],
    /// A column (a category) and columns.
    pub column: [&'static str; 2],
}

/// A chart's data seen as a table, for [`Check::table`]: a row of values per series (or
/// segment), a column per category (group, bar).
pub struct Table<'d> {
    nouns: &'static Nouns,
    columns: &'d [String],
    rows: Vec<(&'d str, &'d [f64])>,
    negative_ok: bool,
}

impl<'d> Table<'d> {
    /// The table of `rows` (legend entry, values with NaN for none) over `columns`.
    pub fn new(
        nouns: &'static Nouns,
        columns: &'d [String],
        rows: Vec<(&'d str, &'d [f64])>,
    ) -> Self {
        Table {
            nouns,
            columns,
            rows,
            negative_ok: true,
        }
    }

    /// Refuses negative values (a stack cannot show one honestly).
    pub fn no_negatives(self) -> Self {
        Table {
            negative_ok: false,
            ..self
        }
    }
}

impl<'t> Check<'t> {
    /// Checks of the chart titled `chart`.
    pub fn new(chart: &'t str) -> Self {
        Check { chart }
    }

    /// An [`FigureError::InvalidData`] for this chart.
    pub fn fail(&self, reason: String) -> FigureError {
        FigureError::InvalidData {
            chart: self.chart.to_string(),
            reason,
        }
    }

    /// The figure is at least [`MIN_SIZE`], the smallest the layout fits in.
    pub fn size(&self, (w, h): (u32, u32)) -> Result<(), FigureError> {
        if w < MIN_SIZE.0 || h < MIN_SIZE.1 {
            return Err(self.fail(format!(
                "size {w}x{h} is smaller than {}x{}",
                MIN_SIZE.0, MIN_SIZE.1
            )));
        }
        Ok(())
    }

    /// There is at least one `what` (`no groups`, `no series`, ...).
    pub fn not_empty(&self, what: &str, len: usize) -> Result<(), FigureError> {
        if len == 0 {
            return Err(self.fail(format!("no {what}")));
        }
        Ok(())
    }

    /// The table has a row and a column at least, and each row has one value per column,
    /// finite or NaN (none), and not negative unless the table allows it.
    pub fn table(&self, t: &Table<'_>) -> Result<(), FigureError> {
        let ([row, rows], [column, columns]) = (t.nouns.row, t.nouns.column);
        self.not_empty(columns, t.columns.len())?;
        self.not_empty(rows, t.rows.len())?;
        for &(label, values) in &t.rows {
            self.one_per_column(t, label, "values", values.len())?;
            for (name, &v) in t.columns.iter().zip(values) {
                let what = if v.is_infinite() {
                    "the value"
                } else if v < 0.0 && !t.negative_ok {
                    "the negative value"
                } else {
                    continue;
                };
                return Err(self.fail(format!(
                    "{row} \"{label}\" has {what} {v} in {column} \"{name}\""
                )));
            }
        }
        Ok(())
    }

    /// Row `label` of `t` has `count` `items` (values, whiskers): one per column.
    pub fn one_per_column(
        &self,
        t: &Table<'_>,
        label: &str,
        items: &str,
        count: usize,
    ) -> Result<(), FigureError> {
        let n = t.columns.len();
        if count != n {
            return Err(self.fail(format!(
                "{} \"{label}\" has {count} {items} for {n} {}",
                t.nouns.row[0], t.nouns.column[1]
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_row_and_the_column() {
        let names = ["a".to_string(), "b".to_string()];
        const NOUNS: Nouns = Nouns {
            row: ["segment", "segments"],
            column: ["bar", "bars"],
        };
        let table = |values: &'static [f64], negative_ok| {
            let t = Table::new(&NOUNS, &names, vec![("s", values)]);
            if negative_ok { t } else { t.no_negatives() }
        };
        let check = Check::new("t");
        let msg = |r: Result<(), FigureError>| r.unwrap_err().to_string();
        assert!(check.table(&table(&[1.0, f64::NAN], false)).is_ok());
        assert!(check.table(&table(&[1.0, -1.0], true)).is_ok());
        assert_eq!(
            msg(check.table(&table(&[1.0], false))),
            "cannot draw figure \"t\": segment \"s\" has 1 values for 2 bars"
        );
        assert_eq!(
            msg(check.table(&table(&[1.0, -1.0], false))),
            "cannot draw figure \"t\": segment \"s\" has the negative value -1 in bar \"b\""
        );
        assert_eq!(
            msg(check.table(&table(&[f64::NEG_INFINITY, 1.0], true))),
            "cannot draw figure \"t\": segment \"s\" has the value -inf in bar \"a\""
        );
        let empty = Table::new(&NOUNS, &names, vec![]);
        assert_eq!(
            msg(check.table(&empty)),
            "cannot draw figure \"t\": no segments"
        );
        assert!(check.size((320, 240)).is_ok());
        assert!(msg(check.size((319, 600))).contains("size 319x600 is smaller than 320x240"));
    }
}
