//! A provider wrapper that counts the APDUs every connection sends: the "APDUs per
//! operation" figure of tests and benchmarks.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use card_io::transport::{
    CardConnection, CardSession, Disposition, ReaderInfo, ReaderProvider, TransportError,
};

pub struct CountingProvider<'p> {
    inner: &'p dyn ReaderProvider,
    count: Arc<AtomicUsize>,
    /// Count only the APDUs sent to this reader.
    only: Option<String>,
}

impl<'p> CountingProvider<'p> {
    pub fn new(inner: &'p dyn ReaderProvider) -> Self {
        CountingProvider {
            inner,
            count: Arc::new(AtomicUsize::new(0)),
            only: None,
        }
    }

    /// Counts only the APDUs sent to `reader` (the card's, not the PSAM's).
    pub fn for_reader(inner: &'p dyn ReaderProvider, reader: &str) -> Self {
        CountingProvider {
            only: Some(reader.to_string()),
            ..CountingProvider::new(inner)
        }
    }
    /// APDUs sent since the last call.
    pub fn take(&self) -> usize {
        self.count.swap(0, Ordering::SeqCst)
    }
}

impl ReaderProvider for CountingProvider<'_> {
    fn list_readers(&self) -> Result<Vec<ReaderInfo>, TransportError> {
        self.inner.list_readers()
    }
    fn wait_for_change(
        &self,
        known: &[ReaderInfo],
        timeout: std::time::Duration,
    ) -> Result<(), TransportError> {
        self.inner.wait_for_change(known, timeout)
    }
    fn connect(&self, reader: &str) -> Result<Box<dyn CardConnection>, TransportError> {
        if self.only.as_deref().is_some_and(|only| only != reader) {
            return self.inner.connect(reader);
        }
        Ok(Box::new(CountingConnection {
            inner: self.inner.connect(reader)?,
            count: self.count.clone(),
        }))
    }
}

struct CountingConnection {
    inner: Box<dyn CardConnection>,
    count: Arc<AtomicUsize>,
}

impl CardConnection for CountingConnection {
    fn reader_name(&self) -> &str {
        self.inner.reader_name()
    }
    fn atr(&self) -> &[u8] {
        self.inner.atr()
    }
    fn session(
        &mut self,
        reselect: Option<&[u8]>,
    ) -> Result<Box<dyn CardSession + '_>, TransportError> {
        let count = self.count.clone();
        Ok(Box::new(CountingSession {
            inner: self.inner.session(reselect)?,
            count,
        }))
    }
    fn disconnect(self: Box<Self>, disposition: Disposition) -> Result<(), TransportError> {
        self.inner.disconnect(disposition)
    }
}

struct CountingSession<'a> {
    inner: Box<dyn CardSession + 'a>,
    count: Arc<AtomicUsize>,
}

impl CardSession for CountingSession<'_> {
    fn transmit_raw(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.count.fetch_add(1, Ordering::SeqCst);
        self.inner.transmit_raw(command)
    }
    fn atr(&self) -> &[u8] {
        self.inner.atr()
    }
    fn was_reset(&self) -> bool {
        self.inner.was_reset()
    }
}
