//! The one trait every simulated device implements.

/// A simulated smart card: it has an ATR and answers command APDUs.
pub trait SimDevice: Send {
    /// The answer to reset.
    fn atr(&self) -> Vec<u8>;
    /// Processes one command APDU and returns the full response APDU (data ‖ SW1 SW2).
    /// Never panics, whatever the bytes.
    fn process(&mut self, apdu: &[u8]) -> Vec<u8>;
    /// Warm reset: clears session state (selection, verified PIN, challenge, pending data).
    fn reset(&mut self);
    /// Power off (the card leaves the field): same effect as a reset for session state.
    fn power_off(&mut self) {
        self.reset()
    }
}

/// Where a card pulled in the middle of a command leaves that command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullPoint {
    /// The card leaves as the command is sent: it never reaches the card.
    BeforeCommand,
    /// The card leaves while it answers: the command ran on the card, the answer is lost.
    /// The host cannot tell this from [`PullPoint::BeforeCommand`]; reconciliation must.
    InAnswer,
}
