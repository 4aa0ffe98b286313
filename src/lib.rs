//! vidflow: a declarative workflow runner for TwelveLabs async video analysis.
