//! Report helpers: mean ± sd, markdown tables, data files, the index.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use neurode_run::{write_atomic, write_csv};
use neurode_train::TrainError;

use super::Opts;

/// Mean and sample standard deviation (0 for one value).
pub fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n.max(1.0);
    let sd = if v.len() > 1 {
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    (mean, sd)
}

/// `mean ± sd` with `digits` significant decimals.
pub fn pm(v: &[f64], digits: usize) -> String {
    let (m, s) = mean_sd(v);
    if v.len() > 1 {
        format!("{m:.digits$} ± {s:.digits$}")
    } else {
        format!("{m:.digits$}")
    }
}

/// `ours − paper` and the ratio, as text; `—` when the paper gives no number.
pub fn delta(ours: f64, paper: Option<f64>, digits: usize) -> String {
    match paper {
        Some(p) if p != 0.0 => format!("{:+.digits$} ({:.2}×)", ours - p, ours / p),
        Some(p) => format!("{:+.digits$}", ours - p),
        None => "—".into(),
    }
}

/// A markdown table.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = format!(
        "| {} |\n|{}|\n",
        header.join(" | "),
        vec!["---"; header.len()].join("|")
    );
    for r in rows {
        let _ = writeln!(s, "| {} |", r.join(" | "));
    }
    s
}

/// The folder of an item.
pub fn item_dir(opts: &Opts, item: &str) -> PathBuf {
    opts.out.join(item)
}

/// Writes `report.md` of an item.
pub fn write_report(dir: &Path, text: &str) -> Result<(), TrainError> {
    write_atomic(&dir.join("report.md"), text.as_bytes())
}

/// Writes `data.csv` of an item.
pub fn write_data(dir: &Path, header: &[&str], rows: &[Vec<String>]) -> Result<(), TrainError> {
    write_csv(&dir.join("data.csv"), header, rows)
}

/// Writes an item's `data.csv` and `report.md`.
pub fn write_item(
    dir: &Path,
    header: &[&str],
    rows: &[Vec<String>],
    report: &str,
) -> Result<(), TrainError> {
    write_data(dir, header, rows)?;
    write_report(dir, report)
}

/// The run description every report starts with.
pub fn preamble(opts: &Opts, item: &str, title: &str, paper: &str) -> String {
    format!(
        "# {title}\n\nPaper: {paper}. Regenerate: `cargo xtask reproduce {item}{}`.\nSeeds: {} (mean ± sd). Backend: {}. Gradients: {:?}.{}\n\n",
        if opts.quick { " --quick" } else { "" },
        opts.seeds,
        opts.backend,
        opts.gradient,
        if opts.quick {
            " **Quick mode: tiny budgets, the numbers are a smoke test, not results.**"
        } else {
            ""
        },
    )
}

/// `results/REPORT.md`: links to every item's report.
pub fn index(opts: &Opts, seconds: f64) -> Result<(), TrainError> {
    let mut s = String::from(
        "# Reproduction of both papers\n\nEach item: `report.md` (paper vs ours vs delta), `data.csv`, PNG and SVG figures.\n\n",
    );
    for item in super::Item::EACH.map(super::Item::name) {
        let dir = opts.out.join(item);
        if dir.join("report.md").is_file() {
            let first = std::fs::read_to_string(dir.join("report.md")).unwrap_or_default();
            let title = first
                .lines()
                .next()
                .unwrap_or(item)
                .trim_start_matches("# ")
                .to_string();
            let _ = writeln!(s, "- [{title}]({item}/report.md)");
        }
    }
    let _ = writeln!(
        s,
        "\nThis invocation took {seconds:.0} s of wall time ({} seed(s){}); training runs already in `{}/.cache` are reused, not retrained.",
        opts.seeds,
        if opts.quick { ", quick mode" } else { "" },
        opts.out.display()
    );
    write_atomic(&opts.out.join("REPORT.md"), s.as_bytes())
}
