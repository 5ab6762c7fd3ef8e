//! The resident ID card module: a GA 467 serial module that reads the citizen's second-
//! generation ID card over the air (CARD-PROFILE.md section 7).
//!
//! - [`codec`]: frames as pure functions; a streaming [`Decoder`](codec::Decoder) for reads
//!   of any size.
//! - [`text`]: the 256-byte UCS-2 text as [`IdText`], with the GB 11643 check digit checked
//!   and the GB 3304 ethnicity names.
//! - [`wlt`]: the 1024-byte WLT photo, kept as bytes; pixels need a licensed decoder behind
//!   [`WltDecoder`], loaded at run time from the vendor's library ([`LibraryDecoder`]).
//! - [`reader`]: find → select → read over any [`Port`], with per-step timeouts and one
//!   retry; [`open`] for a serial port by path.
//!
//! ```no_run
//! let mut reader = card_io::idcard::open("/dev/ttyUSB0", card_io::idcard::DEFAULT_BAUD)?;
//! let card = reader.read_card()?;
//! println!("{} {}", card.text.name, card.text.valid_to);
//! # Ok::<(), card_io::idcard::ReaderError>(())
//! ```

pub mod codec;
pub mod reader;
pub mod text;
pub mod wlt;

pub use crate::citizen::Sex;
pub use codec::{Decoder, Frame, FrameError};
pub use reader::{
    open, open_with, wire_time, Failure, IdReader, ModuleId, Port, ReaderConfig, ReaderError,
    SerialLine, Step, Traffic, DEFAULT_BAUD,
};
pub use text::{IdText, TextError, Validity};
pub use wlt::{LibraryDecoder, NoLicensedDecoder, WltDecoder, WltError, WltPhoto};

/// One read of an ID card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdCardRead {
    pub text: IdText,
    pub photo_wlt: WltPhoto,
    /// The module's id, when it was asked for on this reader before the read.
    pub module_id: Option<ModuleId>,
}
