//! Secrets typed at a terminal or piped in (PINs, staff passwords): read from file descriptor
//! 0 a byte at a time into a zeroizing buffer, with echo off at a terminal.
#![allow(unsafe_code, reason = "read(2) and termios on fd 0")]

use std::io::IsTerminal;

use zeroize::Zeroizing;

/// Reads one line of standard input, prompting with `what` and without echo at a terminal;
/// `Ok(None)` at the end of input. The line ends are not kept.
pub(crate) fn read_secret_line(what: &str) -> std::io::Result<Option<Zeroizing<String>>> {
    let stdin = std::io::stdin();
    let mut buf = Zeroizing::new(String::new());
    let n = {
        let _quiet = if stdin.is_terminal() {
            eprint!("{what}: ");
            Some(NoEcho::new())
        } else {
            None
        };
        read_line_unbuffered(&mut buf)?
    };
    if stdin.is_terminal() {
        eprintln!();
    }
    if n == 0 {
        return Ok(None);
    }
    let trimmed = Zeroizing::new(buf.trim_end_matches(['\r', '\n']).to_string());
    Ok(Some(trimmed))
}

/// The longest secret line read; a longer one is cut here and refused by its parser.
const MAX_LINE: usize = 256;

/// Reads one line from file descriptor 0 a byte at a time, into `buf` only: std's buffered
/// stdin would keep the PIN lines in a process-wide buffer that is never wiped.
pub(crate) fn read_line_unbuffered(buf: &mut Zeroizing<String>) -> std::io::Result<usize> {
    // Room for the longest line read (256 bytes and the one that ends it), so the buffer
    // never grows: a growing Vec would leave its earlier buffer, with the secret's first
    // bytes, unwiped in freed memory.
    let mut bytes = Zeroizing::new(Vec::with_capacity(MAX_LINE + 1));
    loop {
        let mut b = [0u8; 1];
        // SAFETY: reads at most one byte into a valid one-byte buffer we own.
        let n = unsafe { libc::read(0, b.as_mut_ptr().cast(), 1) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if n == 0 || b[0] == b'\n' {
            if n == 1 {
                bytes.push(b[0]);
            }
            break;
        }
        bytes.push(b[0]);
        // A PIN or password line is short; a long one is an input error caught by the parser.
        if bytes.len() > MAX_LINE {
            break;
        }
    }
    // Not `from_utf8_lossy`: on bad bytes it would copy the line into a String of its own.
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "standard input is not UTF-8 text (bad byte at position {})",
                e.valid_up_to() + 1
            ),
        )
    })?;
    buf.reserve_exact(text.len());
    buf.push_str(text);
    Ok(bytes.len())
}

/// Turns terminal echo off on standard input while it lives.
pub(crate) struct NoEcho {
    saved: Option<libc::termios>,
}

impl NoEcho {
    pub(crate) fn new() -> NoEcho {
        // SAFETY: tcgetattr/tcsetattr on fd 0 with a zero-initialised termios we own; failure
        // (not a terminal) leaves `saved` empty and changes nothing.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut t) != 0 {
                return NoEcho { saved: None };
            }
            let saved = t;
            t.c_lflag &= !libc::ECHO;
            if libc::tcsetattr(0, libc::TCSANOW, &t) != 0 {
                return NoEcho { saved: None };
            }
            NoEcho { saved: Some(saved) }
        }
    }
}

impl Drop for NoEcho {
    fn drop(&mut self) {
        if let Some(t) = self.saved {
            // SAFETY: restores the attributes read in `new` on the same descriptor.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, &t);
            }
        }
    }
}
