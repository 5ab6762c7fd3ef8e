//! [`CardSlot`]: which of the readers the PC/SC service (or the simulator) lists is the
//! citizen's card reader, so that the PSAM in its own slot is never taken for a card.

use crate::provision::reader_matches;
use kiosk_core::card_ops::Target;

/// Which of the readers is the citizen's card reader: the reader named by the target (the
/// simulator's slot), else the one `[devices] card_reader` names and `psam_reader` does not.
#[derive(Debug, Clone)]
pub struct CardSlot {
    target: Target,
    card_pattern: String,
    psam_pattern: String,
}

impl CardSlot {
    pub fn new(target: &Target, devices: &firmware_config::Devices) -> CardSlot {
        CardSlot {
            target: target.clone(),
            card_pattern: devices.card_reader.trim().to_string(),
            psam_pattern: devices.psam_reader.trim().to_string(),
        }
    }

    /// Whether the reader called `name` is the citizen's card reader.
    pub fn is_card_reader(&self, name: &str) -> bool {
        if let Some(reader) = &self.target.reader {
            return reader == name;
        }
        if self.target.psam_reader.as_deref() == Some(name)
            || reader_matches(&self.psam_pattern, name)
        {
            return false;
        }
        self.card_pattern.is_empty() || reader_matches(&self.card_pattern, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_card_reader_is_the_named_slot_or_the_configured_pattern() {
        let devices = firmware_config::Devices::default();
        let sim = CardSlot::new(
            &Target {
                reader: Some("Sim 0".into()),
                psam_reader: Some("Sim 1".into()),
                ..Target::default()
            },
            &devices,
        );
        assert!(sim.is_card_reader("Sim 0"));
        assert!(!sim.is_card_reader("Sim 1"));
        let real = CardSlot::new(&Target::default(), &devices);
        assert!(real.is_card_reader("Virtual PCD 00 00"));
        assert!(!real.is_card_reader("Virtual PCD 00 01"), "the PSAM slot");
        let by_name = firmware_config::Devices {
            card_reader: "ACR39U".into(),
            psam_reader: "ACR39U SAM".into(),
            ..firmware_config::Devices::default()
        };
        let real = CardSlot::new(&Target::default(), &by_name);
        assert!(real.is_card_reader("ACS ACR39U ICC Reader 00 00"));
        assert!(!real.is_card_reader("ACS ACR39U SAM Reader 00 00"));
        assert!(!real.is_card_reader("Other 00 00"));
    }
}
