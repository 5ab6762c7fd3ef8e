//! `kiosk idcard …`: the resident ID card module (GA 467) on a serial port.
//!
//! Exit codes: 0 done; 1 a card problem (no card, a card that cannot be selected or read,
//! corrupt answers or card data after the retry); 3 a port problem (cannot open the port,
//! the module is silent or is not a GA 467 module); 2 the `--wlt-decoder` library does not
//! load, or the photo cannot be decoded or written (`--photo`).

use card_io::idcard::{
    self, Failure, IdCardRead, LibraryDecoder, NoLicensedDecoder, ReaderError, WltDecoder,
    DEFAULT_BAUD,
};
use clap::Subcommand;
use kiosk_core::mask;
use serde_json::{json, Value};

use super::common::fail;

#[derive(Subcommand)]
pub(crate) enum IdcardCmd {
    /// Read the ID card on the module (find, select, read).
    Read {
        /// Serial port of the module, e.g. /dev/ttyUSB0.
        #[arg(long, value_name = "PATH")]
        port: String,
        /// Line speed (8N1).
        #[arg(long, default_value_t = DEFAULT_BAUD)]
        baud: u32,
        /// Print JSON on standard output (full, unmasked record).
        #[arg(long)]
        json: bool,
        /// The licensed WLT decoder (the vendor's shared library, as `[devices] wlt_decoder`)
        /// to decode the photo with: checks that the library loads and decodes this card.
        #[arg(long, value_name = "LIBRARY")]
        wlt_decoder: Option<std::path::PathBuf>,
        /// Write the decoded photo here as PNG (needs --wlt-decoder).
        #[arg(long, value_name = "FILE", requires = "wlt_decoder")]
        photo: Option<std::path::PathBuf>,
    },
    /// Module status and module id.
    Status {
        /// Serial port of the module, e.g. /dev/ttyUSB0.
        #[arg(long, value_name = "PATH")]
        port: String,
        /// Line speed (8N1).
        #[arg(long, default_value_t = DEFAULT_BAUD)]
        baud: u32,
        /// Print JSON on standard output.
        #[arg(long)]
        json: bool,
    },
}

/// The exit code of a failed read: 1 for the card, 3 for the module.
fn failed(e: &ReaderError) -> i32 {
    let code = match e.failure() {
        Failure::Card => 1,
        Failure::Device => 3,
    };
    fail(code, e)
}

/// `idcard read --json`: one flat object.
fn read_json(card: &IdCardRead) -> Value {
    let t = &card.text;
    json!({
        "name": t.name,
        "sex": t.sex.as_str(),
        "ethnicity_code": t.ethnicity_code,
        "ethnicity": t.ethnicity(),
        "birth_date": t.birth_date.to_string(),
        "address": t.address,
        "id_number": t.id_number,
        "authority": t.authority,
        "valid_from": t.valid_from.to_string(),
        "valid_to": t.valid_to.to_string(),
        "photo_wlt_len": card.photo_wlt.len(),
    })
}

/// The photo decoded by `decoder` (the vendor's library, or none): its size, or why not.
fn decoded_photo(
    card: &IdCardRead,
    decoder: &dyn WltDecoder,
) -> Result<card_io::idcard::wlt::DecodedPhoto, String> {
    decoder.decode(&card.photo_wlt).map_err(|e| e.to_string())
}

fn print_read(card: &IdCardRead, decoder: &dyn WltDecoder) {
    let t = &card.text;
    println!("name:         {}", mask::name(&t.name));
    if t.name.chars().count() == idcard::text::NAME_CHARS {
        println!("              (15 characters: the module's limit; a longer name is cut there)");
    }
    println!("sex:          {} ({})", t.sex.meaning(), t.sex.code());
    println!("ethnicity:    {} ({:02})", t.ethnicity(), t.ethnicity_code);
    println!("birth date:   {}", t.birth_date);
    println!("address:      {}", t.address);
    println!("ID number:    {}", mask::id_number(&t.id_number));
    println!("authority:    {}", t.authority);
    println!("valid:        {} to {}", t.valid_from, t.valid_to);
    let photo = match decoded_photo(card, decoder) {
        Ok(p) => format!("{}×{} pixels", p.width, p.height),
        Err(e) => e,
    };
    println!("photo:        {} bytes WLT ({photo})", card.photo_wlt.len());
    println!("(personal data masked; --json prints the full record)");
}

pub(crate) fn run(cmd: IdcardCmd) -> i32 {
    match cmd {
        IdcardCmd::Read {
            port,
            baud,
            json,
            wlt_decoder,
            photo,
        } => {
            let decoder: Box<dyn WltDecoder> = match wlt_decoder {
                Some(path) => match LibraryDecoder::open(&path) {
                    Ok(d) => Box::new(d),
                    Err(e) => return fail(2, format!("--wlt-decoder: {e}")),
                },
                None => Box::new(NoLicensedDecoder),
            };
            let card = match idcard::open(&port, baud).and_then(|mut r| r.read_card()) {
                Ok(card) => card,
                Err(e) => return failed(&e),
            };
            if json {
                let mut v = read_json(&card);
                v["photo"] = match decoded_photo(&card, &*decoder) {
                    Ok(p) => json!({ "width": p.width, "height": p.height }),
                    Err(e) => json!({ "error": e }),
                };
                println!("{v}");
            } else {
                print_read(&card, &*decoder);
            }
            match photo {
                Some(out) => save_photo(&card, &*decoder, &out),
                None => 0,
            }
        }
        IdcardCmd::Status { port, baud, json } => {
            let status = idcard::open(&port, baud).and_then(|mut r| {
                r.module_status()?;
                r.module_id()
            });
            match status {
                Ok(id) if json => {
                    println!("{}", json!({ "ready": true, "module_id": id.to_string() }));
                    0
                }
                Ok(id) => {
                    println!("module:       ready");
                    println!("module id:    {id}");
                    0
                }
                Err(e) => failed(&e),
            }
        }
    }
}

/// Writes the decoded photo as PNG; 2 when it cannot be decoded or written.
fn save_photo(card: &IdCardRead, decoder: &dyn WltDecoder, out: &std::path::Path) -> i32 {
    let image = decoded_photo(card, decoder).and_then(|p| {
        p.to_image()
            .ok_or_else(|| "the decoder's photo has the wrong number of pixels".to_string())
    });
    match image.and_then(|i| i.save(out).map_err(|e| format!("{}: {e}", out.display()))) {
        Ok(()) => 0,
        Err(e) => fail(2, format!("--photo: {e}")),
    }
}
