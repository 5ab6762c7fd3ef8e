//! Static assets (placeholder until the screens are written).
pub const STYLE_CSS: &str = "";
pub const KIOSK_JS: &str = "";
