//! The effective `model_name` and `analysis_mode` of a body, defaults applied [seed].

/// A model the contract accepts (VAL-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Model {
    Pegasus12,
    Pegasus15,
}

impl Model {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "pegasus1.2" => Some(Self::Pegasus12),
            "pegasus1.5" => Some(Self::Pegasus15),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Pegasus12 => "pegasus1.2",
            Self::Pegasus15 => "pegasus1.5",
        }
    }
}

/// An analysis mode the contract accepts (VAL-13).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    General,
    TimeBased,
}

impl Mode {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "general" => Some(Self::General),
            "time_based_metadata" => Some(Self::TimeBased),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::General => "general",
            Self::TimeBased => "time_based_metadata",
        }
    }
}

/// Model and mode after defaults (`pegasus1.2`, `general` [seed]); `None` when the
/// body's value is invalid (VAL-3, VAL-6, VAL-13), so rules that depend on it are
/// skipped instead of cascading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Effective {
    pub(crate) model: Option<Model>,
    /// `model_name` was absent and the default applies.
    pub(crate) model_defaulted: bool,
    pub(crate) mode: Option<Mode>,
    /// `analysis_mode` was absent and the default applies.
    pub(crate) mode_defaulted: bool,
}

impl Effective {
    /// `"pegasus1.2"` or `"pegasus1.2 (the default)"`, for reasons.
    pub(crate) fn model_text(&self) -> String {
        match self.model {
            Some(m) if self.model_defaulted => format!("{} (the default)", m.name()),
            Some(m) => m.name().to_string(),
            None => "invalid".to_string(),
        }
    }

    /// `"general"` or `"general (the default)"`, for reasons.
    pub(crate) fn mode_text(&self) -> String {
        match self.mode {
            Some(m) if self.mode_defaulted => format!("{} (the default)", m.name()),
            Some(m) => m.name().to_string(),
            None => "invalid".to_string(),
        }
    }
}
