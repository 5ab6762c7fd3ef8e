//! The e-card QR code: drawn here as inline SVG from the token, so no script or image request
//! carries the token.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The e-card QR code as the Done screen shows it.
pub(super) enum QrView {
    Absent,
    /// Inline SVG drawn here from the token (the token's text is not in it).
    Svg(String),
    /// The token does not fit a QR code.
    Unavailable,
}

impl QrView {
    pub(super) fn of(token: Option<&str>) -> Self {
        match token {
            None => QrView::Absent,
            Some(token) => qr_svg(token).map_or(QrView::Unavailable, QrView::Svg),
        }
    }
}

/// An inline SVG QR code of `text` (medium error correction, quiet zone included), without the
/// XML declaration so that it can sit inside HTML.
pub fn qr_svg(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(264, 264)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .quiet_zone(true)
        .build();
    let start = image.find("<svg")?;
    Some(image[start..].to_owned())
}
