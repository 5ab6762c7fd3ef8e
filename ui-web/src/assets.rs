//! The static files the pages load: `/static/kiosk.css` ([`STYLE_CSS`]) and
//! `/static/kiosk.js` ([`KIOSK_JS`]), compiled into the binary so that the kiosk needs no
//! files beside it and no build step for its script.

/// Served at [`STYLE_PATH`] as `text/css; charset=utf-8`.
pub const STYLE_CSS: &str = include_str!("../static/kiosk.css");
/// Served at [`SCRIPT_PATH`] as `text/javascript; charset=utf-8`.
pub const KIOSK_JS: &str = include_str!("../static/kiosk.js");

/// Where the pages link the style sheet.
pub const STYLE_PATH: &str = "/static/kiosk.css";
/// Where the pages load the script.
pub const SCRIPT_PATH: &str = "/static/kiosk.js";
