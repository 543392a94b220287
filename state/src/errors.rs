//! Durable state of the errors feature.
