//! The home menu's icons: inline SVG drawn in the button's text colour (no icon font, nothing
//! from the network), one per [`Icon`]. They carry no text: the button's name says it all.

use crate::view::Icon;

/// The opening tag of every home menu icon.
macro_rules! svg_open {
    () => {
        r#"<svg class="icon" viewBox="0 0 48 48" width="48" height="48" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="3" stroke-linecap="round" stroke-linejoin="round">"#
    };
}

/// The picture of a home menu button: a 48×48 inline SVG drawn with the button's text colour,
/// hidden from screen readers (the button's name says it all).
pub fn icon_svg(icon: &Icon) -> &'static str {
    match icon {
        Icon::NewCard => concat!(
            svg_open!(),
            r#"<rect x="3" y="10" width="34" height="24" rx="3"/><rect x="8" y="16" width="8" height="6" rx="1"/>"#,
            r#"<circle class="badge" cx="37" cy="34" r="9"/><path d="M37 29v10M32 34h10"/></svg>"#
        ),
        Icon::Replace => concat!(
            svg_open!(),
            r#"<rect x="3" y="10" width="34" height="24" rx="3" stroke-dasharray="4 3"/>"#,
            r#"<path d="M30 38a8 8 0 1 0 -2 -9"/><path d="M27 24v6h6"/></svg>"#
        ),
        Icon::Exchange => concat!(
            svg_open!(),
            r#"<rect x="3" y="6" width="26" height="18" rx="3"/><rect x="19" y="24" width="26" height="18" rx="3"/>"#,
            r#"<path d="M36 8h6v8M42 8l-8 8"/></svg>"#
        ),
        Icon::Reissue => concat!(
            svg_open!(),
            r#"<rect x="7" y="12" width="34" height="24" rx="3"/><path d="M24 18l2.5 5 5.5.8-4 3.9 1 5.5-5-2.6-5 2.6 1-5.5-4-3.9 5.5-.8z"/></svg>"#
        ),
        Icon::Enable => concat!(
            svg_open!(),
            r#"<rect x="3" y="10" width="34" height="24" rx="3"/><rect x="8" y="16" width="8" height="6" rx="1"/>"#,
            r#"<circle class="badge" cx="37" cy="34" r="9"/><path d="M33 34l3 3 5-6"/></svg>"#
        ),
        Icon::Ecard => concat!(
            svg_open!(),
            r#"<rect x="12" y="3" width="24" height="42" rx="4"/><rect x="17" y="12" width="6" height="6"/><rect x="25" y="12" width="6" height="6"/>"#,
            r#"<rect x="17" y="20" width="6" height="6"/><path d="M26 21h5v5h-5zM21 38h6"/></svg>"#
        ),
        Icon::Contact => concat!(
            svg_open!(),
            r#"<path d="M6 22L24 7l18 15"/><path d="M11 18v23h26V18"/><path d="M20 41V29h8v12"/></svg>"#
        ),
        Icon::Photo => concat!(
            svg_open!(),
            r#"<path d="M4 16h9l3-5h16l3 5h9v24H4z"/><circle cx="24" cy="27" r="8"/></svg>"#
        ),
        Icon::ReportLoss => concat!(
            svg_open!(),
            r#"<path d="M24 5L45 42H3z"/><path d="M24 18v12"/><circle cx="24" cy="36" r="1.5" fill="currentColor"/></svg>"#
        ),
        Icon::CancelLoss => concat!(
            svg_open!(),
            r#"<rect x="3" y="10" width="34" height="24" rx="3"/><path d="M12 26a8 8 0 1 1 8 8"/><path d="M8 22l4 4 4-4"/>"#,
            r#"<path d="M30 34l5 5 9-11"/></svg>"#
        ),
        Icon::CancelCard => concat!(
            svg_open!(),
            r#"<rect x="3" y="10" width="34" height="24" rx="3"/><rect x="8" y="16" width="8" height="6" rx="1"/>"#,
            r#"<circle class="badge" cx="37" cy="34" r="9"/><path d="M33 30l8 8M41 30l-8 8"/></svg>"#
        ),
        Icon::PinChange => concat!(
            svg_open!(),
            r#"<circle cx="10" cy="12" r="3"/><circle cx="24" cy="12" r="3"/><circle cx="38" cy="12" r="3"/>"#,
            r#"<circle cx="10" cy="26" r="3"/><circle cx="24" cy="26" r="3"/><path d="M30 42l2-7 10-10 5 5-10 10z"/></svg>"#
        ),
        Icon::PinReset => concat!(
            svg_open!(),
            r#"<circle cx="15" cy="24" r="9"/><path d="M24 24h20M38 24v7M44 24v5"/></svg>"#
        ),
        Icon::PinUnblock => concat!(
            svg_open!(),
            r#"<rect x="8" y="22" width="32" height="22" rx="3"/><path d="M15 22v-8a9 9 0 0 1 17-4"/><path d="M24 30v6"/></svg>"#
        ),
        Icon::Status => concat!(
            svg_open!(),
            r#"<circle cx="20" cy="20" r="13"/><path d="M30 30l14 14"/></svg>"#
        ),
    }
}
