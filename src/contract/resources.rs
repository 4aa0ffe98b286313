//! Server-side state that some rules need (VAL-10, VAL-11, VAL-25).

/// What the server knows of an asset (§6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AssetInfo {
    /// The asset's status is `ready`.
    pub ready: bool,
    /// The asset is an image (for media sources, VAL-25).
    pub is_image: bool,
}

/// Lookup of server-side resources for the rules that need state (VAL-10, VAL-11,
/// VAL-25). The simulator implements it over its store; offline callers pass `None`
/// to [`validate_create`](super::validate_create) and those rules are skipped.
pub trait Resources {
    /// The asset with this `_id`, or `None` when it does not exist.
    fn asset(&self, id: &str) -> Option<AssetInfo>;
    /// Whether a pre-indexed video with this `video_id` exists.
    fn video_exists(&self, video_id: &str) -> bool;
}
