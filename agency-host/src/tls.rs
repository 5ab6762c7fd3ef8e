//! Mutual TLS: the agency's certificate authority, kiosk certificates, and the server's
//! rustls configuration.
//!
//! - `agency ca init` makes the CA (key and self-signed certificate) and the server's key and
//!   certificate (signed by the CA, SANs from `--host`); keys are written mode 600.
//! - `agency enrol` signs a kiosk's CSR (the kiosk keeps its key) — the CN must be the kiosk
//!   id — with the extended key usage `clientAuth` and a random 128-bit serial, which the
//!   `kiosks` table records. Only the CSR's public key is used: every other field of the
//!   certificate is the agency's.
//! - The server asks every client for a certificate and verifies any it gets against the CA
//!   (`WebPkiClientVerifier`); a client without one may connect, and is answered 403 by the
//!   API (see `api`): so is one whose CN and serial are not an enrolled, unrevoked kiosk.
//!   Certificates from another CA fail the handshake.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SanType, SerialNumber,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

use crate::db::admin::valid_kiosk_id;

/// Certificate and TLS failures.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} holds no {what} in PEM", path.display())]
    Missing { path: PathBuf, what: &'static str },
    #[error("{} is readable by group or others (mode {mode:o}); chmod 600 it", path.display())]
    Mode { path: PathBuf, mode: u32 },
    #[error("certificate: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("TLS: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("client certificate verifier: {0}")]
    Verifier(#[from] rustls::server::VerifierBuilderError),
    #[error("{0}")]
    Refused(String),
}

pub type Result<T> = std::result::Result<T, TlsError>;

/// Who a client certificate says the client is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCert {
    /// The certificate's CN: the kiosk id.
    pub kiosk_id: String,
    /// The certificate's serial, lower-case hex of its DER integer bytes.
    pub serial: String,
}

/// The CN and serial of a DER certificate.
pub fn peer_cert(der: &[u8]) -> Option<PeerCert> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let cn = cert.subject().iter_common_name().next()?.as_str().ok()?;
    Some(PeerCert {
        kiosk_id: cn.to_string(),
        serial: hex::encode(cert.raw_serial()),
    })
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_owned(),
        source,
    })
}

fn read_private(path: &Path) -> Result<String> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|source| TlsError::Read {
        path: path.to_owned(),
        source,
    })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(TlsError::Mode {
            path: path.to_owned(),
            mode,
        });
    }
    String::from_utf8(read(path)?).map_err(|_| TlsError::Missing {
        path: path.to_owned(),
        what: "private key",
    })
}

/// The certificates of a PEM file.
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let bytes = read(path)?;
    let certs: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut bytes.as_slice())
        .collect::<std::result::Result<_, _>>()
        .map_err(|source| TlsError::Read {
            path: path.to_owned(),
            source,
        })?;
    if certs.is_empty() {
        return Err(TlsError::Missing {
            path: path.to_owned(),
            what: "certificate",
        });
    }
    Ok(certs)
}

/// The private key of a PEM file (which must be mode 600).
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>> {
    let text = zeroize::Zeroizing::new(read_private(path)?);
    rustls_pemfile::private_key(&mut text.as_bytes())
        .map_err(|source| TlsError::Read {
            path: path.to_owned(),
            source,
        })?
        .ok_or_else(|| TlsError::Missing {
            path: path.to_owned(),
            what: "private key",
        })
}

/// rustls with *ring* (pure Rust and assembly: no CMake and C toolchain as aws-lc-rs needs).
/// rustls 0.23.48 deprecates it for its want of post-quantum key exchange; between kiosks
/// and the agency, on links the bureau runs, classical ECDHE is kept until the kiosks'
/// toolchain can build aws-lc-rs.
#[allow(
    deprecated,
    reason = "ring provider kept until aws-lc-rs builds here; see above"
)]
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The server's TLS configuration: its certificate, client certificates verified against
/// the CA (and optional: the API refuses requests without one).
pub fn server_config(tls: &firmware_config::agency::Tls) -> Result<Arc<ServerConfig>> {
    let mut roots = RootCertStore::empty();
    for cert in load_certs(Path::new(&tls.ca_cert))? {
        roots.add(cert)?;
    }
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
        .allow_unauthenticated()
        .build()?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            load_certs(Path::new(&tls.cert))?,
            load_key(Path::new(&tls.key))?,
        )?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A client configuration for a kiosk (tests, the bench, the kiosk's client): the agency's
/// CA as the only root, the kiosk's certificate and key.
pub fn client_config(ca_cert: &Path, cert: &Path, key: &Path) -> Result<Arc<rustls::ClientConfig>> {
    let mut roots = RootCertStore::empty();
    for c in load_certs(ca_cert)? {
        roots.add(c)?;
    }
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_client_auth_cert(load_certs(cert)?, load_key(key)?)?;
    Ok(Arc::new(config))
}

/// Writes a new file, mode `mode`; an existing file is never replaced.
fn write_new(path: &Path, text: &str, mode: u32) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let fail = |source| TlsError::Write {
        path: path.to_owned(),
        source,
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(fail)?;
    f.write_all(text.as_bytes()).map_err(fail)?;
    f.sync_all().map_err(fail)
}

fn random_serial() -> SerialNumber {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    // positive, and not shortened by a leading zero byte
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::from_slice(&bytes)
}

fn days_from_now(days: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc() + time::Duration::days(days)
}

/// The files `agency ca init` writes in its directory.
#[derive(Debug, Clone)]
pub struct CaFiles {
    pub ca_cert: PathBuf,
    pub ca_key: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl CaFiles {
    pub fn in_dir(dir: &Path) -> CaFiles {
        CaFiles {
            ca_cert: dir.join("ca.crt"),
            ca_key: dir.join("ca.key"),
            cert: dir.join("server.crt"),
            key: dir.join("server.key"),
        }
    }
}

/// Makes the CA and the server certificate in `dir` (created if missing; existing files are
/// never replaced). `hosts`: the server's DNS names and IP addresses.
pub fn ca_init(dir: &Path, hosts: &[String], days: i64) -> Result<CaFiles> {
    std::fs::create_dir_all(dir).map_err(|source| TlsError::Write {
        path: dir.to_owned(),
        source,
    })?;
    let files = CaFiles::in_dir(dir);
    for p in [&files.ca_cert, &files.ca_key, &files.cert, &files.key] {
        if p.exists() {
            return Err(TlsError::Refused(format!(
                "{} exists already; a CA is never replaced (its kiosks' certificates would \
                 stop working): choose another directory",
                p.display()
            )));
        }
    }
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name
        .push(DnType::CommonName, "social security card agency CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.serial_number = Some(random_serial());
    ca.not_before = days_from_now(-1);
    ca.not_after = days_from_now(days.max(2) * 2);
    let ca_cert = ca.self_signed(&ca_key)?;

    let server_key = KeyPair::generate()?;
    let mut server = CertificateParams::new(Vec::<String>::new())?;
    server
        .distinguished_name
        .push(DnType::CommonName, "social security card agency");
    for host in hosts {
        server.subject_alt_names.push(match host.parse() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) => SanType::DnsName(host.clone().try_into()?),
        });
    }
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server.serial_number = Some(random_serial());
    server.not_before = days_from_now(-1);
    server.not_after = days_from_now(days);
    let server_cert = server.signed_by(&server_key, &ca_cert, &ca_key)?;

    write_new(&files.ca_key, &ca_key.serialize_pem(), 0o600)?;
    write_new(&files.ca_cert, &ca_cert.pem(), 0o644)?;
    write_new(&files.key, &server_key.serialize_pem(), 0o600)?;
    write_new(&files.cert, &server_cert.pem(), 0o644)?;
    Ok(files)
}

/// A kiosk certificate the CA signed.
#[derive(Debug, Clone)]
pub struct Issued {
    pub cert_pem: String,
    pub serial: String,
    pub not_after: chrono::DateTime<chrono::Utc>,
}

/// The CA, read back to sign with.
pub struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl Ca {
    pub fn load(ca_cert: &Path, ca_key: &Path) -> Result<Ca> {
        let key_pem = zeroize::Zeroizing::new(read_private(ca_key)?);
        let key = KeyPair::from_pem(&key_pem)?;
        let cert_pem = String::from_utf8(read(ca_cert)?).map_err(|_| TlsError::Missing {
            path: ca_cert.to_owned(),
            what: "certificate",
        })?;
        // rcgen signs with a certificate object: the CA's parameters (its name, its key
        // identifier) read from its certificate, self-signed again with its key.
        let params = CertificateParams::from_ca_cert_pem(&cert_pem)?;
        let cert = params.self_signed(&key)?;
        Ok(Ca { cert, key })
    }

    fn kiosk_params(kiosk_id: &str, days: i64) -> Result<CertificateParams> {
        if !valid_kiosk_id(kiosk_id) {
            return Err(TlsError::Refused(format!(
                "{kiosk_id:?} is not a kiosk id: 1 to 32 letters, digits, `-` or `_`"
            )));
        }
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name.push(DnType::CommonName, kiosk_id);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.serial_number = Some(random_serial());
        params.not_before = days_from_now(-1);
        params.not_after = days_from_now(days);
        Ok(params)
    }

    fn issued(cert: rcgen::Certificate) -> Result<Issued> {
        let (_, parsed) = x509_parser::parse_x509_certificate(cert.der())
            .map_err(|e| TlsError::Refused(format!("the new certificate does not parse: {e}")))?;
        let not_after =
            chrono::DateTime::from_timestamp(parsed.validity().not_after.timestamp(), 0)
                .ok_or_else(|| {
                    TlsError::Refused("the new certificate's end is out of range".into())
                })?;
        Ok(Issued {
            serial: hex::encode(parsed.raw_serial()),
            cert_pem: cert.pem(),
            not_after,
        })
    }

    /// Signs a kiosk's CSR: its CN must be `kiosk_id`; only its public key is taken.
    pub fn sign_csr(&self, csr_pem: &str, kiosk_id: &str, days: i64) -> Result<Issued> {
        let mut csr = CertificateSigningRequestParams::from_pem(csr_pem)?;
        let cn = csr
            .params
            .distinguished_name
            .get(&DnType::CommonName)
            .map(|v| match v {
                rcgen::DnValue::Utf8String(s) => s.clone(),
                rcgen::DnValue::PrintableString(s) => s.as_str().to_string(),
                other => format!("{other:?}"),
            });
        if cn.as_deref() != Some(kiosk_id) {
            return Err(TlsError::Refused(format!(
                "the CSR's CN is {cn:?}, not the kiosk id {kiosk_id:?}; make the CSR for this \
                 kiosk (`kiosk provision agency-csr --kiosk-id {kiosk_id}`)"
            )));
        }
        csr.params = Ca::kiosk_params(kiosk_id, days)?;
        Ca::issued(csr.signed_by(&self.cert, &self.key)?)
    }

    /// Makes a kiosk key and its certificate in one step (tests and demos: the key is made
    /// here, not on the kiosk). Returns the key's PEM too.
    pub fn issue_with_new_key(
        &self,
        kiosk_id: &str,
        days: i64,
    ) -> Result<(zeroize::Zeroizing<String>, Issued)> {
        let key = KeyPair::generate()?;
        let cert = Ca::kiosk_params(kiosk_id, days)?.signed_by(&key, &self.cert, &self.key)?;
        Ok((
            zeroize::Zeroizing::new(key.serialize_pem()),
            Ca::issued(cert)?,
        ))
    }
}

/// Writes a new private key file (mode 600) and a certificate file beside.
pub fn write_key_and_cert(
    key_path: &Path,
    key_pem: &str,
    cert_path: &Path,
    cert_pem: &str,
) -> Result<()> {
    write_new(key_path, key_pem, 0o600)?;
    write_new(cert_path, cert_pem, 0o644)
}

/// Writes a certificate to a new file.
pub fn write_cert(path: &Path, cert_pem: &str) -> Result<()> {
    write_new(path, cert_pem, 0o644)
}

/// Makes a kiosk's key and CSR (what `kiosk provision agency-csr` will do on the kiosk; the
/// tests use it to act as a kiosk).
pub fn make_csr(kiosk_id: &str) -> Result<(zeroize::Zeroizing<String>, String)> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name.push(DnType::CommonName, kiosk_id);
    let csr = params.serialize_request(&key)?;
    Ok((zeroize::Zeroizing::new(key.serialize_pem()), csr.pem()?))
}
