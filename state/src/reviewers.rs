//! Durable state of the reviewers feature.
