//! The `kiosk.toml` types with their defaults. Every table denies unknown keys; every key has a
//! default except the fields of a `[[staff]]` account and of a `[[calendar.days]]` entry.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The whole `kiosk.toml`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub kiosk: Kiosk,
    pub devices: Devices,
    pub business: Business,
    pub ui: Ui,
    pub keys: Keys,
    pub storage: Storage,
    pub calendar: Calendar,
    pub face: Face,
    /// Staff accounts (`[[staff]]`).
    pub staff: Vec<Staff>,
    /// The agency this kiosk is a client of (`[agency]`); absent: a standalone kiosk whose
    /// registry is its own SQLite database.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agency: Option<AgencyLink>,
}

/// `[agency]`: the agency's registry of record, reached over HTTPS with mutual TLS. With it,
/// the kiosk's registry reads and commits go to the agency; its journal, outbox, audit log,
/// archives and feedback stay in its own database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgencyLink {
    /// The agency's base URL, `https://host:port` (no path).
    pub url: String,
    /// The agency's CA certificate (PEM): the only root the agency's certificate is checked
    /// against.
    pub ca_cert: String,
    /// This kiosk's certificate (PEM), signed by the agency (`agency enrol`); its CN is
    /// `[kiosk] id`.
    pub cert: String,
    /// This kiosk's private key (PEM, mode 600), made by `kiosk provision agency-csr`.
    pub key: String,
    /// Deadline of every registry read and write, in milliseconds (connect, send, answer).
    #[serde(default = "default_agency_timeout_ms")]
    pub timeout_ms: u32,
}

fn default_agency_timeout_ms() -> u32 {
    3000
}

/// `[kiosk]`: what this kiosk is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Kiosk {
    /// Kiosk identifier, unique in the region (letters, digits, `-`, `_`).
    pub id: String,
    /// Outlet (service point) code.
    pub outlet: String,
    /// Region code (GB/T 2260, 6 digits); Changji Hui Autonomous Prefecture is 652300.
    pub region: String,
    /// Archive fonds code (全宗号) used in archive numbers.
    pub fonds: String,
    /// Configuration version; signed bundles carry it and a kiosk refuses to go back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_version: Option<u64>,
}

impl Default for Kiosk {
    fn default() -> Self {
        Kiosk {
            id: "kiosk-0001".into(),
            outlet: "652300001".into(),
            region: "652300".into(),
            fonds: "0001".into(),
            config_version: None,
        }
    }
}

/// `[devices]`: readers by name pattern, serial devices by port (the QR scanner may be a HID
/// keyboard instead, the printer a USB or network one), the camera.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Devices {
    /// PC/SC reader for the citizen's card: a substring of the reader name, or a `*` glob.
    pub card_reader: String,
    /// PC/SC reader holding the PSAM: a substring of the reader name, or a `*` glob.
    pub psam_reader: String,
    /// Serial port of the resident ID card module (GA 467); empty: the kiosk has none.
    pub id_module_port: String,
    pub id_module_baud: u32,
    /// Serial port of the e-card QR scanner; empty: the kiosk has none, or it is a HID one.
    pub qr_port: String,
    pub qr_baud: u32,
    /// The QR scanner as a USB HID keyboard: its input device (`/dev/input/event3`) or its
    /// name under `/dev/input/by-id/` (`usb-…-event-kbd`); the kiosk grabs it for itself.
    /// Empty: the scanner is serial. Set `qr_port = ""` with it.
    pub qr_hid_device: String,
    /// Serial port of the receipt printer (ESC/POS); empty: the kiosk has none, or it is a USB
    /// or network one.
    pub printer_port: String,
    pub printer_baud: u32,
    /// The receipt printer on the USB printer class: its device (`/dev/usb/lp0`). Set
    /// `printer_port = ""` with it.
    pub printer_usb: String,
    /// The receipt printer on the network, raw TCP: `host:port`, or `host` for port 9100. Set
    /// `printer_port = ""` with it.
    pub printer_tcp: String,
    /// Fonts for receipt text the printer's own font lacks (Uyghur), which is printed as
    /// raster images: font files tried in order for each character, each `PATH` or
    /// `PATH#FACE` (a face of a collection). Default: Debian's Noto Sans Arabic
    /// (fonts-noto-core), then Noto Sans CJK SC (fonts-noto-cjk, face 2). A missing font
    /// fails the printer's self-test and Uyghur receipts; Chinese and English ones print.
    pub receipt_fonts: Vec<String>,
    /// Dots across the receipt printer's printable width: 384 for 58 mm paper at 203 dpi,
    /// 576 for 80 mm.
    pub printer_dots: u32,
    /// Camera: a V4L2 device (`/dev/video0`), a still picture served as every frame
    /// (`file:/full/path.png`, for demos and benches), or empty: the kiosk has none.
    pub camera_device: String,
    pub camera_width: u32,
    pub camera_height: u32,
    /// Absolute path of the licensed WLT decoder (a shared library with the C function
    /// `unpack`, see card-io's `idcard::wlt`) that turns the ID card's photo into pixels.
    /// Default none: the photo cannot be shown, and face matching uses the registry's photo.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wlt_decoder: Option<String>,
}

impl Default for Devices {
    fn default() -> Self {
        Devices {
            card_reader: "* 00 00".into(),
            psam_reader: "* 00 01".into(),
            id_module_port: "/dev/ttyUSB0".into(),
            id_module_baud: 115_200,
            qr_port: "/dev/ttyUSB1".into(),
            qr_baud: 9_600,
            qr_hid_device: String::new(),
            printer_port: "/dev/ttyUSB2".into(),
            printer_baud: 9_600,
            printer_usb: String::new(),
            printer_tcp: String::new(),
            receipt_fonts: vec![
                "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf".into(),
                "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc#2".into(),
            ],
            printer_dots: 384,
            camera_device: "/dev/video0".into(),
            camera_width: 1280,
            camera_height: 720,
            wlt_decoder: None,
        }
    }
}

/// The business codes of BUSINESS-RULES.md section 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BusinessCode {
    Apply,
    Enable,
    Ecard,
    Status,
    ChangeInfo,
    ReportLoss,
    CancelLoss,
    Replace,
    Exchange,
    Reissue,
    Cancel,
    PinChange,
    PinReset,
    PinUnblock,
    Photo,
}

impl BusinessCode {
    pub const ALL: [BusinessCode; 15] = [
        BusinessCode::Apply,
        BusinessCode::Enable,
        BusinessCode::Ecard,
        BusinessCode::Status,
        BusinessCode::ChangeInfo,
        BusinessCode::ReportLoss,
        BusinessCode::CancelLoss,
        BusinessCode::Replace,
        BusinessCode::Exchange,
        BusinessCode::Reissue,
        BusinessCode::Cancel,
        BusinessCode::PinChange,
        BusinessCode::PinReset,
        BusinessCode::PinUnblock,
        BusinessCode::Photo,
    ];
}

/// `[business]`: the settings of BUSINESS-RULES.md section 8.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Business {
    /// Days after which a temporary loss report (临时挂失) lifts by itself.
    pub temporary_loss_days: u32,
    /// Expected production time, in working days, of a card not issued on the spot (the
    /// agency's figure; 30–40, after 6.3.1). Shown to the citizen as the expected date; not the
    /// case's time limit (every case at the kiosk is 即时办结, 6.3.2).
    pub application_deadline_days: u32,
    /// Replacement fee in CNY fen (0 or 2000 in practice). 0: nothing is charged.
    pub replacement_fee_fen: i64,
    /// Where a fee is charged, the outlet takes it at the counter: the kiosk prints a
    /// pay-at-counter slip and stops before the card is touched (false: the citizen pays at
    /// the kiosk through its payment provider, before the card is touched).
    pub pay_at_counter: bool,
    /// Card photo file-size window, KB.
    pub photo_min_kb: u32,
    pub photo_max_kb: u32,
    /// Businesses offered at this kiosk.
    pub enabled: Vec<BusinessCode>,
}

impl Default for Business {
    fn default() -> Self {
        Business {
            temporary_loss_days: 15,
            application_deadline_days: 40,
            replacement_fee_fen: 0,
            pay_at_counter: false,
            photo_min_kb: 14,
            photo_max_kb: 40,
            enabled: BusinessCode::ALL.to_vec(),
        }
    }
}

/// Screen languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Language {
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "ug")]
    Ug,
    #[serde(rename = "en")]
    En,
}

/// `[ui]`: languages, timeouts, elderly mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Ui {
    pub languages: Vec<Language>,
    pub default_language: Language,
    /// Idle timeout of an ordinary screen, seconds.
    pub idle_timeout_s: u32,
    /// Idle timeout of a form screen, seconds.
    pub form_idle_timeout_s: u32,
    /// Hard cap on one citizen session, seconds.
    pub session_cap_s: u32,
    /// Larger text and slower flows by default (适老化).
    pub elderly_mode: bool,
    /// Where `kiosk serve` listens. Loopback by default: only the kiosk's own screen (and
    /// staff on the kiosk) reach it.
    pub listen: String,
}

impl Default for Ui {
    fn default() -> Self {
        Ui {
            languages: vec![Language::ZhCn, Language::Ug, Language::En],
            default_language: Language::ZhCn,
            idle_timeout_s: 60,
            form_idle_timeout_s: 120,
            session_cap_s: 900,
            elderly_mode: false,
            listen: "127.0.0.1:8080".into(),
        }
    }
}

/// Staff roles (BUSINESS-RULES.md section 6, internal control).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 受理 front desk.
    FrontDesk,
    /// 档案管理 archive.
    Archive,
    Technician,
    Supervisor,
}

/// `[[staff]]`: one staff account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Staff {
    pub user: String,
    /// Argon2id PHC string: `$argon2id$v=19$m=…,t=…,p=…$salt$hash`.
    pub password_hash: String,
    pub roles: Vec<Role>,
}

/// `[keys]`: agency ed25519 public keys, hex (64 digits) or base64, and the e-card signing key
/// file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Keys {
    /// Keys that may sign configuration bundles.
    pub config_bundles: Vec<String>,
    /// Keys of the e-card platform: they verify dynamic e-card QR codes (and, with this
    /// kiosk's own public key listed, the e-card tokens it issued).
    pub ecard: Vec<String>,
    /// Absolute path of the private key file (from `kiosk config keygen`) with which this kiosk
    /// signs the e-card tokens it issues. The file must be readable by the kiosk's user only
    /// (mode 600); the kiosk refuses it otherwise. Default none: no e-cards are issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecard_signing_key: Option<String>,
    /// Keys that signed sealed archive batches: `kiosk archive verify` accepts a batch signed
    /// by one of them (this kiosk's own archive public key, and those of kiosks whose batches
    /// are checked here).
    pub archive: Vec<String>,
    /// Absolute path of the private key file (from `kiosk config keygen`) with which this kiosk
    /// signs the archive batches it seals; mode 600, like the e-card key. Default none:
    /// `kiosk archive seal` refuses to seal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archive_signing_key: Option<String>,
}

/// `[storage]`: where data live.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Storage {
    pub database: String,
    pub archive_dir: String,
    /// Absolute path of the file holding the database key (64 hex digits, from
    /// `kiosk config dbkey -o FILE`), readable by the kiosk's user only (mode 600). The
    /// database is encrypted with it (SQLCipher). Default none: a real kiosk refuses to open
    /// its database until one is configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_file: Option<String>,
}

impl Default for Storage {
    fn default() -> Self {
        Storage {
            database: "/var/lib/kiosk/kiosk.db".into(),
            archive_dir: "/var/lib/kiosk/archive".into(),
            key_file: None,
        }
    }
}

/// `[face]`: face verification (人证核验, BUSINESS-RULES.md section 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Face {
    /// Largest distance between two face embeddings still judged the same person (dlib's
    /// network: same-person pairs measure 0.25–0.46, different people 0.79–0.89, see
    /// BENCHMARKS.md). Between 0.3 and 0.8.
    pub threshold: f64,
    /// Absolute path of the folder holding the two model files
    /// (`dlib_face_recognition_resnet_model_v1.dat`, `shape_predictor_5_face_landmarks.dat`).
    pub model_dir: String,
    /// Further attempts a citizen is offered after a failed match or liveness check, before
    /// the staff path (0–5).
    pub retries: u32,
    /// Seconds within which the liveness challenge (blink, turn) must be done (5–60).
    pub liveness_seconds: u32,
    /// Businesses that need the match where the kiosk can do one, besides those that always
    /// need it (replacing or cancelling a card, and every agent case: BUSINESS-RULES.md
    /// section 1). Where no match is possible, these go on without one.
    pub also_for: Vec<BusinessCode>,
    /// When a needed match is not possible, fails or is declined: a staff member may approve
    /// the identity at the kiosk's staff pages (true), or the business is refused, naming
    /// [`Face::counter`] (false).
    pub staff_approval: bool,
    /// The service counter that checks identity in person, named by a refusal (e.g. "3号窗口");
    /// empty: "a service counter".
    pub counter: String,
}

impl Default for Face {
    fn default() -> Self {
        Face {
            threshold: 0.6,
            model_dir: "/usr/share/kiosk/face".into(),
            retries: 2,
            liveness_seconds: 15,
            also_for: Vec::new(),
            staff_approval: true,
            counter: String::new(),
        }
    }
}

/// `[calendar]`: the working-day calendar (BUSINESS-RULES.md section 4).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Calendar {
    /// A calendar file of `[[days]]` entries (same fields as `[[calendar.days]]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Inline entries.
    pub days: Vec<CalendarDay>,
}

/// Holiday or adjusted working day (调休).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    Holiday,
    Workday,
}

/// One calendar entry: `{ date = 2025-10-01, kind = "holiday", name = "国庆节" }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarDay {
    /// A TOML local date (written without quotes).
    #[schemars(with = "String", regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub date: toml::value::Datetime,
    pub kind: DayKind,
    #[serde(default)]
    pub name: String,
}

/// A calendar file: `[[days]]` entries only.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CalendarFile {
    pub days: Vec<CalendarDay>,
}
