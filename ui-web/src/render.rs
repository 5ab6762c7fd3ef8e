//! Rendering (placeholder until the screens are written).
use crate::view::Page;

/// The HTML of a page.
pub fn render_page(page: &Page) -> String {
    format!("<!doctype html><title>{}</title>", page.title)
}
