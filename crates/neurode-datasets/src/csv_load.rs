//! Users' own data from CSV files, validated line by line: nothing is silently dropped.
//!
//! * Time series: a header with a time column `t` (or `time`), one or more state columns,
//!   and optionally an `id` (or `trajectory`) column separating several trajectories.
//! * Classification: a header with feature columns and a `label` (or `class`) column holding
//!   non-negative integers.

use std::collections::BTreeMap;
use std::path::Path;

use crate::{DataError, Labeled, Series};

const TIME: [&str; 2] = ["t", "time"];
const ID: [&str; 3] = ["id", "trajectory", "series"];
const LABEL: [&str; 2] = ["label", "class"];

/// The most classes a labelled file may have (2¹⁶): a bound checked line by line, so a stray
/// huge label is an error naming its line, never a huge allocation.
pub const MAX_CLASSES: usize = 1 << 16;

struct Table {
    header: Vec<String>,
    /// (line number, fields)
    rows: Vec<(u64, Vec<String>)>,
}

fn read(path: &Path) -> Result<Table, DataError> {
    let csv_err = |line: u64, message: String| DataError::Csv {
        path: path.to_path_buf(),
        line,
        message,
    };
    let file = std::fs::File::open(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(file);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| csv_err(1, format!("cannot read the header: {e}")))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    if header.iter().all(String::is_empty) {
        return Err(csv_err(1, "the file is empty or has no header line".into()));
    }
    for (i, name) in header.iter().enumerate() {
        if name.is_empty() {
            return Err(csv_err(
                1,
                format!("column {} has no name; every column needs one", i + 1),
            ));
        }
        if header[..i].contains(name) {
            return Err(csv_err(
                1,
                format!(
                    "column `{name}` appears twice in the header; every column needs its own name"
                ),
            ));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            csv_err(line, format!("malformed CSV: {e}"))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() == 1 && record[0].is_empty() {
            continue; // a blank line
        }
        if record.len() != header.len() {
            return Err(csv_err(
                line,
                format!(
                    "{} fields, but the header has {} columns ({})",
                    record.len(),
                    header.len(),
                    header.join(", ")
                ),
            ));
        }
        rows.push((line, record.iter().map(str::to_string).collect()));
    }
    Ok(Table { header, rows })
}

fn find(header: &[String], names: &[&str]) -> Option<usize> {
    header.iter().position(|h| names.contains(&h.as_str()))
}

fn number(path: &Path, line: u64, column: &str, field: &str) -> Result<f64, DataError> {
    let err = |message: String| DataError::Csv {
        path: path.to_path_buf(),
        line,
        message,
    };
    let v: f64 = field
        .parse()
        .map_err(|_| err(format!("column `{column}`: `{field}` is not a number")))?;
    if !v.is_finite() {
        return Err(err(format!(
            "column `{column}`: `{field}` is not finite (NaN and infinities are not accepted)"
        )));
    }
    Ok(v)
}

/// Loads one or more trajectories: columns `t` (or `time`), the state columns, and
/// optionally `id` (or `trajectory`/`series`). Rows of one trajectory must have strictly
/// increasing `t`; each trajectory needs at least `min_rows` rows.
pub fn load_series(path: &Path, min_rows: usize) -> Result<Vec<Series>, DataError> {
    let table = read(path)?;
    let at = |line: u64, message: String| DataError::Csv {
        path: path.to_path_buf(),
        line,
        message,
    };
    let t_col = find(&table.header, &TIME).ok_or_else(|| {
        at(
            1,
            format!(
                "missing the time column: name one column `t` (found: {})",
                table.header.join(", ")
            ),
        )
    })?;
    let id_col = find(&table.header, &ID);
    let state: Vec<usize> = (0..table.header.len())
        .filter(|&c| c != t_col && Some(c) != id_col)
        .collect();
    if state.is_empty() {
        return Err(at(
            1,
            "no state columns: expected `t, x1, ..., xn` (plus an optional `id`)".into(),
        ));
    }
    let mut order: Vec<String> = Vec::new();
    let mut groups: BTreeMap<String, (Series, u64)> = BTreeMap::new();
    for (line, fields) in &table.rows {
        let id = id_col.map_or(String::new(), |c| fields[c].clone());
        let t = number(path, *line, &table.header[t_col], &fields[t_col])?;
        let entry = groups.entry(id.clone()).or_insert_with(|| {
            order.push(id.clone());
            (
                Series {
                    ts: Vec::new(),
                    values: Vec::new(),
                    dim: state.len(),
                },
                *line,
            )
        });
        if let Some(&prev) = entry.0.ts.last()
            && t <= prev
        {
            let which = id_col.map_or(String::new(), |_| format!(" of trajectory `{id}`"));
            return Err(at(
                *line,
                format!(
                    "column `{}`: {t} does not increase{which} (previous row: {prev}); sort the rows by time",
                    table.header[t_col]
                ),
            ));
        }
        entry.0.ts.push(t);
        for &c in &state {
            let v = number(path, *line, &table.header[c], &fields[c])?;
            entry.0.values.push(v);
        }
    }
    if groups.is_empty() {
        return Err(at(2, "no data rows after the header".into()));
    }
    let mut out = Vec::with_capacity(order.len());
    for id in order {
        let (series, first_line) = groups.remove(&id).expect("every id was inserted");
        if series.len() < min_rows {
            let which = id_col.map_or(String::new(), |_| format!("trajectory `{id}` "));
            return Err(at(
                first_line,
                format!(
                    "{which}has {} rows; at least {min_rows} are needed",
                    series.len()
                ),
            ));
        }
        out.push(series);
    }
    Ok(out)
}

/// Loads labelled points: feature columns and a `label` (or `class`) column of
/// non-negative integers; at least `min_rows` rows and two classes.
pub fn load_labeled(path: &Path, min_rows: usize) -> Result<Labeled, DataError> {
    let table = read(path)?;
    let at = |line: u64, message: String| DataError::Csv {
        path: path.to_path_buf(),
        line,
        message,
    };
    let label_col = find(&table.header, &LABEL).ok_or_else(|| {
        at(
            1,
            format!(
                "missing the label column: name one column `label` (found: {})",
                table.header.join(", ")
            ),
        )
    })?;
    let features: Vec<usize> = (0..table.header.len())
        .filter(|&c| c != label_col)
        .collect();
    if features.is_empty() {
        return Err(at(
            1,
            "no feature columns: expected `x1, ..., xn, label`".into(),
        ));
    }
    let mut x = Vec::with_capacity(table.rows.len() * features.len());
    let mut labels = Vec::with_capacity(table.rows.len());
    for (line, fields) in &table.rows {
        for &c in &features {
            x.push(number(path, *line, &table.header[c], &fields[c])?);
        }
        let raw = &fields[label_col];
        let label = raw
            .parse::<usize>()
            .ok()
            .filter(|&l| l < MAX_CLASSES)
            .ok_or_else(|| {
                at(
                    *line,
                    format!(
                        "column `{}`: `{raw}` is not a class number (0, 1, 2, ... below {MAX_CLASSES})",
                        table.header[label_col]
                    ),
                )
            })?;
        labels.push(label);
    }
    if labels.len() < min_rows {
        return Err(at(
            1,
            format!("{} data rows; at least {min_rows} are needed", labels.len()),
        ));
    }
    let data = Labeled {
        x,
        labels,
        dim: features.len(),
    };
    // Labels are below MAX_CLASSES (checked above), so this is a small allocation.
    let mut first_line = vec![None; data.classes()];
    for ((line, _), &l) in table.rows.iter().zip(&data.labels) {
        first_line[l].get_or_insert(*line);
    }
    if first_line.iter().flatten().count() < 2 {
        return Err(at(
            1,
            "every row has the same label; classification needs at least two classes".into(),
        ));
    }
    if let Some(missing) = first_line.iter().position(Option::is_none) {
        let top = data.classes() - 1;
        let line = first_line[top].unwrap_or(1);
        return Err(at(
            line,
            format!(
                "class {missing} has no rows but class {top} does: labels must be 0..K−1 with every class present"
            ),
        ));
    }
    Ok(data)
}

/// Loads unlabelled points (density estimation): a header naming the coordinates and one
/// point per row, every column a coordinate; at least `min_rows` rows. Returned as
/// [`Labeled`] points of one class (label 0 on every row), so splits and batches work as for
/// classification.
pub fn load_points(path: &Path, min_rows: usize) -> Result<Labeled, DataError> {
    let table = read(path)?;
    let dim = table.header.len();
    let mut x = Vec::with_capacity(table.rows.len() * dim);
    for (line, fields) in &table.rows {
        for (c, field) in fields.iter().enumerate() {
            x.push(number(path, *line, &table.header[c], field)?);
        }
    }
    let rows = table.rows.len();
    if rows < min_rows {
        return Err(DataError::Csv {
            path: path.to_path_buf(),
            line: 1,
            message: format!("{rows} data rows; at least {min_rows} points are needed"),
        });
    }
    Ok(Labeled {
        x,
        labels: vec![0; rows],
        dim,
    })
}
