//! `kiosk storage encrypt`: turns the kiosk's plaintext database (from before the database
//! was encrypted) into an encrypted one in place, with the key of `[storage] key_file`.
//! Exit codes: 0 encrypted, 1 refused (not a plaintext database), 3 the key or the files
//! could not be read or written.

use kiosk_store::sqlite::{self, SqliteStore};
use kiosk_store::DbError;

use super::common::{fail, StoreArgs};

#[derive(clap::Subcommand)]
pub(crate) enum StorageCmd {
    /// Encrypt a plaintext database in place (stop the kiosk service first): exported into a
    /// new encrypted file beside it, fsynced, checked with the key, renamed over the old one.
    Encrypt {
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub(crate) fn run(cmd: StorageCmd) -> i32 {
    let StorageCmd::Encrypt { store } = cmd;
    let (path, key) = match store.path_and_key() {
        Ok(x) => x,
        Err(e) => return fail(3, e),
    };
    match sqlite::encrypt_in_place(&path, &key) {
        Ok(done) => {
            // The encrypted file opens as the kiosk opens it.
            if let Err(e) = SqliteStore::open(&path, &key) {
                return fail(
                    3,
                    format!("{} was encrypted but does not open: {e}", path.display()),
                );
            }
            println!(
                "{} encrypted: {} tables, schema version {}",
                path.display(),
                done.tables,
                done.schema_version
            );
            0
        }
        Err(e @ DbError::NotPlaintext { .. }) => fail(1, e),
        Err(e) => fail(3, format!("cannot encrypt {}: {e}", path.display())),
    }
}
