//! The onboarding feature's tests: one file per file they prove.

mod decide;
mod render;
