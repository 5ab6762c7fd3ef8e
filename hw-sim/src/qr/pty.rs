//! [`QrSim`]: the scanner on a pseudo-terminal pair. The kiosk opens the slave path; the
//! simulator writes scans on the master. The simulator keeps its own handle on the slave so
//! the pty stays usable whether or not the kiosk has it open; dropping the [`QrSim`] closes
//! both ends (the kiosk sees the port lost).

use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use serialport::{SerialPort, TTYPort};

use super::emitter::{Fault, QrEmitter, DEFAULT_LONG_LEN};
use super::QrSimError;

/// The simulated scanner.
#[derive(Debug)]
pub struct QrSim {
    master: Mutex<(TTYPort, QrEmitter)>,
    _slave: TTYPort,
    path: String,
}

/// Creates the pty pair; returns the slave's path (`/dev/pts/N`) and the scanner. `long_len`
/// is the length of [`Fault::Long`]'s line (0 for the default); `seed` drives the noise.
pub fn spawn_pty(long_len: usize, seed: u64) -> Result<(String, QrSim), QrSimError> {
    let (mut master, slave) = TTYPort::pair().map_err(QrSimError::Pty)?;
    master
        .set_timeout(Duration::from_secs(2))
        .map_err(QrSimError::Pty)?;
    let path = slave.name().ok_or(QrSimError::NoSlavePath)?;
    let long_len = if long_len == 0 {
        DEFAULT_LONG_LEN
    } else {
        long_len
    };
    let sim = QrSim {
        master: Mutex::new((master, QrEmitter::new(long_len, seed))),
        _slave: slave,
        path: path.clone(),
    };
    Ok((path, sim))
}

impl QrSim {
    /// The slave's path, for the kiosk.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Sets the fault applied to the following scans.
    pub fn set_fault(&self, fault: Fault) {
        self.lock().1.set_fault(fault);
    }

    pub fn fault(&self) -> Fault {
        self.lock().1.fault()
    }

    /// Scans `payload`: writes it (with the current fault) followed by CR LF. Returns once
    /// every chunk is written.
    pub fn scan(&self, payload: &str) -> Result<(), QrSimError> {
        let mut guard = self.lock();
        let (master, emitter) = &mut *guard;
        for chunk in emitter.emit(payload) {
            master.write_all(&chunk.bytes).map_err(QrSimError::Write)?;
            if !chunk.pause.is_zero() {
                std::thread::sleep(chunk.pause);
            }
        }
        Ok(())
    }

    /// Writes raw bytes, as they are (noise without a terminator, a half line, ...).
    pub fn send_raw(&self, bytes: &[u8]) -> Result<(), QrSimError> {
        self.lock().0.write_all(bytes).map_err(QrSimError::Write)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (TTYPort, QrEmitter)> {
        // A panic while holding the lock leaves nothing half-updated that matters here.
        self.master.lock().unwrap_or_else(|p| p.into_inner())
    }
}
