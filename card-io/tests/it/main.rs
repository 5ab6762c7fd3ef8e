//! The crate's integration tests, one binary: a change relinks it once.

mod hostile_card;
mod idcard_codec;
mod idcard_reader;
mod idcard_text;
mod photo_pipeline;
mod printer_device;
mod printer_escpos;
mod printer_raster;
mod qr_hid_keys;
mod qr_hid_uinput;
mod qr_line_decoder;
mod qr_reader;
mod wlt_library;
