//! Simulator settings of a card: the profile's **[profile choice]** variants.

use std::fmt;

use card_io::sam::Algorithm;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::SimError;

/// How the card answers commands with response data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// T=0: every answer with data is `61 xx` first, fetched with GET RESPONSE.
    T0,
    /// T=1: data come back directly.
    T1,
}

/// How a T=0 card answers a command with data and a warning (`62xx`/`63xx`), e.g. SELECT of
/// a temporarily blocked application (CARD-PROFILE.md section 1). T=1 ignores it: the data
/// come with the warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum T0Warnings {
    /// `61 xx`, and GET RESPONSE gives the data with the warning.
    #[default]
    AfterData,
    /// The warning alone (ISO/IEC 7816-3 case 4 with a warning); the data are held for GET
    /// RESPONSE `00 C0 00 00 00`, which answers them with `90 00`.
    Held,
    /// As `held`, but GET RESPONSE with the wrong Le (`00`) answers `6C xx`; the data come
    /// with GET RESPONSE `00 C0 00 00 xx`.
    #[serde(rename = "held-6c")]
    HeldWrongLe,
}

impl T0Warnings {
    pub const ALL: [T0Warnings; 3] = [
        T0Warnings::AfterData,
        T0Warnings::Held,
        T0Warnings::HeldWrongLe,
    ];

    /// The name in card files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            T0Warnings::AfterData => "after-data",
            T0Warnings::Held => "held",
            T0Warnings::HeldWrongLe => "held-6c",
        }
    }
}

/// The status word of SELECT SSSE on a temporarily blocked application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BlockedSw {
    #[serde(rename = "6283")]
    Sw6283,
    #[serde(rename = "6a81", alias = "6A81")]
    Sw6A81,
}

impl BlockedSw {
    pub fn sw(self) -> u16 {
        match self {
            BlockedSw::Sw6283 => 0x6283,
            BlockedSw::Sw6A81 => 0x6A81,
        }
    }
}

/// The card specification version (EF05 tag 03).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SpecVersion {
    /// "2.00": no EF0D; the name extension record (tag 4E) is optional.
    #[serde(rename = "2.00")]
    V2,
    /// "3.00": EF0D present, tag 4E always present.
    #[serde(rename = "3.00")]
    V3,
}

impl SpecVersion {
    /// The 4 ASCII bytes stored in EF05 tag 03.
    pub fn as_str(self) -> &'static str {
        match self {
            SpecVersion::V2 => "2.00",
            SpecVersion::V3 => "3.00",
        }
    }
}

impl fmt::Display for SpecVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The PIN retry limits a card can be personalised with.
pub(crate) const PIN_RETRY_LIMITS: [u8; 3] = [3, 6, 8];

/// Settings of one simulated card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub transport: Transport,
    /// T=0 only: how a warning with data is framed.
    pub t0_warnings: T0Warnings,
    /// On T=0 the `6A81` variant answers SELECT without the FCI: no data follow an error.
    pub blocked_sw: BlockedSw,
    /// 3, 6 or 8.
    #[serde(deserialize_with = "retry_limit")]
    pub pin_retry_limit: u8,
    pub spec_version: SpecVersion,
    pub algorithm: Algorithm,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            transport: Transport::T1,
            t0_warnings: T0Warnings::AfterData,
            blocked_sw: BlockedSw::Sw6283,
            pin_retry_limit: 3,
            spec_version: SpecVersion::V3,
            algorithm: Algorithm::Tdes,
        }
    }
}

impl Settings {
    /// Checks the values serde cannot (settings built in code).
    pub fn validate(&self) -> Result<(), SimError> {
        check_retry_limit(self.pin_retry_limit)
            .map(|_| ())
            .map_err(|problem| SimError::Setting {
                field: "pin_retry_limit".into(),
                problem,
            })
    }
}

fn check_retry_limit(v: u8) -> Result<u8, String> {
    if PIN_RETRY_LIMITS.contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is not a PIN retry limit (3, 6 or 8)"))
    }
}

fn retry_limit<'de, D: Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    let v = u8::deserialize(d)?;
    check_retry_limit(v).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_lowercase_names() {
        let s: Settings = toml::from_str("").unwrap();
        assert_eq!(s, Settings::default());
        let s: Settings = toml::from_str(
            "transport = \"t0\"\nblocked_sw = \"6a81\"\npin_retry_limit = 6\nspec_version = \"2.00\"\nalgorithm = \"sm4\"",
        )
        .unwrap();
        assert_eq!(s.transport, Transport::T0);
        assert_eq!(s.blocked_sw, BlockedSw::Sw6A81);
        assert_eq!(s.pin_retry_limit, 6);
        assert_eq!(s.spec_version, SpecVersion::V2);
        assert_eq!(s.algorithm, Algorithm::Sm4);
        assert_eq!(s.t0_warnings, T0Warnings::AfterData);
        for w in T0Warnings::ALL {
            let s: Settings = toml::from_str(&format!("t0_warnings = \"{}\"", w.name())).unwrap();
            assert_eq!(s.t0_warnings, w);
        }
        let back = toml::to_string(&s).unwrap();
        assert!(back.contains("\"t0\"") && back.contains("\"6a81\"") && back.contains("\"2.00\""));
    }

    #[test]
    fn bad_values_are_refused() {
        let e = toml::from_str::<Settings>("pin_retry_limit = 5").unwrap_err();
        assert!(e.to_string().contains("retry limit"), "{e}");
        assert!(toml::from_str::<Settings>("transport = \"t2\"").is_err());
        assert!(toml::from_str::<Settings>("colour = \"red\"").is_err());
        let mut s = Settings {
            pin_retry_limit: 4,
            ..Settings::default()
        };
        assert!(s.validate().is_err());
        s.pin_retry_limit = 8;
        assert!(s.validate().is_ok());
    }
}
