//! `ui-web`: the kiosk's screens — citizen flows (zh-CN, Uyghur right-to-left, English;
//! elderly mode), staff pages and the public service guide — rendered from view models that
//! `kiosk-host` hands over. It knows no business rule.
//!
//! Nothing is rendered yet: the kiosk service (issue "The kiosk itself") brings the first
//! screens. The crate exists now so the workspace has its final shape.
