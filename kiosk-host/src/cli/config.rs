//! `kiosk config …`: validate, show and describe kiosk.toml; make keys, sign bundles,
//! install them and roll back. Exit codes: 0 success, 1 invalid or refused, 2 bad input
//! (key file, version), 3 a file or directory could not be read or written.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use firmware_config::atomic_file::AtomicFile;
use firmware_config::bundle::Bundle;
use firmware_config::store::{Store, DEFAULT_DIR};
use firmware_config::{bundle, json_schema, keys, Config, ConfigError, DEFAULT_PATH};

use super::common::fail;

#[derive(clap::Subcommand)]
pub(crate) enum ConfigCmd {
    /// Check a kiosk.toml; prints every problem with file:line:column.
    Validate { file: PathBuf },
    /// Print the effective configuration (defaults filled in) as TOML.
    Show {
        /// The file to read (default /etc/kiosk/kiosk.toml; without it, the defaults).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Print the JSON Schema of kiosk.toml.
    Schema,
    /// Make an ed25519 key pair: the private key to OUT, the public key to OUT.pub and stdout.
    Keygen {
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Make a database key (32 random bytes, hex) in a new file, mode 600, written atomically;
    /// never overwrites a file. Name it in kiosk.toml as `[storage] key_file`.
    Dbkey {
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Sign a kiosk.toml into a configuration bundle.
    Sign {
        /// The private key file (from `kiosk config keygen`).
        #[arg(long)]
        key: PathBuf,
        file: PathBuf,
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// The bundle version (default: [kiosk] config_version of the file).
        #[arg(long = "version")]
        version: Option<u64>,
    },
    /// Check a bundle and install its configuration atomically.
    Install {
        bundle: PathBuf,
        #[arg(long, default_value = DEFAULT_DIR)]
        dir: PathBuf,
        /// Agency public key file, for a first install only.
        #[arg(long)]
        trust: Option<PathBuf>,
    },
    /// Make a `[[staff]]` account: reads the password from standard input (twice at a
    /// terminal, without echo) and prints the entry with its argon2id hash, to add to
    /// kiosk.toml. The password itself is never printed or stored.
    Staff {
        user: String,
        /// front_desk, archive, technician or supervisor (repeat for more than one).
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
    },
    /// Restore the previous configuration (once; see `kiosk config install`).
    Rollback {
        #[arg(long, default_value = DEFAULT_DIR)]
        dir: PathBuf,
    },
}

pub(crate) fn run(cmd: ConfigCmd) -> i32 {
    match cmd {
        ConfigCmd::Validate { file } => match Config::load(&file) {
            Ok(_) => {
                println!("{}: valid", file.display());
                0
            }
            Err(e) => config_failure(&e),
        },
        ConfigCmd::Show { config } => show(config),
        ConfigCmd::Schema => match serde_json::to_string_pretty(&json_schema::schema()) {
            Ok(text) => {
                println!("{text}");
                0
            }
            Err(e) => fail(1, format!("cannot print the schema: {e}")),
        },
        ConfigCmd::Keygen { output } => keygen(&output),
        ConfigCmd::Dbkey { output } => dbkey(&output),
        ConfigCmd::Staff { user, roles } => staff(&user, &roles),
        ConfigCmd::Sign {
            key,
            file,
            output,
            version,
        } => sign(&key, &file, &output, version),
        ConfigCmd::Install { bundle, dir, trust } => install(&bundle, &dir, trust.as_deref()),
        ConfigCmd::Rollback { dir } => match Store::new(&dir).rollback(now()) {
            Ok((restored, from)) => {
                println!(
                    "rolled back {}: version {} in force (was {from}); a second rollback is refused",
                    dir.display(),
                    restored.version
                );
                0
            }
            Err(e) => fail(e.exit_code(), e.to_string()),
        },
    }
}

fn config_failure(e: &ConfigError) -> i32 {
    match e {
        ConfigError::Read { .. } => fail(3, e.to_string()),
        ConfigError::Invalid(d) => fail(1, d.to_string()),
    }
}

fn show(path: Option<PathBuf>) -> i32 {
    let config = match &path {
        Some(p) => Config::load(p),
        None if Path::new(DEFAULT_PATH).exists() => Config::load(DEFAULT_PATH),
        None => Ok(Config::default()),
    };
    match config.map(|c| c.to_toml()) {
        Ok(Ok(text)) => {
            print!("{text}");
            0
        }
        Ok(Err(e)) => fail(1, format!("cannot write the configuration as TOML: {e}")),
        Err(e) => config_failure(&e),
    }
}

fn read(path: &Path) -> Result<String, i32> {
    std::fs::read_to_string(path)
        .map_err(|e| fail(3, format!("cannot read {}: {e}", path.display())))
}

/// Writes a new file (never over an existing one), atomically; mode 600 when `private`.
fn write_new(path: &Path, text: &str, private: bool) -> Result<(), i32> {
    AtomicFile::new(path)
        .mode(if private { 0o600 } else { 0o644 })
        .create_new(text.as_bytes())
        .map_err(|e| fail(3, e.to_string()))
}

fn keygen(output: &Path) -> i32 {
    let key = keys::generate();
    let public = keys::encode_public(&key.verifying_key());
    let pub_path = PathBuf::from(format!("{}.pub", output.display()));
    if let Err(code) = write_new(output, &keys::encode_secret(&key), true)
        .and_then(|()| write_new(&pub_path, &format!("{public}\n"), false))
    {
        return code;
    }
    println!("{public}");
    eprintln!(
        "private key in {} (mode 600); public key in {}.\n\
         - a configuration-signing key: keep the private key off the kiosk, put the public key in [keys] config_bundles;\n\
         - the kiosk's e-card key: the private key goes on the kiosk ([keys] ecard_signing_key), the public key in [keys] ecard;\n\
         - the kiosk's archive key: the private key goes on the kiosk ([keys] archive_signing_key), the public key in [keys] archive",
        output.display(),
        pub_path.display()
    );
    0
}

fn dbkey(output: &Path) -> i32 {
    use kiosk_store::sqlite::{DbKey, KeyFileError};
    match DbKey::generate().write_new(output) {
        Ok(()) => {
            eprintln!(
                "database key in {} (mode 600; make the kiosk user its owner). Set in kiosk.toml:\n\
                 [storage]\nkey_file = \"{}\"\n\
                 and keep a copy where the kiosk's backups are not: without it the database cannot be read.",
                output.display(),
                std::path::absolute(output).unwrap_or_else(|_| output.to_path_buf()).display()
            );
            0
        }
        Err(e @ KeyFileError::Exists { .. }) => fail(1, e.to_string()),
        Err(e) => fail(3, e.to_string()),
    }
}

fn sign(key_path: &Path, file: &Path, output: &Path, version: Option<u64>) -> i32 {
    let key = match read(key_path).map(|t| keys::decode_secret(&t)) {
        Err(code) => return code,
        Ok(Err(e)) => return fail(2, format!("{}: {e}", key_path.display())),
        Ok(Ok(k)) => k,
    };
    let text = match read(file) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let config = match Config::parse(&text, &file.display().to_string()) {
        Ok(c) => c,
        Err(e) => return config_failure(&e),
    };
    let version = match bundle::choose_version(version, config.kiosk.config_version) {
        Ok(v) => v,
        Err(e) => return fail(2, e.to_string()),
    };
    let signed = Bundle::sign(&key, version, now(), &text);
    match signed.to_json() {
        Ok(json) => match write_new(output, &json, false) {
            Ok(()) => {
                println!(
                    "{}: version {version}, signed by {}",
                    output.display(),
                    signed.key
                );
                0
            }
            Err(code) => code,
        },
        Err(e) => fail(1, e.to_string()),
    }
}

fn install(bundle_path: &Path, dir: &Path, trust: Option<&Path>) -> i32 {
    let text = match read(bundle_path) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let trust = match trust {
        None => None,
        Some(p) => match read(p).map(|t| keys::decode_public(&t)) {
            Err(code) => return code,
            Ok(Err(e)) => return fail(2, format!("{}: {e}", p.display())),
            Ok(Ok(k)) => Some(k),
        },
    };
    match Store::new(dir).install(&text, trust, now()) {
        Ok(installed) => {
            println!(
                "installed version {} in {} (sha256 {})",
                installed.version,
                dir.display(),
                installed.sha256
            );
            0
        }
        Err(e) => fail(
            e.exit_code(),
            format!("{}: refused: {e}", bundle_path.display()),
        ),
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Shortest staff password accepted.
const MIN_PASSWORD: usize = 12;

fn staff(user: &str, roles: &[String]) -> i32 {
    match staff_entry(user, roles) {
        Ok(entry) => {
            print!("{entry}");
            0
        }
        Err(e) => fail(2, e),
    }
}

fn staff_entry(user: &str, roles: &[String]) -> Result<String, String> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    use std::io::IsTerminal;

    let user = user.trim();
    if user.is_empty()
        || !user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err(format!(
            "user {user:?}: use letters, digits, '_', '-' or '.' (it goes into kiosk.toml and the audit log)"
        ));
    }
    let mut names: Vec<String> = Vec::new();
    for r in roles {
        let r = r.trim();
        serde_json::from_value::<firmware_config::Role>(serde_json::Value::String(r.into()))
            .map_err(|_| {
                format!("role {r:?}: one of front_desk, archive, technician, supervisor")
            })?;
        if !names.iter().any(|n| n == r) {
            names.push(r.to_string());
        }
    }
    let password = super::secret::read_secret_line("password")
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?
        .ok_or("expected the password on standard input")?;
    if password.chars().count() < MIN_PASSWORD {
        return Err(format!(
            "the password is too short: at least {MIN_PASSWORD} characters"
        ));
    }
    if std::io::stdin().is_terminal() {
        let again = super::secret::read_secret_line("the password again")
            .map_err(|e| format!("cannot read the password from standard input: {e}"))?
            .ok_or("expected the password a second time")?;
        if *again != *password {
            return Err("the two passwords differ".into());
        }
    }
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let hash = argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| format!("hashing failed: {e}"))?
        .to_string();
    let roles: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    Ok(format!(
        "[[staff]]\nuser = \"{user}\"\npassword_hash = \"{hash}\"\nroles = [{}]\n",
        roles.join(", ")
    ))
}
