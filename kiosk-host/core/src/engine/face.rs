//! The identity step's data (人证核验, see `identity`): where the step stands ([`FaceStep`]),
//! what comes in ([`FaceEvent`], [`FaceResult`]) and what the session keeps
//! ([`Verification`], [`FaceRecord`]), and which businesses need it ([`need`]). A leaf: the
//! session's state holds these, the reducer in `identity` moves them.

use serde::Serialize;

use crate::domain::{BusinessCode, Timestamp};

/// Whether a business needs the match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Always: without a match, a staff approval or a refusal.
    Required,
    /// Where the kiosk can match; without one the business goes on.
    WherePossible,
    /// Never.
    No,
}

/// The need of `business` (done by an agent or not) under the `[face]` settings.
pub fn need(business: BusinessCode, agent: bool, face: &firmware_config::Face) -> Need {
    use BusinessCode::*;
    if agent || matches!(business, Replace | Cancel | Exchange | Reissue) {
        Need::Required
    } else if face.also_for.contains(&business) {
        Need::WherePossible
    } else {
        Need::No
    }
}

/// Where the step stands; the screen follows from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "face", rename_all = "snake_case")]
pub enum FaceStep {
    /// The notice: accept or decline the camera.
    Consent,
    /// The camera is on; attempt `attempt` (from 1) runs.
    Matching { attempt: u32 },
    /// Attempt `attempt` failed: the explanation and the choice.
    Failed {
        attempt: u32,
        why: FaceFailure,
        /// A retry is still offered.
        may_retry: bool,
    },
    /// Waiting for a staff member's approval at the staff pages.
    AwaitingStaff { why: StaffWhy },
}

/// Why an attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaceFailure {
    /// The liveness challenge was not done in time (a photo or screen held up, or the
    /// actions not done).
    NotLive,
    /// No single face could be seen (none, or several).
    NoFace,
    /// A live face, but not the person of the reference photo.
    NotSamePerson,
}

/// Why the staff path was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffWhy {
    Declined,
    NotPossible,
    Failed,
}

/// What goes into the case's archive record: nothing else of the match is kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaceRecord {
    /// Distance between the live face and the reference (lower is more alike).
    pub score: f32,
    pub threshold: f32,
    pub same_person: bool,
    pub model_version: String,
    pub at: Timestamp,
}

/// The outcome of one attempt, from the service's face worker.
#[derive(Debug, Clone, PartialEq)]
pub enum FaceResult {
    /// Liveness passed and the faces were compared (same person or not).
    Compared(FaceRecord),
    /// The liveness challenge failed (time up, the face changed).
    NotLive { reason: String },
    /// No single face in front of the camera.
    NoFace { reason: String },
    /// No match possible: no camera, no reference photo, no face verification on this kiosk.
    NotPossible { reason: String },
}

/// An event of the identity step.
#[derive(Debug, Clone, PartialEq)]
pub enum FaceEvent {
    /// The consent notice answered.
    Consent(bool),
    /// An attempt ended.
    Result(FaceResult),
    /// "Try again" after a failure.
    Retry,
    /// "Ask for staff" after a failure.
    AskStaff,
    /// "End" after a failure: the business is refused, naming the counter.
    End,
    /// A staff member, authenticated at the staff pages, approved (`true`) or refused the
    /// identity.
    Staff { user: String, approved: bool },
}

/// What the session keeps of the step.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verification {
    /// The last comparison made.
    pub record: Option<FaceRecord>,
    /// The staff member who approved the identity.
    pub approved_by: Option<String>,
    /// The step is over and the business may go on.
    pub settled: bool,
}
