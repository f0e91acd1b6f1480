//! Progress for single long conversions: bytes read from the inputs, shown as a bar on a
//! terminal.

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Bytes read from inputs so far, by every [`Counting`] reader.
static READ_BYTES: AtomicU64 = AtomicU64::new(0);

/// A reader that adds what it reads to the progress count.
pub struct Counting<R>(pub R);

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.0.read(buf)?;
        READ_BYTES.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.0.seek(pos)
    }
}

impl<R: Clone> Clone for Counting<R> {
    fn clone(&self) -> Self {
        Counting(self.0.clone())
    }
}

/// A byte-based progress bar that follows [`READ_BYTES`] from a ticker thread.
pub struct ByteBar {
    bar: ProgressBar,
    stop: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl ByteBar {
    /// A bar for `total` input bytes; hidden unless `visible`.
    pub fn start(total: u64, visible: bool) -> ByteBar {
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
        let start = READ_BYTES.load(Ordering::Relaxed);
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let (bar, stop) = (bar.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let done = READ_BYTES.load(Ordering::Relaxed) - start;
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
