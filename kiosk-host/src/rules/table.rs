//! The rule table (placeholder until written).
use super::BusinessRule;
use crate::domain::BusinessCode;

pub(super) static ALL: &[BusinessRule] = &[];

pub(super) fn rule(code: BusinessCode) -> &'static BusinessRule {
    ALL.iter().find(|r| r.code == code).unwrap_or_else(|| unreachable!("{code:?}"))
}
