//! The HTTPS client of the agency's `/v1` API: mutual TLS with the kiosk's certificate and
//! the agency CA as the only root, a deadline on every call, and the agency's answers turned
//! into store errors ([`AgencyError`] for setting it up).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde::de::DeserializeOwned;

use agency_api::{ApiError, ErrorCode};
use firmware_config::AgencyLink;
use kiosk_core::store::{Result, StoreError};

/// Setting up the agency client failed (its files or its URL).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AgencyError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} holds no {what}")]
    Missing { path: String, what: &'static str },
    #[error("TLS: {0}")]
    Tls(#[from] rustls::Error),
    /// The agency answered with an error that is not a registry refusal (403: this kiosk is
    /// unknown or revoked; 500 …).
    #[error("the agency answered {status}: {message}")]
    Answer { status: u16, message: String },
}

/// Why a call to the agency did not give an answer to use.
pub(super) enum Fail {
    /// No answer in time. `sent`: the request may have reached the agency.
    Unreachable { sent: bool, why: String },
    /// A definite answer: refusal, not found, failure.
    Store(StoreError),
}

impl From<Fail> for StoreError {
    fn from(f: Fail) -> StoreError {
        match f {
            Fail::Unreachable { why, .. } => StoreError::Unavailable(why),
            Fail::Store(e) => e,
        }
    }
}

#[allow(
    deprecated,
    reason = "ring kept as rustls' provider, as the agency does (see agency_host::tls::provider)"
)]
pub(super) fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

pub(super) fn read(path: &str) -> std::result::Result<Vec<u8>, AgencyError> {
    std::fs::read(Path::new(path)).map_err(|source| AgencyError::Read {
        path: path.to_string(),
        source,
    })
}

pub(super) fn certs(path: &str) -> std::result::Result<Vec<CertificateDer<'static>>, AgencyError> {
    let bytes = read(path)?;
    let certs = rustls_pemfile::certs(&mut bytes.as_slice())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|source| AgencyError::Read {
            path: path.to_string(),
            source,
        })?;
    if certs.is_empty() {
        return Err(AgencyError::Missing {
            path: path.to_string(),
            what: "certificate",
        });
    }
    Ok(certs)
}

pub(super) fn private_key(path: &str) -> std::result::Result<PrivateKeyDer<'static>, AgencyError> {
    let bytes = zeroize::Zeroizing::new(read(path)?);
    rustls_pemfile::private_key(&mut bytes.as_slice())
        .map_err(|source| AgencyError::Read {
            path: path.to_string(),
            source,
        })?
        .ok_or_else(|| AgencyError::Missing {
            path: path.to_string(),
            what: "private key",
        })
}

/// The kiosk's TLS configuration for the agency: its CA the only root, the kiosk's
/// certificate and key for mutual TLS.
pub fn tls_config(
    link: &AgencyLink,
) -> std::result::Result<Arc<rustls::ClientConfig>, AgencyError> {
    let mut roots = rustls::RootCertStore::empty();
    for c in certs(&link.ca_cert)? {
        roots.add(c)?;
    }
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_client_auth_cert(certs(&link.cert)?, private_key(&link.key)?)?;
    Ok(Arc::new(config))
}

/// Percent-encodes a path segment (everything but unreserved characters).
pub(super) fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(super) fn with(path: &str, name: &str, value: &str) -> String {
    path.replace(&format!("{{{name}}}"), &segment(value))
}

/// The snake_case code of an enumeration, as the API's query parameters take it.
pub(super) fn code<T: serde::Serialize>(value: &T) -> Result<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        other => Err(StoreError::Invalid(format!("not a code: {other:?}"))),
    }
}

/// The blocking HTTPS client of the agency's API.
pub(super) struct Client {
    agent: ureq::Agent,
    pub(super) base: String,
}

impl Client {
    pub(super) fn new(link: &AgencyLink) -> std::result::Result<Client, AgencyError> {
        let deadline = Duration::from_millis(u64::from(link.timeout_ms));
        let agent = ureq::AgentBuilder::new()
            .tls_config(tls_config(link)?)
            .timeout_connect(deadline)
            .timeout(deadline)
            .build();
        Ok(Client {
            agent,
            base: link.url.trim().trim_end_matches('/').to_string(),
        })
    }

    pub(super) fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> std::result::Result<Option<ureq::Response>, Fail> {
        let req = self.agent.request(method, &format!("{}{path}", self.base));
        let result = match body {
            Some(b) => req.send_json(b),
            None => req.call(),
        };
        match result {
            Ok(r) => Ok(Some(r)),
            Err(ureq::Error::Status(404, r)) if r.content_type() == "application/json" => {
                // A missing record (the API's 404 body); a route that does not exist would be
                // the same answer, which the version prefix rules out.
                Ok(None)
            }
            Err(ureq::Error::Status(status, r)) => Err(refusal(status, r)),
            Err(ureq::Error::Transport(t)) => {
                let sent = !matches!(
                    t.kind(),
                    ureq::ErrorKind::ConnectionFailed | ureq::ErrorKind::Dns
                );
                Err(Fail::Unreachable {
                    sent,
                    why: format!("{method} {path}: {t}"),
                })
            }
        }
    }

    pub(super) fn json<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> std::result::Result<Option<T>, Fail> {
        let Some(response) = self.call(method, path, body)? else {
            return Ok(None);
        };
        let text = response.into_string().map_err(|e| Fail::Unreachable {
            sent: true,
            why: format!("{method} {path}: the answer broke off: {e}"),
        })?;
        serde_json::from_str(&text).map(Some).map_err(|e| {
            Fail::Store(StoreError::Corrupt(format!(
                "{method} {path}: the agency's answer does not read: {e}"
            )))
        })
    }

    pub(super) fn get<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>> {
        Ok(self.json("GET", path, None)?)
    }

    pub(super) fn body<T: serde::Serialize>(
        value: &T,
    ) -> std::result::Result<serde_json::Value, Fail> {
        serde_json::to_value(value).map_err(|e| {
            Fail::Store(StoreError::Invalid(format!(
                "the request does not encode: {e}"
            )))
        })
    }
}

/// The API's error answer as a store error: 409 a conflict, 422/400 an invalid value, 503
/// "cannot be reached" (nothing was written), the rest the agency's failure.
pub(super) fn refusal(status: u16, response: ureq::Response) -> Fail {
    let text = response.into_string().unwrap_or_default();
    let (code, message) = match serde_json::from_str::<ApiError>(&text) {
        Ok(e) => (Some(e.error), e.message),
        Err(_) => (None, text),
    };
    match code {
        Some(ErrorCode::Conflict) => Fail::Store(StoreError::Conflict(message)),
        Some(ErrorCode::Busy) => Fail::Store(StoreError::Busy(message)),
        Some(ErrorCode::Unavailable) => Fail::Unreachable {
            sent: false,
            why: format!("the agency's database: {message}"),
        },
        Some(ErrorCode::NotFound) => Fail::Store(StoreError::NotFound(message)),
        Some(
            ErrorCode::Invalid
            | ErrorCode::IdempotencyMismatch
            | ErrorCode::BadJson
            | ErrorCode::TooLarge
            | ErrorCode::UnsupportedMediaType,
        ) => Fail::Store(StoreError::Invalid(message)),
        _ => Fail::Store(StoreError::Backend(Box::new(AgencyError::Answer {
            status,
            message,
        }))),
    }
}
