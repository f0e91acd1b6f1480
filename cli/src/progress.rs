//! Progress for single long conversions, shown as a bar on a terminal: the bytes of the
//! work that is slow. Archives being written count their member bytes as they are compressed
//! (or stored), which is where a compressing conversion spends its time; other conversions
//! count the bytes read from their inputs.

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A shared count of bytes done (cloning shares it).
#[derive(Debug, Clone, Default)]
pub struct Meter(Arc<AtomicU64>);

impl Meter {
    /// The bytes counted so far.
    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// The counter itself, for a library writer that counts into it.
    pub fn counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.0)
    }
}

/// A reader that adds what it reads to a [`Meter`].
#[derive(Clone)]
pub struct Counting<R> {
    inner: R,
    meter: Meter,
}

impl<R> Counting<R> {
    /// Counts what `inner` reads into `meter`.
    pub fn new(inner: R, meter: &Meter) -> Counting<R> {
        Counting {
            inner,
            meter: meter.clone(),
        }
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.meter.0.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// A byte-based progress bar that follows a [`Meter`] from a ticker thread.
pub struct ByteBar {
    bar: ProgressBar,
    stop: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl ByteBar {
    /// A bar for `total` bytes counted by `meter`; hidden unless `visible`.
    pub fn start(total: u64, visible: bool, meter: &Meter) -> ByteBar {
        if !visible {
            return ByteBar {
                bar: ProgressBar::hidden(),
                stop: Arc::new(AtomicBool::new(true)),
                ticker: None,
            };
        }
        let bar = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template(
            "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {elapsed_precise} eta {eta}",
        ) {
            bar.set_style(style);
        }
        let start = meter.get();
        let meter = meter.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let (bar, stop) = (bar.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let done = meter.get().saturating_sub(start);
                    bar.set_position(done.min(total));
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        };
        ByteBar {
            bar,
            stop,
            ticker: Some(ticker),
        }
    }

    /// Removes the bar.
    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
        self.bar.finish_and_clear();
    }
}
