//! The registry's domain: who may do what to applications and labels, and
//! the lifecycle that every label goes through.
//!
//! - Organizations (vendors, test laboratories, the scheme owner) act
//!   through API tokens with roles ([`auth`]).
//! - An application is submitted with a checklist, format-checked on
//!   arrival (the same check as `starmark checklist check`), waits on the
//!   supply-chain inquiry, and is granted or refused ([`model::AppStatus`]).
//! - A label is valid until its expiry date, or revoked; renewal is a new
//!   self-declaration; a reported change revokes it ([`model::LabelStatus`]).
//! - Every state change is an [`event::Event`] in an append-only log. The
//!   current state stored beside it is a projection of those events, and
//!   [`model::replay`] rebuilds it from the log alone.
//! - Every label event is also a signed statement in a transparency log
//!   ([`transparency`]), so labels can be verified without trusting the
//!   page that shows them.
//! - Time comes from a [`clock::Clock`]; storage from a [`store::Store`].
//!
//! No SQL and no HTTP here: backends implement [`store::Store`], the server
//! maps [`RegistryError`] to responses.

pub mod auth;
pub mod clock;
pub mod demo;
mod error;
pub mod event;
pub mod label_id;
pub mod model;
pub mod procurement;
mod service;
pub mod store;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod transparency;

pub use error::{ErrorKind, RegistryError};
pub use service::{Principal, Registry, ReportSubmission};
