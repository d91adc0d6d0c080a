//! A small figure description (panels of lines, points, rectangles) drawn with plotters to
//! PNG or SVG (by the file extension), rendered in memory and written atomically. Fonts are embedded (DejaVu Sans):
//! no system font library is needed.

use std::path::Path;
use std::sync::Once;

use image::codecs::png::PngEncoder;
use image::{ColorType, ImageEncoder};
use plotters::coord::Shift;
use plotters::prelude::*;

use neurode_train::TrainError;

use crate::files::write_atomic;

/// A polyline.
#[derive(Debug, Clone)]
pub struct Line {
    /// Legend entry (empty: none).
    pub label: String,
    /// Points in data coordinates.
    pub points: Vec<(f64, f64)>,
    /// Colour.
    pub color: RGBColor,
    /// Dashed.
    pub dashed: bool,
}

impl Line {
    /// A solid line.
    pub fn new(label: &str, points: Vec<(f64, f64)>, color: RGBColor) -> Self {
        Self {
            label: label.into(),
            points,
            color,
            dashed: false,
        }
    }
    /// The same line, dashed.
    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }
}

/// One chart.
#[derive(Debug, Clone, Default)]
pub struct Panel {
    /// Title.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// Lines.
    pub lines: Vec<Line>,
    /// Dots `(x, y, colour, radius)`.
    pub points: Vec<(f64, f64, RGBColor, u32)>,
    /// Filled rectangles `(x0, y0, x1, y1, colour, opacity)` (bars, heat-map cells, shading).
    pub rects: Vec<(f64, f64, f64, f64, RGBColor, f64)>,
    /// Text labels `(x, y, text)`.
    pub labels: Vec<(f64, f64, String)>,
    /// Axis ranges; computed from the data when absent.
    pub x_range: Option<(f64, f64)>,
    /// y range.
    pub y_range: Option<(f64, f64)>,
    /// Tick labels for categorical x axes: `(position, name)`.
    pub x_ticks: Vec<(f64, String)>,
}

impl Panel {
    /// An empty panel with a title and axis labels.
    pub fn new(title: &str, x_label: &str, y_label: &str) -> Self {
        Self {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            ..Self::default()
        }
    }

    fn bounds(&self) -> ((f64, f64), (f64, f64)) {
        let mut xs: Vec<f64> = Vec::new();
        let mut ys: Vec<f64> = Vec::new();
        for l in &self.lines {
            for &(x, y) in &l.points {
                xs.push(x);
                ys.push(y);
            }
        }
        for &(x, y, ..) in &self.points {
            xs.push(x);
            ys.push(y);
        }
        for &(x0, y0, x1, y1, ..) in &self.rects {
            xs.extend([x0, x1]);
            ys.extend([y0, y1]);
        }
        let span = |v: &[f64]| {
            let v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if !lo.is_finite() {
                return (0.0, 1.0);
            }
            let pad = ((hi - lo) * 0.05).max(1e-9);
            (lo - pad, hi + pad)
        };
        (
            self.x_range.unwrap_or_else(|| span(&xs)),
            self.y_range.unwrap_or_else(|| span(&ys)),
        )
    }
}

fn fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
    });
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn draw_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, p: &Panel) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let ((x0, x1), (y0, y1)) = p.bounds();
    let mut chart = ChartBuilder::on(area)
        .caption(&p.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    let ticks = p.x_ticks.clone();
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(p.x_label.as_str()).y_desc(p.y_label.as_str());
    let formatter = move |x: &f64| {
        ticks
            .iter()
            .find(|(pos, _)| (pos - x).abs() < 1e-9)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    if !p.x_ticks.is_empty() {
        mesh.x_labels(p.x_ticks.len() * 2 + 1)
            .x_label_formatter(&formatter);
    }
    mesh.draw()?;
    for &(a, b, c, d, color, alpha) in &p.rects {
        chart.draw_series([Rectangle::new([(a, b), (c, d)], color.mix(alpha).filled())])?;
    }
    for l in &p.lines {
        let style = ShapeStyle::from(&l.color).stroke_width(2);
        let series = if l.dashed {
            chart.draw_series(DashedLineSeries::new(l.points.iter().copied(), 8, 5, style))?
        } else {
            chart.draw_series(LineSeries::new(l.points.iter().copied(), style))?
        };
        if !l.label.is_empty() {
            let c = l.color;
            series
                .label(l.label.as_str())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], c.stroke_width(2)));
        }
    }
    chart.draw_series(
        p.points
            .iter()
            .map(|&(x, y, c, r)| Circle::new((x, y), r, c.filled())),
    )?;
    for (x, y, text) in &p.labels {
        chart.draw_series([Text::new(text.clone(), (*x, *y), ("sans-serif", 14))])?;
    }
    if p.lines.iter().any(|l| !l.label.is_empty()) {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()?;
    }
    Ok(())
}

fn draw_all<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    panels: &[Panel],
    cols: usize,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let rows = panels.len().div_ceil(cols);
    let areas = root.split_evenly((rows, cols));
    for (area, panel) in areas.iter().zip(panels) {
        draw_panel(area, panel)?;
    }
    root.present()?;
    Ok(())
}

/// Draws `panels` in a grid of `cols` columns to `path` (`.png` or `.svg`, by its extension),
/// rendered in memory and written through [`write_atomic`].
pub fn save_figure(
    path: &Path,
    panels: &[Panel],
    cols: usize,
    panel_size: (u32, u32),
) -> Result<(), TrainError> {
    let svg = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    let bytes = render_figure(panels, cols, panel_size, svg)
        .map_err(|e| TrainError::file(path, format!("cannot draw the figure: {e}")))?;
    write_atomic(path, &bytes)
}

/// The bytes of a figure: an SVG document, or a PNG file.
fn render_figure(
    panels: &[Panel],
    cols: usize,
    panel_size: (u32, u32),
    svg: bool,
) -> Result<Vec<u8>, String> {
    fonts();
    let cols = cols.max(1);
    let rows = panels.len().div_ceil(cols) as u32;
    let (w, h) = (panel_size.0 * cols as u32, panel_size.1 * rows.max(1));
    if svg {
        let mut text = String::new();
        draw_all(
            SVGBackend::with_string(&mut text, (w, h)).into_drawing_area(),
            panels,
            cols,
        )
        .map_err(|e| e.to_string())?;
        return Ok(text.into_bytes());
    }
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    draw_all(
        BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area(),
        panels,
        cols,
    )
    .map_err(|e| e.to_string())?;
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(&rgb, w, h, ColorType::Rgb8)
        .map_err(|e| e.to_string())?;
    Ok(png)
}

/// Palette used across figures.
pub mod colors {
    use plotters::style::RGBColor;
    /// Truth / first series.
    pub const BLUE: RGBColor = RGBColor(31, 119, 180);
    /// Prediction / second series.
    pub const RED: RGBColor = RGBColor(214, 39, 40);
    /// Highlight.
    pub const GREEN: RGBColor = RGBColor(44, 160, 44);
    /// Fourth series.
    pub const ORANGE: RGBColor = RGBColor(255, 127, 14);
    /// Fifth series.
    pub const PURPLE: RGBColor = RGBColor(148, 103, 189);
    /// Neutral.
    pub const GREY: RGBColor = RGBColor(127, 127, 127);
    /// Cycle for many series.
    pub const CYCLE: [RGBColor; 7] = [
        BLUE,
        RED,
        GREEN,
        ORANGE,
        PURPLE,
        RGBColor(140, 86, 75),
        RGBColor(23, 190, 207),
    ];
}
