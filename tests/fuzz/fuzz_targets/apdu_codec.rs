//! Command and response APDUs from any bytes: parsing never panics, and what parses
//! re-encodes to an APDU that parses back to the same command (the encoding may be shorter:
//! an extended-length field whose values fit the short form is written short). A response
//! splits and joins back byte for byte. Status words keep their raw value.
#![no_main]

use card_io::apdu::{ApduError, Command, Response};
use card_io::StatusWord;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match Command::parse(data) {
        Ok(cmd) => {
            assert_eq!(cmd.header(), [data[0], data[1], data[2], data[3]]);
            assert!(cmd.data().len() <= data.len() - 4);
            let bytes = match cmd.to_bytes() {
                Ok(b) => b,
                Err(e) => panic!("a parsed command does not encode: {e}"),
            };
            assert!(bytes.len() <= data.len(), "re-encoding grew the APDU");
            let again = match Command::parse(&bytes) {
                Ok(c) => c,
                Err(e) => panic!("re-encoded command does not parse: {e}"),
            };
            assert_eq!(again, cmd);
            // A short encoding is canonical: it comes back byte for byte.
            if !cmd.is_extended() && (data.len() < 5 || data[4] != 0 || data.len() == 5) {
                assert_eq!(&bytes[..], data, "short APDU did not round trip");
            }
            // The log form never carries PIN data.
            let shown = format!("{cmd:?}");
            if cmd.is_sensitive() && !cmd.data().is_empty() {
                assert!(shown.contains("redacted"), "{shown}");
            }
        }
        Err(ApduError::TooShort(n)) => assert!(n < 4 && n == data.len()),
        Err(e) => {
            let _ = e.to_string();
        }
    }

    match Response::parse(data) {
        Ok(r) => {
            assert_eq!(r.to_bytes(), data);
            assert_eq!(r.data.len(), data.len() - 2);
            let sw = r.status();
            assert_eq!(sw.raw(), r.sw, "status word {sw} lost its raw value");
            assert_eq!(StatusWord::from_raw(sw.raw()), sw);
            let _ = sw.to_string();
        }
        Err(e) => assert!(data.len() < 2, "{e}"),
    }
});
