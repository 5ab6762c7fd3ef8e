//! A provider wrapper that records the APDUs every connection sends: the "APDUs per
//! operation" figure of tests and benchmarks, and the commands `cardinfo-bench` replays
//! with `opensc-tool`.

use std::sync::{Arc, Mutex};

use card_io::transport::{
    CardConnection, CardSession, Disposition, ReaderInfo, ReaderProvider, TransportError,
};

pub struct CountingProvider<'p> {
    inner: &'p dyn ReaderProvider,
    sent: Sent,
    /// Count only the APDUs sent to this reader.
    only: Option<String>,
}

/// The commands sent, in order.
type Sent = Arc<Mutex<Vec<Vec<u8>>>>;

impl<'p> CountingProvider<'p> {
    pub fn new(inner: &'p dyn ReaderProvider) -> Self {
        CountingProvider {
            inner,
            sent: Sent::default(),
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
    /// The number of APDUs sent since the last `take` or `take_commands`.
    pub fn take(&self) -> usize {
        self.take_commands().len()
    }

    /// The APDUs sent since the last `take` or `take_commands`, in order.
    pub fn take_commands(&self) -> Vec<Vec<u8>> {
        std::mem::take(&mut *self.sent.lock().unwrap_or_else(|p| p.into_inner()))
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
            sent: self.sent.clone(),
        }))
    }
}

struct CountingConnection {
    inner: Box<dyn CardConnection>,
    sent: Sent,
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
        let sent = self.sent.clone();
        Ok(Box::new(CountingSession {
            inner: self.inner.session(reselect)?,
            sent,
        }))
    }
    fn disconnect(self: Box<Self>, disposition: Disposition) -> Result<(), TransportError> {
        self.inner.disconnect(disposition)
    }
}

struct CountingSession<'a> {
    inner: Box<dyn CardSession + 'a>,
    sent: Sent,
}

impl CardSession for CountingSession<'_> {
    fn transmit_raw(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        self.sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(command.to_vec());
        self.inner.transmit_raw(command)
    }
    fn atr(&self) -> &[u8] {
        self.inner.atr()
    }
    fn was_reset(&self) -> bool {
        self.inner.was_reset()
    }
}
