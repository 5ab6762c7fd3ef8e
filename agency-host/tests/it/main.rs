//! The agency's tests, one binary, against a real throwaway PostgreSQL cluster (`pg`) and
//! the `agency` program itself (`rig`): commands, `agency serve` over mutual TLS, kiosks as
//! HTTPS clients with certificates.

mod api;
mod at_rest;
mod audit;
mod commits;
// issues 22 and 19: staff calls and identity approvals at the agency
mod desk;
mod fixtures;
mod fleet;
mod fleet_kiosk;
mod import;
mod kiosks;
// issue 16: upgrading an agency that holds data
mod migrations;
mod pg;
// issue 17: the production dates and figure
mod production;
mod proxy;
mod rig;
mod staff_login;
