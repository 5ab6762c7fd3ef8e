//! `ui-web`: the kiosk's screens — citizen flows (zh-CN, Uyghur right-to-left, English;
//! elderly mode), the public service guide and error screens — rendered from the view models
//! of [`view`] that `kiosk-host` hands over. It knows no business rule.

pub mod assets;
pub mod i18n;
pub mod render;
pub mod view;

pub use render::render_page;
pub use view::{
    ApplicationRow, ArchiveResults, ArchiveRow, Ask, AuditRow, Bar, BarChart, CheckRow,
    FeedbackRow, Field, GuideEntry, Lang, MenuItem, Page, Screen, StaffNav, StaffPage, StatsRow,
};
