//! The TwelveLabs v1.3 client: wire types, HTTP, retries.

pub mod client;
pub mod error;
pub mod wire;

pub use client::{ApiKey, Client, ClientConfig};
pub use error::{ApiError, HttpError};
