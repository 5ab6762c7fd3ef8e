//! `ui-web`: the kiosk's screens — citizen flows (zh-CN, Uyghur right-to-left, English;
//! elderly mode), the public service guide and error screens — rendered from the view models
//! of [`view`] that `kiosk-host` hands over. It knows no business rule. The page types with its
//! own on-screen keyboards ([`keyboard`]) and speaks its prompts ([`voice`]).

pub mod assets;
pub mod i18n;
pub mod icons;
pub mod keyboard;
pub mod keyboard_data;
pub mod render;
pub mod view;
pub mod voice;
pub mod voice_readings;

pub use render::render_page;
pub use view::{
    ApplicationRow, ArchiveResults, ArchiveRow, Ask, AuditRow, Bar, BarChart, CheckRow,
    DivisionChoice, FaceInstruction, FaceView, FaceWhy, FeedbackRow, Field, GuideEntry, Icon,
    IdentityWaiting, Lang, Likely, MenuGroup, MenuItem, MenuSection, Page, Presented,
    ProductionRow, Screen, StaffNav, StaffPage, StatsRow,
};
