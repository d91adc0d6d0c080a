//! Datasets of neurode's two papers and loaders for users' own CSV data.
//!
//! ```
//! use neurode_datasets::{SegmentSampler, SpiralDataConfig, SpiralSystem, TwoSpirals};
//!
//! // Paper 000: the cubic spiral on [0, 25] (1,000 points) and [0, 35].
//! let data = SpiralDataConfig::default().generate(&SpiralSystem::PAPER).unwrap();
//! assert_eq!(data.train.len(), 1000);
//! // 32 random windows of 40 points, reproducible from the seed.
//! let mut sampler = SegmentSampler::new(32, 40, 7).unwrap();
//! let batch = sampler.sample(std::slice::from_ref(&data.train)).unwrap();
//! assert_eq!(batch.targets.len(), 40 * 32 * 2);
//!
//! // Paper 003: two interleaving spirals, 80/20 split.
//! let points = TwoSpirals::default().generate(0).unwrap();
//! let (train, test) = points.split(0.2, 0).unwrap();
//! assert_eq!((train.len(), test.len()), (800, 200));
//! ```
//!
//! Everything is generated on the host in f64 from explicit seeds, so the same seed gives
//! the same data on every backend; tensors are made on upload ([`Series::tensor`],
//! [`Labeled::tensors`]).

mod classification;
#[cfg(feature = "csv")]
mod csv_load;
mod driven;
mod error;
mod segments;
mod series;
mod spiral;
mod toy2d;

pub use classification::{Labeled, TwoSpirals};
#[cfg(feature = "csv")]
pub use csv_load::{MAX_CLASSES, load_labeled, load_points, load_series};
pub use driven::{DrivenOscillator, DrivenSequences};
pub use error::DataError;
pub use segments::{SegmentBatch, SegmentSampler};
pub use series::Series;
pub use spiral::{SpiralData, SpiralDataConfig, SpiralSystem, linspace};
pub use toy2d::Toy2d;
