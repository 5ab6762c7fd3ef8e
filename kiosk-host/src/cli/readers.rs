//! `kiosk readers`.

use card_io::sam::psam;
use card_io::sscard::SsCard;
use card_io::transport::{Disposition, ReaderProvider};
use serde_json::json;

use super::common::fail;

/// What the card in a reader is.
fn identify(provider: &dyn ReaderProvider, reader: &str) -> &'static str {
    let Ok(mut conn) = provider.connect(reader) else {
        return "unreadable";
    };
    let kind = match conn.session(None) {
        Ok(mut s) => {
            if SsCard::select(&mut *s).is_ok() {
                "social security card"
            } else if psam::probe(&mut *s).unwrap_or(false) {
                "PSAM"
            } else {
                "unknown card"
            }
        }
        Err(_) => "unreadable",
    };
    let _ = conn.disconnect(Disposition::Leave);
    kind
}

pub(crate) fn run(provider: &dyn ReaderProvider, as_json: bool) -> i32 {
    let readers = match provider.list_readers() {
        Ok(r) => r,
        Err(e) => {
            return fail(3, e);
        }
    };
    let rows: Vec<_> = readers
        .iter()
        .map(|r| {
            let kind = r.atr.as_ref().map(|_| identify(provider, &r.name));
            (r, kind)
        })
        .collect();
    if as_json {
        let v: Vec<_> = rows
            .iter()
            .map(|(r, kind)| {
                json!({
                    "name": r.name,
                    "card_present": r.atr.is_some(),
                    "atr": r.atr.as_ref().map(hex::encode_upper),
                    "card": kind,
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(v));
    } else if rows.is_empty() {
        println!("no card readers connected");
    } else {
        for (r, kind) in rows {
            match (&r.atr, kind) {
                (Some(atr), Some(kind)) => {
                    println!("{}: {kind} (ATR {})", r.name, hex::encode_upper(atr))
                }
                _ => println!("{}: empty", r.name),
            }
        }
    }
    0
}
